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

TEST(MeanNormalisedOffsetsTest, ConstantShiftSurvivesAndRandomSignsCancel) {
  // Face A: eye distance 10; face B: eye distance 20. Every point of both is
  // shifted by +1 eye-distance-percent in x; B's nose also moves +-4 px in y
  // across two copies, which must cancel.
  const std::vector<Point2> a = {{0, 0}, {10, 0}, {5, 5}, {2, 9}, {8, 9}};
  const std::vector<Point2> b = {{0, 0}, {20, 0}, {10, 10}, {4, 18}, {16, 18}};
  auto shifted = [](std::vector<Point2> points, double dx, double nose_dy) {
    for (Point2& p : points) p.x += dx;
    points[2].y += nose_dy;
    return points;
  };
  const std::vector<Point2> offsets = MeanNormalisedOffsets(
      {shifted(a, 0.1, 0), shifted(b, 0.2, 4), shifted(b, 0.2, -4)}, {a, b, b});
  ASSERT_EQ(offsets.size(), 5u);
  for (const Point2& o : offsets) {
    EXPECT_NEAR(o.x, 0.01, 1e-12);
    EXPECT_NEAR(o.y, 0.0, 1e-12);
  }
  // The NME of the same predictions is not 0: it cannot tell shift from spread.
  EXPECT_GT(NormalisedMeanErrors({shifted(b, 0.2, 4)}, {b})[0], 0.01);
}

TEST(OffsetRemovedNmeTest, ConstantShiftIsRemovedButNoFaceCorrectsItself) {
  const std::vector<Point2> a = {{0, 0}, {10, 0}, {5, 5}, {2, 9}, {8, 9}};
  const std::vector<Point2> b = {{0, 0}, {20, 0}, {10, 10}, {4, 18}, {16, 18}};
  auto shifted = [](std::vector<Point2> points, double dx, double dy) {
    for (Point2& p : points) {
      p.x += dx;
      p.y += dy;
    }
    return points;
  };
  // Every face 5 % of its eye distance right and 3 % down: all of it is offset.
  const std::vector<double> constant = OffsetRemovedNormalisedMeanErrors(
      {shifted(a, 0.5, 0.3), shifted(b, 1.0, 0.6), shifted(a, 0.5, 0.3), shifted(b, 1.0, 0.6)},
      {a, b, a, b});
  ASSERT_EQ(constant.size(), 4u);
  for (double e : constant) EXPECT_NEAR(e, 0.0, 1e-12);
  // Faces 0 and 2 (one half) +5 %, faces 1 and 3 -5 %: each half is corrected
  // by the other's offset, so the errors double instead of vanishing.
  const std::vector<double> opposite = OffsetRemovedNormalisedMeanErrors(
      {shifted(a, 0.5, 0), shifted(a, -0.5, 0), shifted(a, 0.5, 0), shifted(a, -0.5, 0)},
      {a, a, a, a});
  for (double e : opposite) EXPECT_NEAR(e, 0.10, 1e-12);
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
