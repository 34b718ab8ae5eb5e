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

}  // namespace
}  // namespace facerec
