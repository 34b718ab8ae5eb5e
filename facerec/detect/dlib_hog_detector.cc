#include "facerec/detect/dlib_hog_detector.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>

#include <algorithm>

#include "facerec/core/status_macros.h"

namespace facerec::detect {

struct DlibHogFaceDetector::Scanner {
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
};

DlibHogFaceDetector::DlibHogFaceDetector(const FaceDetectorOptions& options)
    : scanner_(std::make_unique<Scanner>()), options_(WithOwnSmallestFace(options, kDlibHogSmallestFace)) {}

DlibHogFaceDetector::~DlibHogFaceDetector() = default;

absl::StatusOr<std::unique_ptr<DlibHogFaceDetector>> DlibHogFaceDetector::Create(
    const FaceDetectorOptions& options) {
  FACEREC_RETURN_IF_ERROR(ValidateFaceDetectorOptions(options));
  return std::unique_ptr<DlibHogFaceDetector>(new DlibHogFaceDetector(options));
}

absl::StatusOr<std::vector<Detection>> DlibHogFaceDetector::Detect(const cv::Mat& photo) {
  FACEREC_RETURN_IF_ERROR(ValidatePhoto(photo));
  const double scale =
      options_.input_scale * std::max(1.0, kDlibHogWindow / options_.min_face_size);
  const cv::Mat grey = GreyAtScale(photo, scale);
  const dlib::cv_image<unsigned char> image(grey);
  std::vector<dlib::rect_detection> found;
  scanner_->detector(image, found, std::max(options_.score_threshold, kDlibHogLowestMargin));
  std::vector<Detection> candidates;
  for (const dlib::rect_detection& r : found) {
    Detection d;
    d.box = {r.rect.left() / scale, r.rect.top() / scale, r.rect.width() / scale,
             r.rect.height() / scale};
    d.score = r.detection_confidence;
    candidates.push_back(d);
  }
  return FinishDetections(std::move(candidates), options_);
}

}  // namespace facerec::detect
