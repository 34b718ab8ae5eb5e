#include "facerec/metrics/verification.h"

#include <gtest/gtest.h>

#include <random>

namespace facerec::metrics {
namespace {

TEST(VerificationTest, BestThresholdMatchesExhaustiveSearch) {
  std::mt19937 rng(4);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> scores;
  std::vector<bool> same;
  for (int i = 0; i < 200; ++i) {
    same.push_back(i % 2 == 0);
    scores.push_back(noise(rng) + (same.back() ? 1.0 : 0.0));
  }
  const std::vector<bool> all(scores.size(), true);
  const auto [threshold, accuracy] = BestThreshold(scores, same, all);
  double best = 0;
  for (double t : scores) {
    for (double eps : {-1e-9, 1e-9}) {
      int correct = 0;
      for (size_t i = 0; i < scores.size(); ++i) correct += ((scores[i] > t + eps) == same[i]);
      best = std::max(best, correct / 200.0);
    }
  }
  EXPECT_DOUBLE_EQ(accuracy, best);
  int correct = 0;
  for (size_t i = 0; i < scores.size(); ++i) correct += ((scores[i] > threshold) == same[i]);
  EXPECT_DOUBLE_EQ(correct / 200.0, accuracy);
}

TEST(VerificationTest, SeparableScoresGiveFullAccuracyWithOneFold) {
  std::vector<double> scores;
  std::vector<bool> same;
  for (int i = 0; i < 100; ++i) {
    same.push_back(i < 50);
    scores.push_back(same.back() ? 0.8 + i * 1e-3 : 0.1 + i * 1e-3);
  }
  const VerificationResult r = VerificationAccuracy(scores, same, std::vector<int>(100, 0));
  EXPECT_DOUBLE_EQ(r.mean_accuracy, 1.0);
  EXPECT_EQ(r.folds_used, 10);
  EXPECT_NE(r.protocol.find("within 1 given fold"), std::string::npos);
  std::vector<int> ten(100);
  for (int i = 0; i < 100; ++i) ten[i] = i / 10;
  EXPECT_NE(VerificationAccuracy(scores, same, ten).protocol.find("given folds"),
            std::string::npos);
}

}  // namespace
}  // namespace facerec::metrics
