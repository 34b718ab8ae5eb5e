#include "facerec/metrics/landmarks.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "glog/logging.h"

namespace facerec::metrics {

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
    const double interocular =
        std::hypot(truth[f][0].x - truth[f][1].x, truth[f][0].y - truth[f][1].y);
    nme.push_back(sum / truth[f].size() / std::max(interocular, 1e-9));
  }
  return nme;
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
