// Finding the recognisers compare_losses trained, and the checkpoint a
// fine-tuning run starts from.
#include "facerec/pipeline/trained_models.h"

#include <gtest/gtest.h>

#include "facerec/tracking/experiment_store.h"
#include "glog/logging.h"
#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

struct StoreWithRun {
  std::unique_ptr<tracking::ExperimentStore> store;
  tracking::RunRecord run;
  std::filesystem::path checkpoint;
};

// One FINISHED compare_losses run with an embedding net and a checkpoint.
StoreWithRun MakeStore(const std::string& name) {
  const auto dir = testing::FreshTempDir(name);
  auto store = tracking::ExperimentStore::Open((dir / "store.db").string());
  CHECK(store.ok()) << store.status();
  tracking::RunOptions options;
  options.experiment = "compare_losses";
  options.name = "arcface";
  auto id = (*store)->StartRun(options);
  CHECK(id.ok()) << id.status();
  testing::WriteFile(dir / "embedding_net.pt", "net");
  testing::WriteFile(dir / "checkpoint.pt", "weights, head and optimiser");
  CHECK((*store)->LogArtifact(*id, "embedding_net", (dir / "embedding_net.pt").string()).ok());
  CHECK((*store)->LogArtifact(*id, "checkpoint", (dir / "checkpoint.pt").string()).ok());
  CHECK((*store)->FinishRun(*id, tracking::RunStatus::kFinished).ok());
  auto run = (*store)->GetRun(*id);
  CHECK(run.ok()) << run.status();
  return {std::move(*store), *run, dir / "checkpoint.pt"};
}

TEST(TrainingCheckpointOfRunTest, FindsTheRunsCheckpointByAUidPrefix) {
  StoreWithRun s = MakeStore("checkpoint_found");
  const absl::StatusOr<TrainingCheckpoint> found = TrainingCheckpointOfRun(*s.store, s.run.uid.substr(0, 8));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(std::filesystem::path(found->path), s.checkpoint);
  EXPECT_EQ(found->recogniser.run_uid, s.run.uid);
  EXPECT_EQ(found->recogniser.run_name, "arcface");
}

TEST(TrainingCheckpointOfRunTest, ARewrittenCheckpointIsRefusedNotSilentlyUsed) {
  StoreWithRun s = MakeStore("checkpoint_rewritten");
  testing::WriteFile(s.checkpoint, "another run of the same configuration");
  const absl::StatusOr<TrainingCheckpoint> found = TrainingCheckpointOfRun(*s.store, s.run.uid);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kFailedPrecondition) << found.status();
  EXPECT_NE(found.status().message().find("sha256 differs"), std::string::npos) << found.status();
}

TEST(TrainingCheckpointOfRunTest, AnUnknownRunOrAnotherExperimentsRunIsNotFound) {
  StoreWithRun s = MakeStore("checkpoint_missing");
  EXPECT_EQ(TrainingCheckpointOfRun(*s.store, "0123456789abcdef").status().code(), absl::StatusCode::kNotFound);
  tracking::RunOptions options;
  options.experiment = "landmarks";
  auto id = s.store->StartRun(options);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(s.store->FinishRun(*id, tracking::RunStatus::kFinished).ok());
  auto other = s.store->GetRun(*id);
  ASSERT_TRUE(other.ok());
  const absl::StatusOr<TrainingCheckpoint> found = TrainingCheckpointOfRun(*s.store, other->uid);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << found.status();
  EXPECT_NE(found.status().message().find("no finished compare_losses run"), std::string::npos);
}

}  // namespace
}  // namespace facerec::pipeline
