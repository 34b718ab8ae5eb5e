#include "facerec/core/environment.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace facerec {
namespace {

TEST(EnvironmentTest, RecordsBazelRunAsTheCommandAUserTypes) {
  setenv("BUILD_WORKSPACE_DIRECTORY", "/checkout/facerec", 1);
  char program[] = "/cache/bazel/x/execroot/facerec/bazel-out/k8-opt/bin/experiments/compare_losses";
  char flag[] = "--preset=full";
  char* argv[] = {program, flag, nullptr};
  SetProcessCommandLine(2, argv);
  EXPECT_EQ(ProcessCommandLine(), "tools/bazel run //experiments:compare_losses -- --preset=full");
  SetProcessCommandLine(1, argv);
  EXPECT_EQ(ProcessCommandLine(), "tools/bazel run //experiments:compare_losses");
  unsetenv("BUILD_WORKSPACE_DIRECTORY");
  char plain[] = "./compare_losses";
  char* direct[] = {plain, flag, nullptr};
  SetProcessCommandLine(2, direct);
  EXPECT_EQ(ProcessCommandLine(), "./compare_losses --preset=full");
}

}  // namespace
}  // namespace facerec
