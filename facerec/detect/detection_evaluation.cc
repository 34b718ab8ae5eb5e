#include "facerec/detect/detection_evaluation.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"

namespace facerec::detect {

absl::StatusOr<DetectorEvaluation> EvaluateDetector(FaceDetector& detector, const DetectionSet& set,
                                                    const DetectionEvaluationOptions& options) {
  DetectorEvaluation e;
  std::vector<metrics::PhotoDetections> scored;
  std::vector<double> ms;
  for (const DetectionPhoto& photo : set.photos) {
    const cv::Mat image = cv::imread(photo.image_path, cv::IMREAD_COLOR);
    if (image.empty()) {
      e.unreadable.push_back(photo.image_path);
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<std::vector<Detection>> found = detector.Detect(image);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    if (!found.ok()) {
      return absl::Status(found.status().code(),
                          absl::StrCat(photo.image_path, ": ", found.status().message()));
    }
    metrics::PhotoDetections p;
    p.faces = photo.faces;
    for (const Detection& d : *found) p.detections.push_back({d.box, d.score});
    scored.push_back(std::move(p));
  }
  e.photos = static_cast<int64_t>(scored.size());
  metrics::DetectionMatchOptions match;
  match.rule = set.rule;
  match.iou_threshold = options.iou_threshold;
  e.all = metrics::EvaluateDetections(scored, match);
  for (metrics::PhotoDetections& p : scored) IgnoreFacesSmallerThan(options.min_face_side, &p.faces);
  e.large = metrics::EvaluateDetections(scored, match);
  if (!ms.empty()) {
    std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
    e.median_ms_per_photo = ms[ms.size() / 2];
  }
  return e;
}

}  // namespace facerec::detect
