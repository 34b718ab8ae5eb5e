#include "facerec/metrics/landmarks.h"

#include <gtest/gtest.h>

#include <cmath>

namespace facerec::metrics {
namespace {

using data::Point2;

TEST(NormalisedMeanErrorTest, MeanPointErrorOverEyeDistance) {
  const std::vector<Point2> truth = {{0, 0}, {10, 0}, {5, 5}, {2, 9}, {8, 9}};
  std::vector<Point2> predicted = truth;
  predicted[2].x += 3;  // 3 px
  predicted[4].y -= 4;  // 4 px
  predicted[0] = {3, 4};  // 5 px (eye distance is measured on the truth)
  const std::vector<double> nme = NormalisedMeanErrors({predicted}, {truth});
  ASSERT_EQ(nme.size(), 1u);
  EXPECT_NEAR(nme[0], (3.0 + 4.0 + 5.0) / 5 / 10, 1e-12);
}

TEST(LandmarkSummaryTest, FailureRateAndCedCountFaces) {
  const LandmarkSummary s = SummariseLandmarkErrors({0.02, 0.05, 0.08, 0.12, 0.30});
  EXPECT_NEAR(s.mean_nme, 0.114, 1e-12);
  EXPECT_NEAR(s.median_nme, 0.08, 1e-12);
  EXPECT_NEAR(s.failure_rate, 0.4, 1e-12);  // 0.12 and 0.30 exceed 0.10
  ASSERT_EQ(s.ced.size(), 61u);             // 0, 0.005, ..., 0.30
  EXPECT_DOUBLE_EQ(s.ced.front().fraction, 0.0);
  EXPECT_NEAR(s.ced[10].nme, 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(s.ced[10].fraction, 0.4);  // 0.02 and 0.05 at or below 0.05
  EXPECT_DOUBLE_EQ(s.ced.back().fraction, 1.0);
  for (size_t i = 1; i < s.ced.size(); ++i) EXPECT_GE(s.ced[i].fraction, s.ced[i - 1].fraction);
}

}  // namespace
}  // namespace facerec::metrics
