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

TEST(ProgressTest, RateAndEtaCountOnlyTheUnitsDoneSinceTheMeterStarted) {
  // A job resumed at 800 of 1000 that has done 100 more in 10 s: 10/s, 10 s left.
  EXPECT_EQ(FormatProgress("train", 800, 900, 1000, "step", 10, "loss 2.3"),
            "train 900/1000 (90%) 10.0 step/s ETA 0:10 loss 2.3");
  // Counted from zero, the same 100 in 10 s.
  EXPECT_EQ(FormatProgress("embed", 0, 100, 1000, "img", 10, ""), "embed 100/1000 (10%) 10.0 img/s ETA 1:30");
  // Nothing done yet: no rate, so no ETA.
  EXPECT_EQ(FormatProgress("train", 800, 800, 1000, "step", 5, ""), "train 800/1000 (80%) 0.0 step/s ETA ?");
}

}  // namespace
}  // namespace facerec
