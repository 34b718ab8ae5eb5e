// What can be replayed, and the side-by-side report on a store whose numbers
// are known: identical numbers counted, a difference beside the seeds'
// spread, timings apart, machine facts marked where they differ.
#include "tools/replay.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "facerec/tracking/experiment_store.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace facerec::tools {
namespace {

tracking::RunRecord Finished(const std::string& version, const std::string& command_line) {
  tracking::RunRecord run;
  run.uid = "0123456789abcdef0123456789abcdef";
  run.status = tracking::RunStatus::kFinished;
  run.code_version = version;
  run.command_line = command_line;
  return run;
}

TEST(PlanReplayTest, TakesTheRecordedCommitTargetAndArgumentsAtTheRecordedThreadCount) {
  absl::StatusOr<ReplayPlan> plan = PlanReplay(
      Finished("4ae4b57", "tools/bazel run //experiments:compare_losses -- --losses=arcface --threads=1 --db=x.db"),
      {{"threads", "2"}});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->commit, "4ae4b57");
  EXPECT_EQ(plan->target, "//experiments:compare_losses");
  EXPECT_EQ(plan->args, (std::vector<std::string>{"--losses=arcface", "--threads=2"}));
  plan = PlanReplay(Finished("4ae4b57", "bazel-bin/experiments/train_detector --epochs=1"), {});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->target, "");
  EXPECT_EQ(plan->args, (std::vector<std::string>{"--epochs=1"}));
}

TEST(PlanReplayTest, ARunFromADirtyTreeIsRefusedWithThatReason) {
  const absl::StatusOr<ReplayPlan> plan =
      PlanReplay(Finished("4ae4b57-dirty", "tools/bazel run //experiments:compare_losses"), {});
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("uncommitted changes"), std::string::npos) << plan.status();
  tracking::RunRecord killed = Finished("4ae4b57", "tools/bazel run //experiments:compare_losses");
  killed.status = tracking::RunStatus::kKilled;
  EXPECT_EQ(PlanReplay(killed, {}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(PlanReplay(Finished("4ae4b57", "tools/bazel run //x:y -- --name='a b'"), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RunReplayTest, AnUnknownVersionNeedsTheBinaryGiven) {
  auto store = tracking::ExperimentStore::Open(::testing::TempDir() + "/replay_unknown.db");
  ASSERT_TRUE(store.ok());
  const tracking::RunRecord run = Finished("unknown", "tools/bazel run //experiments:compare_losses");
  const absl::StatusOr<ReplayPlan> plan = PlanReplay(run, {});
  ASSERT_TRUE(plan.ok());
  ReplayOptions options;
  options.workspace = ::testing::TempDir();
  const absl::StatusOr<int64_t> replay = RunReplay(**store, run, *plan, options);
  EXPECT_EQ(replay.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(replay.status().message().find("outside a git checkout"), std::string::npos) << replay.status();
}

TEST(ReplayReportTest, CountsIdenticalNumbersAndShowsADifferenceBesideTheSeedSpread) {
  const std::string path = ::testing::TempDir() + "/replay_report.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = tracking::ExperimentStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  // Seeds 1-3 of one configuration (acc 0.50, 0.54, 0.58), then the replay of seed 1.
  std::vector<int64_t> ids;
  for (int seed = 1; seed <= 4; ++seed) {
    tracking::RunOptions options;
    options.experiment = "compare_losses";
    options.name = "arcface";
    options.seed = seed == 4 ? 1 : seed;
    options.params = {{"lr", "0.1"}, {"seed", absl::StrCat(*options.seed)}, {"threads", "2"}};
    options.dataset_fingerprint = "data1";
    auto id = (*store)->StartRun(options);
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
    const double acc = seed == 4 ? 0.51 : 0.46 + 0.04 * seed;
    ASSERT_TRUE((*store)->LogMetrics(*id, {{"val/acc", 3, acc}, {"loss", 3, 1.25}, {"train/seconds", 0, 60.0 + seed}}).ok());
    ASSERT_TRUE((*store)->SetTag(*id, "numerics/cpu_model", seed == 4 ? "Intel Xeon" : "AMD EPYC").ok());
    ASSERT_TRUE((*store)->SetTag(*id, "numerics/threads", "2").ok());
    ASSERT_TRUE((*store)->FinishRun(*id, tracking::RunStatus::kFinished).ok());
  }
  ASSERT_TRUE((*store)->SetTag(ids[3], "replay_of", "x").ok());
  const absl::StatusOr<std::string> text = ReplayReportText(**store, ids[0], ids[3]);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("Data fingerprint: same"), std::string::npos) << *text;
  EXPECT_NE(text->find("Params: identical"), std::string::npos) << *text;
  EXPECT_NE(text->find("std over 3 seeds (1,2,3)"), std::string::npos) << *text;
  // loss is identical; val/acc differs by 0.01 against a seed std of 0.04;
  // the training time is a timing, not counted.
  EXPECT_NE(text->find("Results: 1 of 2 numbers identical bit for bit; 0 differ by more than 2 seed"),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("0.04"), std::string::npos) << *text;
  EXPECT_NE(text->find("0.25"), std::string::npos) << *text;  // |diff| / std.
  EXPECT_NE(text->find("Timings (never expected to agree)"), std::string::npos) << *text;
  EXPECT_NE(text->find("* cpu_model"), std::string::npos) << *text;
  EXPECT_NE(text->find("  threads"), std::string::npos) << *text;
}

TEST(TagMissingNumericsFactsTest, AReplayOfCodeThatRecordsNoFactsGetsThisMachinesSaidToBeReadByTheTool) {
  const std::string path = ::testing::TempDir() + "/replay_facts.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = tracking::ExperimentStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  tracking::RunOptions options;
  options.experiment = "compare_losses";
  options.name = "arcface";
  const absl::StatusOr<int64_t> old_code = (*store)->StartRun(options);
  const absl::StatusOr<int64_t> new_code = (*store)->StartRun(options);
  ASSERT_TRUE(old_code.ok() && new_code.ok());
  ASSERT_TRUE((*store)->SetTag(*new_code, "numerics/cpu_model", "recorded by the run").ok());

  ASSERT_TRUE(TagMissingNumericsFacts(**store, *old_code).ok());
  ASSERT_TRUE(TagMissingNumericsFacts(**store, *new_code).ok());

  const auto old_tags = (*store)->GetTags(*old_code);
  ASSERT_TRUE(old_tags.ok());
  EXPECT_EQ(old_tags->count("numerics/cpu_model"), 1u);
  EXPECT_EQ(old_tags->count("numerics/onednn_isa"), 1u);
  EXPECT_EQ(old_tags->count("numerics/packages"), 1u);
  // The replayed process's own, not this one's.
  EXPECT_EQ(old_tags->count("numerics/threads"), 0u);
  EXPECT_EQ(old_tags->count("numerics/env"), 0u);
  EXPECT_EQ(old_tags->count("numerics/openblas_core"), 0u);
  ASSERT_EQ(old_tags->count("numerics/read_by"), 1u);
  EXPECT_NE(old_tags->at("numerics/read_by").find("tools:runs reproduce"), std::string::npos);
  // A run that records its own facts keeps them, and only them.
  const auto new_tags = (*store)->GetTags(*new_code);
  ASSERT_TRUE(new_tags.ok());
  EXPECT_EQ(new_tags->at("numerics/cpu_model"), "recorded by the run");
  EXPECT_EQ(new_tags->count("numerics/read_by"), 0u);
}

}  // namespace
}  // namespace facerec::tools
