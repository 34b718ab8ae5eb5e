#include "facerec/chain/face_chain.h"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "facerec/chain/face_alignment.h"
#include "facerec/core/status_macros.h"
#include "facerec/detect/detectors.h"
#include "facerec/export/opencv_dnn.h"

namespace facerec::chain {
namespace {

class Stopwatch {
 public:
  double Lap() {
    const auto now = std::chrono::steady_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
    return ms;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

detect::FaceDetectorOptions FaceChainOptions::DefaultDetection() {
  detect::FaceDetectorOptions o;
  o.score_threshold = std::numeric_limits<double>::quiet_NaN();
  return o;
}

absl::StatusOr<std::unique_ptr<FaceChain>> FaceChain::Create(const FaceChainOptions& options) {
  std::unique_ptr<FaceChain> chain(new FaceChain());
  detect::FaceDetectorOptions detection = options.detection;
  if (std::isnan(detection.score_threshold)) {
    detection.score_threshold = detect::DefaultScoreThreshold(options.detector);
  }
  if (options.backend != "libtorch" && options.backend != "opencv_dnn") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown backend '", options.backend, "'; known: libtorch, opencv_dnn"));
  }
  const bool opencv = options.backend == "opencv_dnn";
  if (opencv && options.detector == "ours") {
    FACEREC_RETURN_IF_ERROR(detect::ValidateFaceDetectorOptions(detection));
    FACEREC_ASSIGN_OR_RETURN(chain->detector_, exporting::OpenCvDnnDetector(options.detector_model, detection));
  } else {
    FACEREC_ASSIGN_OR_RETURN(chain->detector_, detect::MakeFaceDetector(options.detector, detection,
                                                                        options.detector_model));
  }
  if (opencv && options.landmarks == "landmark_net") {
    FACEREC_ASSIGN_OR_RETURN(align::LandmarkDetector landmarks,
                             exporting::OpenCvDnnLandmarkDetector(options.landmark_model));
    chain->landmarks_ = LandmarkNetStageOf(std::move(landmarks));
  } else {
    FACEREC_ASSIGN_OR_RETURN(chain->landmarks_, MakeLandmarkStage(options.landmarks, options.landmark_model));
  }
  if (options.embedding_model.empty()) return chain;  // Crops only.
  FACEREC_ASSIGN_OR_RETURN(FaceEmbedder embedder, opencv ? exporting::OpenCvDnnEmbedder(options.embedding_model)
                                                         : FaceEmbedder::Load(options.embedding_model, options.device));
  chain->embedder_ = std::make_unique<FaceEmbedder>(std::move(embedder));
  return chain;
}

cv::Mat ToRgb(const cv::Mat& photo) {
  cv::Mat rgb;
  cv::cvtColor(photo, rgb, photo.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
  return rgb;
}

absl::StatusOr<std::vector<detect::Detection>> FaceChain::Detect(const cv::Mat& photo,
                                                                 StageTimes* times) {
  Stopwatch watch;
  FACEREC_ASSIGN_OR_RETURN(std::vector<detect::Detection> faces, detector_->Detect(photo));
  if (times != nullptr) times->detect += watch.Lap();
  return faces;
}

absl::StatusOr<ChainFace> FaceChain::Describe(const cv::Mat& rgb,
                                              const detect::Detection& detection,
                                              StageTimes* times) {
  StageTimes local;
  Stopwatch watch;
  ChainFace face;
  face.detection = detection;
  FACEREC_ASSIGN_OR_RETURN(face.points, landmarks_->Locate(rgb, detection));
  local.landmarks = watch.Lap();
  face.crop = AlignToIdRateWindow(rgb, face.points);
  local.align = watch.Lap();
  if (embedder_ != nullptr) face.embedding = embedder_->Embed({face.crop})[0];
  local.embed = watch.Lap();
  if (times != nullptr) {
    times->landmarks += local.landmarks;
    times->align += local.align;
    times->embed += local.embed;
  }
  return face;
}

absl::StatusOr<std::vector<ChainFace>> FaceChain::Process(const cv::Mat& photo, StageTimes* times) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<detect::Detection> detections, Detect(photo, times));
  const cv::Mat rgb = ToRgb(photo);
  std::vector<ChainFace> faces;
  for (const detect::Detection& d : detections) {
    FACEREC_ASSIGN_OR_RETURN(ChainFace face, Describe(rgb, d, times));
    faces.push_back(std::move(face));
  }
  return faces;
}

int NearestToCentre(const std::vector<detect::Detection>& faces, const cv::Size& photo) {
  int best = -1;
  double best_distance = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < faces.size(); ++i) {
    const data::FaceBox& b = faces[i].box;
    const double d = std::hypot(b.x + b.width / 2 - photo.width / 2.0,
                                b.y + b.height / 2 - photo.height / 2.0);
    if (d < best_distance) {
      best_distance = d;
      best = static_cast<int>(i);
    }
  }
  return best;
}

int Largest(const std::vector<detect::Detection>& faces) {
  int best = -1;
  double best_area = -1;
  for (size_t i = 0; i < faces.size(); ++i) {
    const double area = faces[i].box.width * faces[i].box.height;
    if (area > best_area) {
      best_area = area;
      best = static_cast<int>(i);
    }
  }
  return best;
}

}  // namespace facerec::chain
