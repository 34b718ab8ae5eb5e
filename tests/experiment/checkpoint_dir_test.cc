// Experiment::CheckpointDir: the one place that keys where a training keeps
// its checkpoint and weights.
#include <gflags/gflags.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_layers.h"
#include "facerec/tracking/experiment_store.h"

DECLARE_string(artifacts_dir);

namespace facerec::experiment {
namespace {

class CheckpointDirTest : public ::testing::Test {
 protected:
  void SetUp() override { FLAGS_artifacts_dir = ::testing::TempDir() + "/artifacts"; }
  Experiment experiment_{"compare_losses", FlagLayers::FromCommandLine()};
};

TEST_F(CheckpointDirTest, LiesUnderTheArtifactsDirectoryInTheKindsFolder) {
  const std::filesystem::path dir = experiment_.CheckpointDir("detector", {{"lr", "0.1"}}, "abc");
  EXPECT_EQ(dir.parent_path(), std::filesystem::path(FLAGS_artifacts_dir) / "detector");
  EXPECT_EQ(dir.filename().string().size(), 16u);
  EXPECT_EQ(dir.filename().string().find_first_not_of("0123456789abcdef"), std::string::npos) << dir;
}

TEST_F(CheckpointDirTest, AnotherThreadCountFindsTheSameCheckpoint) {
  EXPECT_EQ(experiment_.CheckpointDir("k", {{"lr", "0.1"}, {"threads", "1"}}, "abc"),
            experiment_.CheckpointDir("k", {{"lr", "0.1"}, {"threads", "2"}}, "abc"));
}

TEST_F(CheckpointDirTest, AnotherConfigurationOrOtherDataGetsADirectoryOfItsOwn) {
  const std::filesystem::path base = experiment_.CheckpointDir("k", {{"lr", "0.1"}}, "abc");
  EXPECT_NE(base, experiment_.CheckpointDir("k", {{"lr", "0.2"}}, "abc"));
  EXPECT_NE(base, experiment_.CheckpointDir("k", {{"lr", "0.1"}}, "abd"));
  EXPECT_NE(base, experiment_.CheckpointDir("k", {{"lr", "0.1"}}, ""));
  EXPECT_NE(base, experiment_.CheckpointDir("other", {{"lr", "0.1"}}, "abc"));
}

TEST_F(CheckpointDirTest, KeepsTheDirectoriesCompareLossesResumedFromBefore) {
  // compare_losses hashed its params without execution params, plus the
  // data's fingerprint, by hand: a stopped comparison still finds its checkpoint.
  const std::map<std::string, std::string> by_hand = {{"dataset_fingerprint", "abc"}, {"lr", "0.1"}};
  EXPECT_EQ(experiment_.CheckpointDir("compare_losses", {{"lr", "0.1"}, {"threads", "2"}}, "abc"),
            std::filesystem::path(FLAGS_artifacts_dir) / "compare_losses" / tracking::ConfigHash(by_hand).substr(0, 16));
}

}  // namespace
}  // namespace facerec::experiment
