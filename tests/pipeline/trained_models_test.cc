// Finding the recognisers compare_losses trained, and the checkpoint a
// fine-tuning run starts from.
#include "facerec/pipeline/trained_models.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/experiment_names.h"
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
  options.experiment = tracking::kTrainLandmarks;
  auto id = s.store->StartRun(options);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(s.store->FinishRun(*id, tracking::RunStatus::kFinished).ok());
  auto other = s.store->GetRun(*id);
  ASSERT_TRUE(other.ok());
  const absl::StatusOr<TrainingCheckpoint> found = TrainingCheckpointOfRun(*s.store, other->uid);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << found.status();
  EXPECT_NE(found.status().message().find("no finished compare_losses run"), std::string::npos);
}

// A finished landmarks run of `params` and `seed`, its net written in `dir`.
std::string AddLandmarkRun(tracking::ExperimentStore& store, const std::filesystem::path& dir,
                           std::map<std::string, std::string> params, int64_t seed, const std::string& content) {
  tracking::RunOptions options;
  options.experiment = tracking::kTrainLandmarks;
  options.name = "landmark_net";
  options.params = std::move(params);
  options.seed = seed;
  options.dataset_fingerprint = "data1";
  auto id = store.StartRun(options);
  CHECK(id.ok()) << id.status();
  const auto path = dir / absl::StrCat("net_", *id, ".pt");
  testing::WriteFile(path, content);
  CHECK(store.LogArtifact(*id, "landmark_net", path.string()).ok());
  CHECK(store.FinishRun(*id, tracking::RunStatus::kFinished).ok());
  return store.GetRun(*id)->uid;
}

TEST(FinishedRunOfConfigTest, FindsTheSeedTrainedAtAnotherThreadCountButNotAnotherConfig) {
  const auto dir = testing::FreshTempDir("finished_run_of_config");
  auto store = tracking::ExperimentStore::Open((dir / "store.db").string());
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string seed2 =
      AddLandmarkRun(**store, dir, {{"epochs", "100"}, {"seed", "2"}, {"threads", "1"}}, 2, "seed 2");
  AddLandmarkRun(**store, dir, {{"epochs", "50"}, {"seed", "3"}, {"threads", "1"}}, 3, "other config");
  const absl::StatusOr<TrainedRun> found = FinishedRunOfConfig(
      **store, tracking::kTrainLandmarks, {{"epochs", "100"}, {"seed", "2"}, {"threads", "2"}}, 2, "data1", "landmark_net");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->run_uid, seed2);
  EXPECT_EQ(found->sha256.size(), 64u);
  // A newer run of the same seed at another thread count: each thread count
  // finds its own run first.
  const std::string seed2_threads2 =
      AddLandmarkRun(**store, dir, {{"epochs", "100"}, {"seed", "2"}, {"threads", "2"}}, 2, "seed 2, 2 threads");
  EXPECT_EQ(FinishedRunOfConfig(**store, tracking::kTrainLandmarks, {{"epochs", "100"}, {"seed", "2"}, {"threads", "1"}}, 2, "data1",
                                "landmark_net")
                ->run_uid,
            seed2);
  EXPECT_EQ(FinishedRunOfConfig(**store, tracking::kTrainLandmarks, {{"epochs", "100"}, {"seed", "2"}, {"threads", "2"}}, 2, "data1",
                                "landmark_net")
                ->run_uid,
            seed2_threads2);
  // Another config, another seed, other data: not the same training.
  EXPECT_EQ(FinishedRunOfConfig(**store, tracking::kTrainLandmarks, {{"epochs", "100"}, {"seed", "3"}}, 3, "data1", "landmark_net")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FinishedRunOfConfig(**store, tracking::kTrainLandmarks, {{"epochs", "100"}, {"seed", "2"}}, 2, "data2", "landmark_net")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // A net rewritten since (another run of the configuration) is not this run's.
  testing::WriteFile(found->model_path, "rewritten");
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".pt") testing::WriteFile(entry.path(), "rewritten");
  }
  EXPECT_EQ(FinishedRunOfConfig(**store, tracking::kTrainLandmarks, {{"epochs", "100"}, {"seed", "2"}}, 2, "data1", "landmark_net")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(FindOrTrainSeedsTest, TrainsOnlyTheSeedsTheStoreDoesNotHave) {
  const auto dir = testing::FreshTempDir("find_or_train_seeds");
  auto store = tracking::ExperimentStore::Open((dir / "store.db").string());
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string seed1 =
      AddLandmarkRun(**store, dir, {{"epochs", "100"}, {"seed", "1"}, {"threads", "1"}}, 1, "seed 1");
  std::vector<int64_t> trained_now;
  auto params = [](int64_t seed) {
    return std::map<std::string, std::string>{{"epochs", "100"}, {"seed", absl::StrCat(seed)}, {"threads", "1"}};
  };
  auto train = [&](int64_t seed) -> absl::StatusOr<TrainedRun> {
    trained_now.push_back(seed);
    return TrainedRun{absl::StrCat("new", seed), "", ""};
  };
  absl::StatusOr<std::vector<TrainedRun>> runs =
      FindOrTrainSeeds(**store, tracking::kTrainLandmarks, {1, 2, 3}, params, "data1", "landmark_net", train);
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ(trained_now, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].run_uid, seed1);
  EXPECT_EQ((*runs)[2].run_uid, "new3");
  // A training that fails ends it with its error.
  auto failing = [](int64_t) -> absl::StatusOr<TrainedRun> { return absl::InternalError("nan loss"); };
  EXPECT_EQ(FindOrTrainSeeds(**store, tracking::kTrainLandmarks, {1, 4}, params, "data1", "landmark_net", failing).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace facerec::pipeline
