#include "facerec/metrics/landmarks.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "glog/logging.h"

namespace facerec::metrics {
namespace {

// The normaliser of every measure here: the distance between the annotated
// eye centres (points 0 and 1), kept off zero.
double EyeDistance(const std::vector<data::Point2>& truth) {
  return std::max(std::hypot(truth[0].x - truth[1].x, truth[0].y - truth[1].y), 1e-9);
}

}  // namespace

std::vector<double> NormalisedMeanErrors(const std::vector<std::vector<data::Point2>>& predicted,
                                         const std::vector<std::vector<data::Point2>>& truth) {
  CHECK_EQ(predicted.size(), truth.size());
  std::vector<double> nme;
  nme.reserve(truth.size());
  for (size_t f = 0; f < truth.size(); ++f) {
    CHECK_EQ(predicted[f].size(), truth[f].size());
    CHECK_GE(truth[f].size(), 2u);
    double sum = 0;
    for (size_t p = 0; p < truth[f].size(); ++p) {
      sum += std::hypot(predicted[f][p].x - truth[f][p].x, predicted[f][p].y - truth[f][p].y);
    }
    nme.push_back(sum / truth[f].size() / EyeDistance(truth[f]));
  }
  return nme;
}

std::vector<data::Point2> MeanNormalisedOffsets(
    const std::vector<std::vector<data::Point2>>& predicted,
    const std::vector<std::vector<data::Point2>>& truth) {
  CHECK_EQ(predicted.size(), truth.size());
  if (truth.empty()) return {};
  std::vector<data::Point2> mean(truth[0].size());
  for (size_t f = 0; f < truth.size(); ++f) {
    CHECK_EQ(predicted[f].size(), mean.size());
    CHECK_EQ(truth[f].size(), mean.size());
    CHECK_GE(mean.size(), 2u);
    const double interocular = EyeDistance(truth[f]);
    for (size_t p = 0; p < mean.size(); ++p) {
      mean[p].x += (predicted[f][p].x - truth[f][p].x) / interocular;
      mean[p].y += (predicted[f][p].y - truth[f][p].y) / interocular;
    }
  }
  for (data::Point2& m : mean) {
    m.x /= static_cast<double>(truth.size());
    m.y /= static_cast<double>(truth.size());
  }
  return mean;
}

std::vector<double> OffsetRemovedNormalisedMeanErrors(
    const std::vector<std::vector<data::Point2>>& predicted,
    const std::vector<std::vector<data::Point2>>& truth) {
  CHECK_EQ(predicted.size(), truth.size());
  CHECK_GE(truth.size(), 2u);
  std::vector<std::vector<data::Point2>> half_predicted[2], half_truth[2];
  for (size_t f = 0; f < truth.size(); ++f) {
    half_predicted[f % 2].push_back(predicted[f]);
    half_truth[f % 2].push_back(truth[f]);
  }
  const std::vector<data::Point2> half_offsets[2] = {
      MeanNormalisedOffsets(half_predicted[0], half_truth[0]),
      MeanNormalisedOffsets(half_predicted[1], half_truth[1])};
  std::vector<std::vector<data::Point2>> corrected = predicted;
  for (size_t f = 0; f < truth.size(); ++f) {
    const std::vector<data::Point2>& offsets = half_offsets[1 - f % 2];  // The other half's.
    CHECK_EQ(offsets.size(), truth[f].size());
    const double interocular = EyeDistance(truth[f]);
    for (size_t p = 0; p < truth[f].size(); ++p) {
      corrected[f][p].x -= offsets[p].x * interocular;
      corrected[f][p].y -= offsets[p].y * interocular;
    }
  }
  return NormalisedMeanErrors(corrected, truth);
}

LandmarkSummary SummariseLandmarkErrors(const std::vector<double>& nme, double failure_threshold,
                                        double ced_max, double ced_step) {
  LandmarkSummary s;
  s.failure_threshold = failure_threshold;
  if (nme.empty()) return s;
  std::vector<double> sorted = nme;
  std::sort(sorted.begin(), sorted.end());
  const double n = static_cast<double>(sorted.size());
  s.mean_nme = std::accumulate(sorted.begin(), sorted.end(), 0.0) / n;
  const size_t mid = sorted.size() / 2;
  s.median_nme = sorted.size() % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const auto at_or_below = [&](double t) {
    return static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), t) - sorted.begin());
  };
  s.failure_rate = 1.0 - at_or_below(failure_threshold) / n;
  const int steps = static_cast<int>(std::lround(ced_max / ced_step));
  for (int i = 0; i <= steps; ++i) {
    const double t = i * ced_step;
    s.ced.push_back({t, at_or_below(t) / n});
  }
  return s;
}

}  // namespace facerec::metrics
