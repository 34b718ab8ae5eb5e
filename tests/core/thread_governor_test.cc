// The governor's rule (one thread fewer per core others use, never below
// one), and that it gives the threads back.
#include "facerec/core/thread_governor.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace facerec {
namespace {

TEST(ThreadGovernorTest, LeavesTheCoresOthersUse) {
  EXPECT_EQ(ThreadGovernor::ThreadsFor(2, 0.0), 2);
  EXPECT_EQ(ThreadGovernor::ThreadsFor(2, 0.3), 2);   // A nice-19 job barely runs.
  EXPECT_EQ(ThreadGovernor::ThreadsFor(2, 0.95), 1);  // A busy process.
  EXPECT_EQ(ThreadGovernor::ThreadsFor(2, 3.0), 1);   // Never below one.
  EXPECT_EQ(ThreadGovernor::ThreadsFor(8, 2.4), 6);
  EXPECT_EQ(ThreadGovernor::ThreadsFor(2, -0.2), 2);  // Tick noise.
}

TEST(ThreadGovernorTest, DisabledChangesNothingAndDestructionRestoresTheCount) {
  torch::set_num_threads(2);
  {
    ThreadGovernor::Options options;
    options.enabled = false;
    ThreadGovernor governor(2, options);
    EXPECT_EQ(governor.Tick(), 2);
  }
  EXPECT_EQ(torch::get_num_threads(), 2);
}

}  // namespace
}  // namespace facerec
