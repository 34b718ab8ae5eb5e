// One detector over one detection set, scored by the detection metric: AP
// on every face and with the small ones ignored, recall at one false
// positive per photo, the precision-recall curve, and the time per photo.
//
//   FACEREC_ASSIGN_OR_RETURN(DetectionSet val, LoadDetectionSet(root, "facemask_val"));
//   FACEREC_ASSIGN_OR_RETURN(DetectorEvaluation e,
//                            EvaluateDetector(*detector, val, DetectionEvaluationOptions()));
//   // e.all.average_precision, e.large.average_precision (faces >= 24 px)
//
// Photos that cannot be decoded are skipped and named in `unreadable`; they
// count in no score. For a recall-only set (afw) AP and false positives are
// still computed but mean little: not every face there is annotated.
//
// Thread-safety: uses `detector`, so as thread-safe as it (not, usually).
#ifndef FACEREC_DETECT_DETECTION_EVALUATION_H_
#define FACEREC_DETECT_DETECTION_EVALUATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/detect/detection_sets.h"
#include "facerec/detect/face_detector.h"
#include "facerec/metrics/detection.h"
#include "facerec/tracking/run.h"

namespace facerec::detect {

struct DetectionEvaluationOptions {
  // The IoU a box needs (box-annotated sets). Default 0.5.
  double iou_threshold = 0.5;
  // `large` ignores faces smaller than this (FaceSide). Default 24 px.
  double min_face_side = 24;
};

struct DetectorEvaluation {
  metrics::DetectionScores all;    // Every annotated face counts.
  metrics::DetectionScores large;  // Faces under min_face_side ignored.
  int64_t photos = 0;              // Decoded and scored.
  double median_ms_per_photo = 0;  // Detect() alone, decoding excluded.
  std::vector<std::string> unreadable;  // Image paths that did not decode.
  // The scored photos' detections matched to their faces, in the set's
  // order without the unreadable photos: all and large re-scored under
  // photo multiplicities (metrics::ScoreMatchedDetections), a bootstrap
  // over photos.
  metrics::MatchedDetections matched_all;
  metrics::MatchedDetections matched_large;
};

// Errors from the detector (other than on an unreadable photo) end it.
absl::StatusOr<DetectorEvaluation> EvaluateDetector(FaceDetector& detector, const DetectionSet& set,
                                                    const DetectionEvaluationOptions& options);

// The scoring half of EvaluateDetector, for detections made elsewhere
// (external_detections.h): `photos` are the scored photos' annotated faces
// and detections, in the set's order; `ms` each one's detection time. Leaves
// `unreadable` empty.
DetectorEvaluation ScoreDetections(std::vector<metrics::PhotoDetections> photos, metrics::MatchRule rule,
                                   const std::vector<double>& ms, const DetectionEvaluationOptions& options);

// Records `evaluation` of set `set_name` in `run` as metrics at step 0,
// eval/<set>/: ap, ap_large, recall_at_1fp, recall_at_1fp_large, faces,
// faces_large, photos, unreadable, ms_per_photo; and the precision-recall
// curve, thinned to at most `curve_points` evenly spaced points, as series
// pr/precision, pr/recall and pr/score.
absl::Status LogDetectorEvaluation(const std::string& set_name,
                                   const DetectorEvaluation& evaluation, int curve_points,
                                   tracking::Run* run);

// A recall-only set (afw) scored at an operating point set where false
// positives are real. AFW annotates only some faces of a photo, so its recall
// at 1 false positive per photo takes the detections of unannotated faces as
// false and penalises the detector that finds more faces
// (metrics::ScoreAtFalsePositiveRate says why). Instead each detector keeps
// the detections that score at least its score at 1 false positive per photo
// on kOperatingPointSet, every face of which is annotated, and the recall-only
// set's recall is read there.
inline constexpr char kOperatingPointSet[] = "facemask_val";

struct OperatingPointRecall {
  std::string set;              // A recall-only set.
  double operating_score = 0;   // The detector's score at 1 FP/photo on kOperatingPointSet.
  double recall = 0;            // The set's recall at that score.
};

// `results[i]` is the evaluation of `sets[i]` by one detector (sizes CHECKed).
// One entry per recall-only set; none when kOperatingPointSet is not among
// `sets`.
std::vector<OperatingPointRecall> RecallsAtOperatingPoint(const std::vector<DetectionSet>& sets,
                                                          const std::vector<DetectorEvaluation>& results);

// "afw recall 0.985 at score >= 0.318, its 1 FP/photo on facemask_val".
std::string DescribeOperatingPointRecall(const OperatingPointRecall& recall);

// Records them as eval/<set>/recall_at_operating_point and
// eval/<set>/operating_score at step 0.
absl::Status LogOperatingPointRecalls(const std::vector<OperatingPointRecall>& recalls, tracking::Run* run);

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_DETECTION_EVALUATION_H_
