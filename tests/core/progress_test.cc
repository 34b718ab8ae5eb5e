#include "facerec/core/progress.h"

#include <gtest/gtest.h>

namespace facerec {
namespace {

TEST(ProgressTest, FormatsDurations) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(61.4), "1:01");
  EXPECT_EQ(FormatDuration(3725), "1:02:05");
  EXPECT_EQ(FormatDuration(-1), "?");
}

TEST(ProgressTest, LogsOnlyAfterTheInterval) {
  ProgressMeter meter("work", 100, "item", /*interval_seconds=*/3600);
  EXPECT_FALSE(meter.Update(10));
  ProgressMeter eager("work", 100, "item", /*interval_seconds=*/0);
  EXPECT_TRUE(eager.Update(10, "loss 1.0"));
}

}  // namespace
}  // namespace facerec
