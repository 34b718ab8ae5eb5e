#include "facerec/detect/detection_evaluation.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/statistics.h"
#include "facerec/core/status_macros.h"
#include "facerec/tracking/run_export.h"
#include "glog/logging.h"

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
  DetectorEvaluation scores = ScoreDetections(std::move(scored), set.rule, ms, options);
  scores.unreadable = std::move(e.unreadable);
  return scores;
}

DetectorEvaluation ScoreDetections(std::vector<metrics::PhotoDetections> scored, metrics::MatchRule rule,
                                   const std::vector<double>& ms, const DetectionEvaluationOptions& options) {
  DetectorEvaluation e;
  e.photos = static_cast<int64_t>(scored.size());
  metrics::DetectionMatchOptions match;
  match.rule = rule;
  match.iou_threshold = options.iou_threshold;
  const std::vector<int> once(scored.size(), 1);
  e.matched_all = metrics::MatchDetections(scored, match);
  e.all = metrics::ScoreMatchedDetections(e.matched_all, once);
  for (metrics::PhotoDetections& p : scored) IgnoreFacesSmallerThan(options.min_face_side, &p.faces);
  e.matched_large = metrics::MatchDetections(scored, match);
  e.large = metrics::ScoreMatchedDetections(e.matched_large, once);
  e.median_ms_per_photo = Median(ms);
  return e;
}

absl::Status LogDetectorEvaluation(const std::string& set_name, const DetectorEvaluation& r,
                                   int curve_points, tracking::Run* run) {
  const std::string key = absl::StrCat("eval/", set_name, "/");
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "ap", 0, r.all.average_precision));
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "ap_large", 0, r.large.average_precision));
  FACEREC_RETURN_IF_ERROR(
      run->LogMetric(key + "recall_at_1fp", 0, r.all.recall_at_false_positive_rate));
  FACEREC_RETURN_IF_ERROR(
      run->LogMetric(key + "recall_at_1fp_large", 0, r.large.recall_at_false_positive_rate));
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "faces", 0, r.all.faces));
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "faces_large", 0, r.large.faces));
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "photos", 0, r.photos));
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "unreadable", 0, r.unreadable.size()));
  FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "ms_per_photo", 0, r.median_ms_per_photo));
  const std::vector<size_t> kept = tracking::EvenlySpacedIndices(r.all.curve.size(), curve_points);
  for (size_t i = 0; i < kept.size(); ++i) {
    const metrics::PrecisionRecallPoint& p = r.all.curve[kept[i]];
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "pr/precision", i, p.precision));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "pr/recall", i, p.recall));
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "pr/score", i, p.score));
  }
  return absl::OkStatus();
}

std::vector<OperatingPointRecall> RecallsAtOperatingPoint(const std::vector<DetectionSet>& sets,
                                                          const std::vector<DetectorEvaluation>& results) {
  CHECK_EQ(sets.size(), results.size());
  const DetectorEvaluation* operating = nullptr;
  for (size_t i = 0; i < sets.size(); ++i) {
    if (sets[i].name == kOperatingPointSet) operating = &results[i];
  }
  std::vector<OperatingPointRecall> recalls;
  if (operating == nullptr) return recalls;
  const double cut = metrics::ScoreAtFalsePositiveRate(operating->matched_all);
  for (size_t i = 0; i < sets.size(); ++i) {
    if (!sets[i].recall_only) continue;
    const std::vector<int> once(results[i].matched_all.faces_per_photo.size(), 1);
    recalls.push_back({sets[i].name, cut, metrics::RecallAtScore(results[i].matched_all, cut, once)});
  }
  return recalls;
}

std::string DescribeOperatingPointRecall(const OperatingPointRecall& recall) {
  return absl::StrFormat("%s recall %.3f at score >= %.3f, its 1 FP/photo on %s", recall.set, recall.recall,
                         recall.operating_score, kOperatingPointSet);
}

absl::Status LogOperatingPointRecalls(const std::vector<OperatingPointRecall>& recalls, tracking::Run* run) {
  for (const OperatingPointRecall& r : recalls) {
    const std::string key = absl::StrCat("eval/", r.set, "/");
    FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "recall_at_operating_point", 0, r.recall));
    // +infinity (nothing kept) is no number to store; the recall 0 says it.
    if (std::isfinite(r.operating_score)) {
      FACEREC_RETURN_IF_ERROR(run->LogMetric(key + "operating_score", 0, r.operating_score));
    }
  }
  return absl::OkStatus();
}

}  // namespace facerec::detect
