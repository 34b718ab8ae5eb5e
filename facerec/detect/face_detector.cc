#include "facerec/detect/face_detector.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "facerec/metrics/detection.h"
#include "glog/logging.h"

namespace facerec::detect {

absl::Status ValidateFaceDetectorOptions(const FaceDetectorOptions& o) {
  if (std::isnan(o.score_threshold)) {
    return absl::InvalidArgumentError("score_threshold=nan: must be a number");
  }
  if (!(o.nms_iou > 0 && o.nms_iou <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("nms_iou=", o.nms_iou, ": must be in (0, 1]"));
  }
  if (o.min_face_size < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "min_face_size=", o.min_face_size, ": must be >= 1, or 0 for the detector's own smallest face"));
  }
  if (!(o.input_scale >= 0.05 && o.input_scale <= 8)) {
    return absl::InvalidArgumentError(
        absl::StrCat("input_scale=", o.input_scale, ": must be in [0.05, 8]"));
  }
  return absl::OkStatus();
}

FaceDetectorOptions WithOwnSmallestFace(FaceDetectorOptions options, int own_smallest_face) {
  CHECK_GE(own_smallest_face, 1);
  if (options.min_face_size == 0) options.min_face_size = own_smallest_face;
  return options;
}

std::vector<Detection> NonMaximumSuppression(std::vector<Detection> detections, double iou) {
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> kept;
  for (Detection& d : detections) {
    const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const Detection& k) {
      return metrics::IntersectionOverUnion(k.box, d.box) >= iou;
    });
    if (!suppressed) kept.push_back(std::move(d));
  }
  return kept;
}

std::vector<Detection> FinishDetections(std::vector<Detection> candidates,
                                        const FaceDetectorOptions& options) {
  candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                  [&](const Detection& d) {
                                    return d.score < options.score_threshold ||
                                           d.box.width < options.min_face_size;
                                  }),
                   candidates.end());
  return NonMaximumSuppression(std::move(candidates), options.nms_iou);
}

absl::Status ValidatePhoto(const cv::Mat& photo) {
  if (photo.empty()) return absl::InvalidArgumentError("empty photo");
  if (photo.depth() != CV_8U || (photo.channels() != 1 && photo.channels() != 3)) {
    return absl::InvalidArgumentError(
        absl::StrCat("photo must be 8-bit grey or BGR, got type ", photo.type()));
  }
  return absl::OkStatus();
}

cv::Mat GreyAtScale(const cv::Mat& photo, double scale) {
  cv::Mat grey;
  if (photo.channels() == 3) {
    cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
  } else {
    grey = photo.clone();
  }
  if (scale != 1.0) {
    cv::resize(grey, grey, cv::Size(), scale, scale, scale > 1 ? cv::INTER_LINEAR : cv::INTER_AREA);
  }
  return grey;
}

}  // namespace facerec::detect
