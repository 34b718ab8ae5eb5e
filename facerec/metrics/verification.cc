#include "facerec/metrics/verification.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace facerec::metrics {

std::pair<double, double> BestThreshold(const std::vector<double>& scores,
                                        const std::vector<bool>& same,
                                        const std::vector<bool>& selected) {
  std::vector<std::pair<double, bool>> pairs;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (selected[i]) pairs.emplace_back(scores[i], same[i]);
  }
  CHECK(!pairs.empty());
  std::sort(pairs.begin(), pairs.end());
  const int64_t n = static_cast<int64_t>(pairs.size());
  int64_t positives = 0;
  for (const auto& p : pairs) positives += p.second ? 1 : 0;
  // Threshold below everything: all predicted same.
  int64_t correct = positives;
  int64_t best_correct = correct;
  double best_threshold = pairs.front().first - 1e-6;
  for (int64_t i = 0; i < n; ++i) {
    // Moving the threshold past pair i predicts it "different".
    correct += pairs[i].second ? -1 : 1;
    if (i + 1 < n && pairs[i + 1].first == pairs[i].first) continue;  // Ties move together.
    if (correct > best_correct) {
      best_correct = correct;
      best_threshold = i + 1 < n ? 0.5 * (pairs[i].first + pairs[i + 1].first)
                                 : pairs[i].first + 1e-6;
    }
  }
  return {best_threshold, static_cast<double>(best_correct) / n};
}

VerificationResult VerificationAccuracy(const std::vector<double>& scores,
                                        const std::vector<bool>& same,
                                        const std::vector<int>& fold) {
  CHECK_EQ(scores.size(), same.size());
  CHECK_EQ(scores.size(), fold.size());
  const std::set<int> given(fold.begin(), fold.end());
  std::vector<int> folds = fold;
  VerificationResult result;
  if (given.size() >= 2) {
    result.protocol = absl::StrCat(given.size(), "-fold (given folds)");
  } else {
    for (size_t i = 0; i < folds.size(); ++i) folds[i] = static_cast<int>(i % 10);
    result.protocol = "10-fold CV within 1 given fold (pair i in sub-fold i mod 10)";
  }
  const std::set<int> used(folds.begin(), folds.end());
  std::vector<double> accuracies;
  double threshold_sum = 0;
  for (int test_fold : used) {
    std::vector<bool> train(scores.size()), test(scores.size());
    for (size_t i = 0; i < scores.size(); ++i) {
      train[i] = folds[i] != test_fold;
      test[i] = folds[i] == test_fold;
    }
    const double threshold = BestThreshold(scores, same, train).first;
    int64_t correct = 0, total = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
      if (!test[i]) continue;
      ++total;
      correct += ((scores[i] > threshold) == same[i]) ? 1 : 0;
    }
    accuracies.push_back(static_cast<double>(correct) / total);
    threshold_sum += threshold;
  }
  result.folds_used = static_cast<int>(accuracies.size());
  result.mean_accuracy =
      std::accumulate(accuracies.begin(), accuracies.end(), 0.0) / accuracies.size();
  double var = 0;
  for (double a : accuracies) var += (a - result.mean_accuracy) * (a - result.mean_accuracy);
  result.std_accuracy = std::sqrt(var / accuracies.size());
  result.mean_threshold = threshold_sum / accuracies.size();
  return result;
}

}  // namespace facerec::metrics
