// Median and SampleStddev against values worked by hand.
#include "facerec/core/statistics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace facerec {
namespace {

TEST(StatisticsTest, MedianOfAnOddCountIsTheMiddleValue) { EXPECT_DOUBLE_EQ(Median({5, 1, 3}), 3); }

TEST(StatisticsTest, MedianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2, 10}), 2.5);
  EXPECT_DOUBLE_EQ(Median({7, 7}), 7);
}

TEST(StatisticsTest, NothingMeasuredIsZero) {
  EXPECT_DOUBLE_EQ(Median({}), 0);
  EXPECT_DOUBLE_EQ(SampleStddev({}), 0);
  EXPECT_DOUBLE_EQ(SampleStddev({4}), 0);
}

TEST(StatisticsTest, SampleStddevDividesByNMinusOne) {
  // Mean 2.5; squares 2.25 + 0.25 + 0.25 + 2.25 = 5; 5 / 3.
  EXPECT_DOUBLE_EQ(SampleStddev({1, 2, 3, 4}), std::sqrt(5.0 / 3.0));
}

TEST(NormalQuantileTest, GivesTheTabulatedQuantiles) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.05), -1.6448536269514722, 1e-12);
}

TEST(WilsonIntervalTest, AtZeroSuccessesTheUpperBoundIsZSquaredOverNPlusZSquared) {
  const double z2 = std::pow(1.959963984540054, 2);
  const auto [low, high] = WilsonInterval(0, 50, 0.95);
  EXPECT_DOUBLE_EQ(low, 0.0);
  EXPECT_NEAR(high, z2 / (50 + z2), 1e-12);
}

TEST(WilsonIntervalTest, IsSymmetricUnderSwappingSuccessesAndFailuresAndHoldsTheProportion) {
  for (int k : {1, 3, 17, 99}) {
    const auto [low, high] = WilsonInterval(k, 200, 0.95);
    const auto [flow, fhigh] = WilsonInterval(200 - k, 200, 0.95);
    EXPECT_NEAR(low, 1 - fhigh, 1e-12) << k;
    EXPECT_NEAR(high, 1 - flow, 1e-12) << k;
    EXPECT_LT(low, k / 200.0);
    EXPECT_GT(high, k / 200.0);
  }
  const auto [narrow_low, narrow_high] = WilsonInterval(30, 2000, 0.95);
  const auto [wide_low, wide_high] = WilsonInterval(3, 200, 0.95);
  EXPECT_LT(narrow_high - narrow_low, wide_high - wide_low);  // More trials, a tighter interval.
  EXPECT_EQ(WilsonInterval(0, 0, 0.95), std::make_pair(0.0, 1.0));
}

}  // namespace
TEST(StatisticsTest, KolmogorovSmirnovDistanceIsTheLargestGapBetweenTheStepFunctions) {
  EXPECT_DOUBLE_EQ(KolmogorovSmirnovDistance({1, 2, 3}, {1, 2, 3}), 0);
  EXPECT_DOUBLE_EQ(KolmogorovSmirnovDistance({1, 2}, {3, 4}), 1);
  // After 1: 1/2 of a, 0 of b; after 2: 1 of a, 1/3 of b: the gap is 2/3.
  EXPECT_NEAR(KolmogorovSmirnovDistance({1, 2}, {2, 3, 4}), 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(KolmogorovSmirnovDistance({}, {1}), 0);
  // Against a brute-force scan of every value.
  std::vector<double> a = {0.3, 0.1, 0.7, 0.7, 0.2}, b = {0.25, 0.7, 0.9, 0.05};
  double largest = 0;
  for (double x : {0.05, 0.1, 0.2, 0.25, 0.3, 0.7, 0.9}) {
    double fa = 0, fb = 0;
    for (double v : a) fa += v <= x;
    for (double v : b) fb += v <= x;
    largest = std::max(largest, std::abs(fa / a.size() - fb / b.size()));
  }
  EXPECT_DOUBLE_EQ(KolmogorovSmirnovDistance(a, b), largest);
}

}  // namespace facerec
