#include "facerec/detect/haar_detector.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "facerec/core/status_macros.h"

namespace facerec::detect {

absl::StatusOr<std::unique_ptr<HaarFaceDetector>> HaarFaceDetector::Load(
    const std::string& cascade_path, const FaceDetectorOptions& options) {
  FACEREC_RETURN_IF_ERROR(ValidateFaceDetectorOptions(options));
  std::unique_ptr<HaarFaceDetector> detector(new HaarFaceDetector(options));
  // OpenCV reports a bad file by returning false (and may log or throw).
  bool loaded = false;
  try {
    loaded = detector->cascade_.load(cascade_path);
  } catch (const cv::Exception&) {
    loaded = false;
  }
  if (!loaded || detector->cascade_.empty()) {
    return absl::NotFoundError(
        absl::StrCat(cascade_path, ": cannot be read as a Haar cascade (Debian opencv-data)"));
  }
  return detector;
}

absl::StatusOr<std::vector<Detection>> HaarFaceDetector::Detect(const cv::Mat& photo) {
  FACEREC_RETURN_IF_ERROR(ValidatePhoto(photo));
  const double scale = options_.input_scale * std::max(1.0, kHaarWindow / options_.min_face_size);
  cv::Mat grey = GreyAtScale(photo, scale);
  // The cascade was trained on histogram-equalised windows.
  cv::equalizeHist(grey, grey);
  const int min_side = std::max(1, static_cast<int>(std::lround(options_.min_face_size * scale)));
  std::vector<cv::Rect> boxes;
  std::vector<int> reject_levels;
  std::vector<double> level_weights;
  cascade_.detectMultiScale(grey, boxes, reject_levels, level_weights, kHaarScaleStep,
                            kHaarMinNeighbors, 0, cv::Size(min_side, min_side), cv::Size(),
                            /*outputRejectLevels=*/true);
  std::vector<Detection> candidates;
  for (size_t i = 0; i < boxes.size(); ++i) {
    Detection d;
    d.box = {boxes[i].x / scale, boxes[i].y / scale, boxes[i].width / scale,
             boxes[i].height / scale};
    d.score = i < level_weights.size() ? level_weights[i] : 0;
    candidates.push_back(d);
  }
  return FinishDetections(std::move(candidates), options_);
}

}  // namespace facerec::detect
