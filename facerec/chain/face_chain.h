// The photo-to-identity chain: detect -> five points -> similarity warp ->
// embedding, each stage chosen by name, the way MediaPipe builds a graph of
// calculators. Matching against people is the Gallery's (gallery.h).
//
//   FaceChainOptions options;
//   options.detector_model = "artifacts/detector/x/detector_net.pt";
//   options.landmark_model = "artifacts/landmarks/y/landmark_net.pt";
//   options.embedding_model = "artifacts/compare_losses/z/embedding_net.pt";
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<FaceChain> chain, FaceChain::Create(options));
//   FACEREC_ASSIGN_OR_RETURN(std::vector<ChainFace> faces, chain->Process(cv::imread(path)));
//   // faces[i].detection.box, faces[i].points, faces[i].crop (83x100), faces[i].embedding [D]
//
// Stages: detector (detect/detectors.h: ours, haar, dlib_hog), landmarks
// (landmark_stage.h: landmark_net, detector_points), alignment to the
// ID-rate window (face_alignment.h), embedding (face_embedder.h).
//
// Thread-safety: not thread-safe (its stages are not); one chain per thread.
#ifndef FACEREC_CHAIN_FACE_CHAIN_H_
#define FACEREC_CHAIN_FACE_CHAIN_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <opencv2/core.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/chain/face_embedder.h"
#include "facerec/chain/landmark_stage.h"
#include "facerec/detect/face_detector.h"
#include "glog/logging.h"

namespace facerec::chain {

struct FaceChainOptions {
  std::string detector = "ours";  // Default ours.
  std::string detector_model;     // For ours.
  // The detection options; score_threshold unset (NaN) means the detector's
  // own default (detect::DefaultScoreThreshold).
  detect::FaceDetectorOptions detection = DefaultDetection();
  std::string landmarks = "landmark_net";  // Default landmark_net.
  std::string landmark_model;              // For landmark_net.
  // Empty: faces are described without an embedding (crops only, as a
  // dataset's face cache wants them); embedder() must not be called then.
  std::string embedding_model;
  c10::Device device = c10::kCPU;
  // Which runtime computes the nets: "libtorch" (default) or "opencv_dnn"
  // (each model exported to ONNX in memory and run by OpenCV's dnn module,
  // on the CPU; export/opencv_dnn.h). The same model files either way.
  std::string backend = "libtorch";

  static detect::FaceDetectorOptions DefaultDetection();
};

struct ChainFace {
  detect::Detection detection;
  std::vector<data::Point2> points;  // Photo pixels.
  cv::Mat crop;                      // 83x100 RGB, aligned.
  at::Tensor embedding;           // [D], unit length; undefined without an embedder.
};

// Milliseconds per stage, summed over a photo's faces.
struct StageTimes {
  double detect = 0, landmarks = 0, align = 0, embed = 0;
  double total() const { return detect + landmarks + align + embed; }
};

class FaceChain {
 public:
  // The stages' loaders' errors; InvalidArgumentError for unknown names.
  static absl::StatusOr<std::unique_ptr<FaceChain>> Create(const FaceChainOptions& options);

  // Every face of an 8-bit BGR (or grey) photo, as cv::imread gives it, by
  // falling detection score. `times` (may be null) receives the stage times.
  absl::StatusOr<std::vector<ChainFace>> Process(const cv::Mat& photo, StageTimes* times = nullptr);

  // The stages one at a time, for callers that pick faces before embedding
  // them: detections of a BGR photo, then one of them described (points,
  // crop, embedding) from the photo as RGB.
  absl::StatusOr<std::vector<detect::Detection>> Detect(const cv::Mat& photo, StageTimes* times = nullptr);
  absl::StatusOr<ChainFace> Describe(const cv::Mat& rgb, const detect::Detection& detection,
                                     StageTimes* times = nullptr);

  FaceEmbedder& embedder() {
    CHECK(embedder_ != nullptr) << "a chain created without embedding_model has no embedder";
    return *embedder_;
  }

 private:
  FaceChain() = default;
  std::unique_ptr<detect::FaceDetector> detector_;
  std::unique_ptr<LandmarkStage> landmarks_;
  std::unique_ptr<FaceEmbedder> embedder_;
};

// Which detection a one-face protocol takes: the one whose box centre is
// nearest the photo's centre (LFW: the named person is centred), or the
// largest box (enrolment photos). -1 when there is none.
int NearestToCentre(const std::vector<detect::Detection>& faces, const cv::Size& photo);
int Largest(const std::vector<detect::Detection>& faces);

// BGR or grey 8-bit -> RGB (a new matrix).
cv::Mat ToRgb(const cv::Mat& photo);

}  // namespace facerec::chain

#endif  // FACEREC_CHAIN_FACE_CHAIN_H_
