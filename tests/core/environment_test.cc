#include "facerec/core/environment.h"

#include <gtest/gtest.h>

#include <filesystem>
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

TEST(EnvironmentTest, RecordsPathsNearTheWorkspaceRelativeToIt) {
  const std::filesystem::path ws = "/checkout/facerec";
  EXPECT_EQ(PortableArgument("--data_root=/checkout/shared/data", ws), "--data_root=../shared/data");
  EXPECT_EQ(PortableArgument("--model=/checkout/facerec/artifacts/x.pt", ws), "--model=artifacts/x.pt");
  EXPECT_EQ(PortableArgument("--data_root=/mnt/faces", ws), "--data_root=/mnt/faces");  // Far away.
  EXPECT_EQ(PortableArgument("--data_root=data", ws), "--data_root=data");
  EXPECT_EQ(PortableArgument("/checkout/shared/x.jpg", ws), "/checkout/shared/x.jpg");  // Not a flag.
  setenv("BUILD_WORKSPACE_DIRECTORY", "/checkout/facerec", 1);
  char program[] = "/cache/bazel/x/execroot/facerec/bazel-out/k8-opt/bin/experiments/train_detector";
  char flag[] = "--data_root=/checkout/shared/data";
  char* argv[] = {program, flag, nullptr};
  SetProcessCommandLine(2, argv);
  EXPECT_EQ(ProcessCommandLine(),
            "tools/bazel run //experiments:train_detector -- --data_root=../shared/data");
  unsetenv("BUILD_WORKSPACE_DIRECTORY");
}

}  // namespace
}  // namespace facerec
