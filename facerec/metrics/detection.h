// Face-detection accuracy as the WIDER FACE evaluation measures it: average
// precision at an IoU threshold, with ground truth that may be marked ignore
// (too small, or not annotated reliably), plus the recall at a fixed number
// of false positives per photo and the precision-recall curve.
//
//   std::vector<PhotoDetections> photos(1);
//   photos[0].faces = {{{10, 10, 40, 40}, false}, {{200, 50, 8, 8}, /*ignore=*/true}};
//   photos[0].detections = {{{12, 11, 38, 40}, 0.9}, {{300, 300, 30, 30}, 0.4}};
//   DetectionScores s = EvaluateDetections(photos, DetectionMatchOptions());
//   // s.average_precision == 1: the true face is found first; the false
//   // detection comes after every true one. s.false_positives == 1.
//
// Matching, per photo: detections in order of falling score; each takes the
// unmatched annotated face it matches best, preferring faces that are not
// ignored. Boxes match by IoU >= the threshold (the better match: the larger
// IoU). Faces annotated by points only (WebFaces) match with
// MatchRule::kPointsInside: the box holds both eyes and the mouth and its
// width is 1.2-4x the eye distance (the better match: the points' centre
// nearer the box's). A detection matched to an ignored face, and
// only such a detection, counts as neither true nor false; ignored faces are
// not in the recall's denominator. Detections of all photos are then ranked
// together by score. AP uses all-point interpolation: the area under the
// precision-recall curve after precision is made non-increasing in recall
// (VOC 2010+ / WIDER FACE).
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_METRICS_DETECTION_H_
#define FACEREC_METRICS_DETECTION_H_

#include <cstdint>
#include <vector>

#include "facerec/data/face_boxes.h"

namespace facerec::metrics {

struct ScoredBox {
  data::FaceBox box;
  double score = 0;
};

struct AnnotatedFace {
  data::FaceBox box;  // For MatchRule::kIntersectionOverUnion.
  // Neither a miss when not found nor a false positive when found.
  bool ignore = false;
  // For MatchRule::kPointsInside: left eye, right eye, nose, mouth centre
  // (data::LoadWebFaces' order); the nose is not used.
  std::vector<data::Point2> points;
};

enum class MatchRule { kIntersectionOverUnion, kPointsInside };

struct PhotoDetections {
  std::vector<AnnotatedFace> faces;
  std::vector<ScoredBox> detections;
};

struct DetectionMatchOptions {
  // How a detection finds a face. Default kIntersectionOverUnion.
  MatchRule rule = MatchRule::kIntersectionOverUnion;
  // kIntersectionOverUnion: a detection finds a face when their IoU is at
  // least this. Default 0.5.
  double iou_threshold = 0.5;
  // kPointsInside: the box width over the eye distance must lie in
  // [min, max]. Defaults 1.2 and 4.
  double min_width_over_eye_distance = 1.2;
  double max_width_over_eye_distance = 4.0;
  // Recall is also reported at the score where the false positives reach
  // this many per photo. Default 1.
  double false_positives_per_photo = 1.0;
};

struct PrecisionRecallPoint {
  double score = 0;      // Detections scoring at least this are kept.
  double recall = 0;
  double precision = 0;
};

struct DetectionScores {
  double average_precision = 0;  // 0 when no face counts.
  // Recall with at most options.false_positives_per_photo x photos false
  // positives (the highest-recall cut that keeps within it).
  double recall_at_false_positive_rate = 0;
  int64_t faces = 0;             // Annotated faces that count (not ignored).
  int64_t true_positives = 0;    // Over all detections.
  int64_t false_positives = 0;
  int64_t ignored_detections = 0;
  // One point per counted detection, in falling score order (raw, not the
  // interpolated envelope): what a plot draws.
  std::vector<PrecisionRecallPoint> curve;
};

// Intersection over union of two boxes; 0 when either is empty.
double IntersectionOverUnion(const data::FaceBox& a, const data::FaceBox& b);

// How well `detection` matches `face` under options.rule: negative when it
// does not match at all, otherwise larger for a better match (IoU; for
// points, 1 / (1 + distance of the points' centre from the box centre in eye
// distances)). A kPointsInside face without 4 points never matches.
double MatchQuality(const data::FaceBox& detection, const AnnotatedFace& face,
                    const DetectionMatchOptions& options);

DetectionScores EvaluateDetections(const std::vector<PhotoDetections>& photos,
                                   const DetectionMatchOptions& options);

// The photos' detections matched to their faces once (matching is within a
// photo), to be scored under many resamples of the photos: a bootstrap over
// photos (bootstrap.h) re-weights these and matches nothing again.
struct MatchedDetections {
  enum class Outcome { kTrue, kFalse, kIgnored };
  struct Ranked {
    double score = 0;
    int32_t photo = 0;  // Index into the photos matched.
    Outcome outcome = Outcome::kFalse;
  };
  std::vector<Ranked> ranked;            // Every detection, by falling score.
  std::vector<int64_t> faces_per_photo;  // Faces that count, per photo.
  double false_positives_per_photo = 1;  // The options' recall cut.
};
MatchedDetections MatchDetections(const std::vector<PhotoDetections>& photos,
                                  const DetectionMatchOptions& options);

// The scores when photo p counts multiplicity[p] times (its faces and its
// detections, and in the false-positive allowance); every multiplicity 1
// gives EvaluateDetections' scores. multiplicity.size() must be the photo
// count (CHECKed: a programmer's error).
DetectionScores ScoreMatchedDetections(const MatchedDetections& matched, const std::vector<int>& multiplicity);

// An operating point carried from one set to another. On a set where not
// every face is annotated (AFW) a detection of an unannotated face is no
// false positive, so the recall at n false positives per photo there
// penalises the detector that finds more faces. Instead the detector's score
// cut is set on a fully annotated set, and the other set's recall is read at
// that cut:
//
//   const double cut = ScoreAtFalsePositiveRate(MatchDetections(val, options));
//   const double recall = RecallAtScore(MatchDetections(afw, points), cut, ones);
//
// ScoreAtFalsePositiveRate: the lowest score the recall_at_false_positive_rate
// cut keeps (every photo once): the detections scoring at least this stay
// within the allowance, up to detections tied with the first one over it.
// The lowest detection's score when every detection fits; +infinity when none
// does (an allowance under one false positive with a false one ranked first)
// or there are no detections.
double ScoreAtFalsePositiveRate(const MatchedDetections& matched);
// The recall when only detections scoring at least `min_score` are kept, photo
// p counting multiplicity[p] times (its size CHECKed, as above); 0 without a
// face that counts.
double RecallAtScore(const MatchedDetections& matched, double min_score, const std::vector<int>& multiplicity);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_DETECTION_H_
