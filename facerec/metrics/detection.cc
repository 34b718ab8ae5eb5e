#include "facerec/metrics/detection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "glog/logging.h"

namespace facerec::metrics {

double IntersectionOverUnion(const data::FaceBox& a, const data::FaceBox& b) {
  if (a.width <= 0 || a.height <= 0 || b.width <= 0 || b.height <= 0) return 0;
  const double w = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
  const double h = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const double inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

double MatchQuality(const data::FaceBox& detection, const AnnotatedFace& face,
                    const DetectionMatchOptions& options) {
  if (options.rule == MatchRule::kIntersectionOverUnion) {
    const double iou = IntersectionOverUnion(detection, face.box);
    return iou >= options.iou_threshold ? iou : -1;
  }
  if (face.points.size() != 4) return -1;
  const data::Point2& left = face.points[0];
  const data::Point2& right = face.points[1];
  const data::Point2& mouth = face.points[3];
  auto inside = [&](const data::Point2& p) {
    return p.x >= detection.x && p.x <= detection.x + detection.width && p.y >= detection.y &&
           p.y <= detection.y + detection.height;
  };
  if (!inside(left) || !inside(right) || !inside(mouth)) return -1;
  const double eyes = std::hypot(right.x - left.x, right.y - left.y);
  if (eyes <= 0) return -1;
  const double ratio = detection.width / eyes;
  if (ratio < options.min_width_over_eye_distance || ratio > options.max_width_over_eye_distance) {
    return -1;
  }
  const double cx = (left.x + right.x + mouth.x) / 3, cy = (left.y + right.y + mouth.y) / 3;
  const double off = std::hypot(detection.x + detection.width / 2 - cx,
                                detection.y + detection.height / 2 - cy);
  return 1.0 / (1.0 + off / eyes);
}

namespace {

using Outcome = MatchedDetections::Outcome;
using Ranked = MatchedDetections::Ranked;

// Greedy matching within one photo (see the header).
void MatchPhoto(const PhotoDetections& photo, int32_t photo_index, const DetectionMatchOptions& options,
                std::vector<Ranked>* out) {
  std::vector<size_t> order(photo.detections.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return photo.detections[a].score > photo.detections[b].score;
  });
  std::vector<bool> taken(photo.faces.size(), false);
  for (size_t d : order) {
    const data::FaceBox& box = photo.detections[d].box;
    int best = -1;
    double best_quality = 0;
    bool best_ignored = true;
    for (size_t f = 0; f < photo.faces.size(); ++f) {
      if (taken[f]) continue;
      const double quality = MatchQuality(box, photo.faces[f], options);
      if (quality < 0) continue;
      const bool ignored = photo.faces[f].ignore;
      // A face that counts beats an ignored one; then the better match.
      if (best < 0 || (best_ignored && !ignored) ||
          (best_ignored == ignored && quality > best_quality)) {
        best = static_cast<int>(f);
        best_quality = quality;
        best_ignored = ignored;
      }
    }
    Outcome outcome = Outcome::kFalse;
    if (best >= 0) {
      taken[best] = true;
      outcome = best_ignored ? Outcome::kIgnored : Outcome::kTrue;
    }
    out->push_back({photo.detections[d].score, photo_index, outcome});
  }
}

}  // namespace

MatchedDetections MatchDetections(const std::vector<PhotoDetections>& photos,
                                  const DetectionMatchOptions& options) {
  MatchedDetections m;
  m.false_positives_per_photo = options.false_positives_per_photo;
  m.faces_per_photo.reserve(photos.size());
  for (size_t p = 0; p < photos.size(); ++p) {
    int64_t faces = 0;
    for (const AnnotatedFace& face : photos[p].faces) faces += face.ignore ? 0 : 1;
    m.faces_per_photo.push_back(faces);
    MatchPhoto(photos[p], static_cast<int32_t>(p), options, &m.ranked);
  }
  std::stable_sort(m.ranked.begin(), m.ranked.end(),
                   [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  return m;
}

DetectionScores ScoreMatchedDetections(const MatchedDetections& matched, const std::vector<int>& multiplicity) {
  CHECK_EQ(multiplicity.size(), matched.faces_per_photo.size());
  DetectionScores s;
  int64_t photos = 0;
  for (size_t p = 0; p < multiplicity.size(); ++p) {
    s.faces += multiplicity[p] * matched.faces_per_photo[p];
    photos += multiplicity[p];
  }
  const double allowed_false = matched.false_positives_per_photo * static_cast<double>(photos);
  for (const Ranked& r : matched.ranked) {
    const int weight = multiplicity[r.photo];
    if (weight == 0) continue;
    if (r.outcome == Outcome::kIgnored) {
      s.ignored_detections += weight;
      continue;
    }
    (r.outcome == Outcome::kTrue ? s.true_positives : s.false_positives) += weight;
    const double recall = s.faces > 0 ? static_cast<double>(s.true_positives) / s.faces : 0;
    const double precision =
        static_cast<double>(s.true_positives) / (s.true_positives + s.false_positives);
    s.curve.push_back({r.score, recall, precision});
    if (s.false_positives <= allowed_false) s.recall_at_false_positive_rate = recall;
  }
  if (s.faces == 0) return s;
  // All-point interpolation: precision at recall r is the best precision at
  // any recall >= r; AP sums it over each step up in recall. A photo drawn m
  // times steps up m faces at once: the same area as m single steps, since
  // precision only rises through a run of true positives.
  double ap = 0, previous_recall = 0, envelope = 0;
  std::vector<double> best_after(s.curve.size());
  for (size_t i = s.curve.size(); i-- > 0;) {
    envelope = std::max(envelope, s.curve[i].precision);
    best_after[i] = envelope;
  }
  for (size_t i = 0; i < s.curve.size(); ++i) {
    if (s.curve[i].recall > previous_recall) {
      ap += (s.curve[i].recall - previous_recall) * best_after[i];
      previous_recall = s.curve[i].recall;
    }
  }
  s.average_precision = ap;
  return s;
}

double ScoreAtFalsePositiveRate(const MatchedDetections& matched) {
  const double allowed_false =
      matched.false_positives_per_photo * static_cast<double>(matched.faces_per_photo.size());
  double cut = std::numeric_limits<double>::infinity();
  int64_t false_positives = 0;
  for (const Ranked& r : matched.ranked) {
    if (r.outcome == Outcome::kFalse && ++false_positives > allowed_false) break;
    cut = r.score;
  }
  return cut;
}

double RecallAtScore(const MatchedDetections& matched, double min_score, const std::vector<int>& multiplicity) {
  CHECK_EQ(multiplicity.size(), matched.faces_per_photo.size());
  int64_t faces = 0, found = 0;
  for (size_t p = 0; p < multiplicity.size(); ++p) faces += multiplicity[p] * matched.faces_per_photo[p];
  for (const Ranked& r : matched.ranked) {
    if (r.score < min_score) break;  // Ranked by falling score.
    if (r.outcome == Outcome::kTrue) found += multiplicity[r.photo];
  }
  return faces > 0 ? static_cast<double>(found) / static_cast<double>(faces) : 0;
}

DetectionScores EvaluateDetections(const std::vector<PhotoDetections>& photos,
                                   const DetectionMatchOptions& options) {
  return ScoreMatchedDetections(MatchDetections(photos, options), std::vector<int>(photos.size(), 1));
}

}  // namespace facerec::metrics
