// Our trained detector (detector_net.h) behind the FaceDetector interface:
// the photo enlarged so faces of min_face_size (default kOurSmallestFace)
// reach kOurReliableFaceSide (times input_scale; as Haar and dlib HOG enlarge
// it to their windows), padded to a multiple of 32, one forward pass,
// decoding, then FinishDetections.
//
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<OurDetector> detector,
//                            OurDetector::Load("artifacts/detector/x/detector_net.pt", {}));
//   FACEREC_ASSIGN_OR_RETURN(std::vector<Detection> faces, detector->Detect(bgr_photo));
//   // faces[i].points: the five points from the net's landmark head.
//
// Scores are the net's face probability, trained towards the IoU of its box
// (detector_loss.h). Candidates scoring under kOurMinCandidateScore are
// never reported, whatever the options' threshold: below it lie thousands
// of background cells that only slow NMS and add nothing to AP.
//
// Thread-safety: Detect may not be called concurrently (LibTorch modules are
// not re-entrant); one detector per thread.
#ifndef FACEREC_DETECT_OUR_DETECTOR_H_
#define FACEREC_DETECT_OUR_DETECTOR_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/backbones/net_forward.h"
#include "facerec/detect/detector_net.h"
#include "facerec/detect/face_detector.h"

namespace facerec::detect {

inline constexpr double kOurMinCandidateScore = 0.02;
// What a tool that reports faces keeps (tools:detect_faces, the chain): the
// score is trained towards the IoU of the box with its face
// (detector_loss.h), and 0.5 is the IoU at which a box counts as finding one.
inline constexpr double kOurDefaultScoreThreshold = 0.5;
inline constexpr int kOurMaxCandidates = 1000;
// The smallest face searched for and reported when the options leave it to
// the detector (min_face_size 0). Half of face-mask's faces are narrower
// than 21 px: a floor of 20 px alone held its AP to about 0.55. Chosen on
// the validation splits (facemask_val, webfaces_val) among floors 20, 12,
// 10, 8 and 6 at one enlargement (RESULTS.md, "Face detection"): below
// 8 px nothing more is found.
inline constexpr int kOurSmallestFace = 8;
// The side, in input pixels, the smallest faces searched for are enlarged
// to. It sets the cost (the enlargement squared in time): 10 px for the
// 8-px floor is the enlargement of 1.25 chosen earlier for 20-px faces
// (25 px), which larger enlargements of the 8-px floor beat on face-mask
// only at 2.3-6x the time and with WebFaces worse (RESULTS.md).
inline constexpr double kOurReliableFaceSide = 10;

// The factor OurDetector resizes a photo by: input_scale times
// max(1, kOurReliableFaceSide / min_face_size), min_face_size 0 read as
// kOurSmallestFace.
double OurInputScale(const FaceDetectorOptions& options);

class OurDetector : public FaceDetector {
 public:
  // Runs an inference copy of `net` (backbones::FusedInferenceCopy): `net`
  // may go on training. Options must be valid (ValidateFaceDetectorOptions).
  OurDetector(const DetectorNet& net, const FaceDetectorOptions& options,
              c10::Device device = c10::kCPU);
  // The net computed by `forward` ([1, 3, H, W] -> [1, A, 15]; another
  // runtime, export/opencv_dnn.h), with the same pre- and post-processing.
  OurDetector(backbones::NetForward forward, const FaceDetectorOptions& options);
  // LoadDetectorNet's errors, or InvalidArgumentError for bad options.
  static absl::StatusOr<std::unique_ptr<OurDetector>> Load(const std::string& path,
                                                           const FaceDetectorOptions& options,
                                                           c10::Device device = c10::kCPU);

  absl::StatusOr<std::vector<Detection>> Detect(const cv::Mat& photo) override;
  std::string name() const override { return "ours"; }

 private:
  backbones::NetForward forward_;
  FaceDetectorOptions options_;
  // DetectorCells of the last input size: photos from one camera or set
  // share a size, so they are made once, not per photo.
  int64_t cells_height_ = 0, cells_width_ = 0;
  at::Tensor cells_;
};

// A photo as the net takes it: RGB in [0, 1], [1, 3, H', W'] with H', W' the
// photo's size times `scale` rounded up to multiples of 32 (grey padding on
// the right and bottom). `photo` is 8-bit BGR or grey.
at::Tensor DetectorInput(const cv::Mat& photo, double scale);

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_OUR_DETECTOR_H_
