#include "facerec/tracking/experiment_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "facerec/tracking/experiment_names.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/schema.h"

namespace facerec::tracking {
namespace {

std::string FreshPath(const std::string& name) {
  const std::string path = testing::TempDir() + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

RunOptions SampleOptions() {
  RunOptions options;
  options.experiment = "compare_losses";
  options.name = "arcface";
  options.params = {{"loss", "arcface"}, {"lr", "0.1"}, {"margin", "0.5"}};
  options.seed = 7;
  options.dataset_fingerprint = "abc123";
  options.code_version = "v1-dirty";
  options.command_line = "compare_losses --preset=quick";
  return options;
}

TEST(ExperimentStoreTest, RoundTripsEveryTable) {
  auto store = ExperimentStore::Open(FreshPath("roundtrip.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  auto run_id = (*store)->StartRun(SampleOptions());
  ASSERT_TRUE(run_id.ok()) << run_id.status();

  ASSERT_TRUE((*store)->LogParams(*run_id, {{"epochs", "3"}}).ok());
  ASSERT_TRUE((*store)
                  ->LogMetrics(*run_id, {{"train/loss", 1, 2.5, 1000},
                                         {"train/loss", 2, std::nan(""), 2000},
                                         {"train/lr", 1, 0.1, 1000}})
                  .ok());
  Evaluation evaluation{"celeba_ir", "id_rate", 0.1, 0.73, 0.41, 14721, 3176532};
  ASSERT_TRUE((*store)->LogEvaluation(*run_id, evaluation).ok());
  const std::string artifact = testing::TempDir() + "/model.pt";
  std::ofstream(artifact) << "abc";
  ASSERT_TRUE((*store)->LogArtifact(*run_id, "checkpoint", artifact).ok());
  ASSERT_TRUE((*store)->SetTag(*run_id, "note", "first").ok());
  ASSERT_TRUE((*store)->SetTag(*run_id, "note", "second").ok());  // Overwrites.
  ASSERT_TRUE((*store)->FinishRun(*run_id, RunStatus::kFinished).ok());

  auto run = (*store)->GetRun(*run_id);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->experiment, "compare_losses");
  EXPECT_EQ(run->name, "arcface");
  EXPECT_EQ(run->status, RunStatus::kFinished);
  ASSERT_TRUE(run->end_ms.has_value());
  EXPECT_GE(*run->end_ms, run->start_ms);
  EXPECT_EQ(run->code_version, "v1-dirty");
  EXPECT_EQ(run->config_hash, ConfigHash(SampleOptions().params));
  EXPECT_EQ(run->dataset_fingerprint, "abc123");
  EXPECT_EQ(run->seed, 7);
  EXPECT_EQ(run->command_line, "compare_losses --preset=quick");
  EXPECT_EQ(run->pid, getpid());
  EXPECT_FALSE(run->host.empty());

  auto params = (*store)->GetParams(*run_id);
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(params->size(), 4u);
  EXPECT_EQ(params->at("epochs"), "3");
  EXPECT_EQ(params->at("lr"), "0.1");

  auto metrics = (*store)->GetMetrics(*run_id, "train/loss");
  ASSERT_TRUE(metrics.ok());
  ASSERT_EQ(metrics->size(), 2u);
  EXPECT_DOUBLE_EQ((*metrics)[0].value, 2.5);
  EXPECT_EQ((*metrics)[0].timestamp_ms, 1000);
  EXPECT_TRUE(std::isnan((*metrics)[1].value));
  EXPECT_EQ((*store)->GetMetrics(*run_id)->size(), 3u);
  EXPECT_EQ(*(*store)->database().QueryInt("SELECT COUNT(*) FROM metrics WHERE is_nan = 1"), 1);

  auto evaluations = (*store)->GetEvaluations(*run_id);
  ASSERT_TRUE(evaluations.ok());
  ASSERT_EQ(evaluations->size(), 1u);
  EXPECT_EQ((*evaluations)[0].dataset, "celeba_ir");
  EXPECT_DOUBLE_EQ(*(*evaluations)[0].target_fpr, 0.1);
  EXPECT_DOUBLE_EQ(*(*evaluations)[0].tpr, 0.73);
  EXPECT_EQ(*(*evaluations)[0].false_pairs, 3176532);

  auto artifacts = (*store)->GetArtifacts(*run_id);
  ASSERT_TRUE(artifacts.ok());
  ASSERT_EQ(artifacts->size(), 1u);
  // sha256("abc")
  EXPECT_EQ((*artifacts)[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ((*artifacts)[0].size_bytes, 3);

  auto tags = (*store)->GetTags(*run_id);
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->at("note"), "second");

  auto runs = (*store)->ListRuns("compare_losses");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_TRUE((*store)->ListRuns("other")->empty());
}

TEST(ExperimentStoreTest, ViewsSummariseAndRank) {
  auto store = ExperimentStore::Open(FreshPath("views.db"));
  ASSERT_TRUE(store.ok());
  for (double tpr : {0.5, 0.8}) {
    auto run_id = (*store)->StartRun(SampleOptions());
    ASSERT_TRUE(run_id.ok());
    ASSERT_TRUE((*store)->LogMetrics(*run_id, {{"loss", 1, 3.0}, {"loss", 2, tpr}}).ok());
    ASSERT_TRUE((*store)->LogEvaluation(*run_id, {"celeba_ir", "id_rate", 0.1, tpr}).ok());
    ASSERT_TRUE((*store)->FinishRun(*run_id, RunStatus::kFinished).ok());
  }
  auto& db = (*store)->database();
  EXPECT_EQ(*db.QueryInt("SELECT COUNT(*) FROM run_summary WHERE status = 'FINISHED' AND "
                         "metric_points = 2 AND evaluations = 1 AND params = 3"),
            2);
  EXPECT_EQ(*db.QueryInt("SELECT run_id FROM leaderboard WHERE rank = 1"), 2);
  EXPECT_EQ(*db.QueryInt("SELECT COUNT(*) FROM metric_last WHERE step = 2"), 2);
}

TEST(ExperimentStoreTest, RejectsMisuse) {
  auto store = ExperimentStore::Open(FreshPath("misuse.db"));
  ASSERT_TRUE(store.ok());
  RunOptions no_experiment;
  EXPECT_EQ((*store)->StartRun(no_experiment).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto run_id = (*store)->StartRun(SampleOptions());
  ASSERT_TRUE(run_id.ok());
  const absl::Status duplicate = (*store)->LogParams(*run_id, {{"lr", "0.2"}});
  EXPECT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.message().find("'lr'"), std::string::npos) << duplicate;
  EXPECT_EQ((*store)->LogArtifact(*run_id, "x", "/no/such/file").code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE((*store)->FinishRun(*run_id, RunStatus::kFailed, "boom").ok());
  EXPECT_EQ((*store)->FinishRun(*run_id, RunStatus::kFinished).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*store)->GetRun(*run_id)->error, "boom");
  EXPECT_EQ((*store)->GetRun(999).status().code(), absl::StatusCode::kNotFound);
}

TEST(ExperimentStoreTest, ConfigHashIgnoresInsertionOrderButNotValues) {
  std::map<std::string, std::string> a{{"x", "1"}, {"y", "2"}};
  std::map<std::string, std::string> b;
  b["y"] = "2";
  b["x"] = "1";
  EXPECT_EQ(ConfigHash(a), ConfigHash(b));
  b["x"] = "3";
  EXPECT_NE(ConfigHash(a), ConfigHash(b));
}

TEST(ExperimentStoreTest, ExecutionParamsAreLeftOutOfWhatATrainingIsKeyedBy) {
  const std::map<std::string, std::string> one_thread = {{"lr", "0.1"}, {"threads", "1"}};
  const std::map<std::string, std::string> two_threads = {{"lr", "0.1"}, {"threads", "2"}};
  EXPECT_NE(ConfigHash(one_thread), ConfigHash(two_threads));
  EXPECT_EQ(ConfigHash(WithoutExecutionParams(one_thread)), ConfigHash(WithoutExecutionParams(two_threads)));
  EXPECT_EQ(WithoutExecutionParams(one_thread), (std::map<std::string, std::string>{{"lr", "0.1"}}));
}

TEST(ExperimentStoreTest, MigratesFromAnOlderSchemaKeepingRows) {
  const std::string path = FreshPath("migrate.db");
  {
    auto db = sqlite::Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(ApplyMigrations(*db, /*target_version=*/1).ok());
    EXPECT_EQ(*db->QueryInt("PRAGMA user_version"), 1);
    ASSERT_TRUE(db->Execute("INSERT INTO experiments(id, name, created_ms) VALUES (1, 'old', 0);"
                            "INSERT INTO runs(id, experiment_id, status, start_ms, end_ms, "
                            "heartbeat_ms, code_version) VALUES (1, 1, 'FINISHED', 0, 5000, "
                            "5000, 'v0');")
                    .ok());
    EXPECT_FALSE(db->QueryInt("SELECT COUNT(*) FROM run_summary").ok());  // No views yet.
  }
  auto store = ExperimentStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto& db = (*store)->database();
  EXPECT_EQ(*db.QueryInt("PRAGMA user_version"), CurrentSchemaVersion());
  EXPECT_EQ(*db.QueryInt("SELECT CAST(duration_s AS INTEGER) FROM run_summary WHERE run_id = 1"),
            5);
  EXPECT_EQ((*store)->GetRun(1)->code_version, "v0");
}

TEST(ExperimentStoreTest, MigrationMovesEachLegacyRunToTheBinaryThatRecordedIt) {
  const std::string path = FreshPath("renames.db");
  {
    auto db = sqlite::Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(ApplyMigrations(*db, /*target_version=*/3).ok());
    // Three binaries shared "landmarks"; compare_losses already had its name.
    ASSERT_TRUE(db->Execute("INSERT INTO experiments(id, name, created_ms) VALUES "
                            "(1, 'landmarks', 10), (2, 'detector', 20), (3, 'compare_losses', 30),"
                            "(4, 'attacks', 40);"
                            "INSERT INTO runs(id, experiment_id, name, status, start_ms, end_ms, heartbeat_ms, "
                            "code_version, uid) VALUES "
                            "(1, 1, 'landmark_net', 'FINISHED', 0, 1, 1, 'v0', '11111111111111111111111111111111'),"
                            "(2, 1, 'dlib_68', 'FINISHED', 0, 1, 1, 'v0', '22222222222222222222222222222222'),"
                            "(3, 1, 'label_audit', 'FINISHED', 0, 1, 1, 'v0', '33333333333333333333333333333333'),"
                            "(4, 1, 'landmark_seeds', 'FINISHED', 0, 1, 1, 'v0', '44444444444444444444444444444444'),"
                            "(5, 2, 'detector_net', 'FINISHED', 0, 1, 1, 'v0', '55555555555555555555555555555555'),"
                            "(6, 3, 'arcface', 'FINISHED', 0, 1, 1, 'v0', '66666666666666666666666666666666');")
                    .ok());
  }
  auto store = ExperimentStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto names_of = [&](const std::string& experiment) {
    std::vector<std::string> names;
    const absl::StatusOr<std::vector<RunRecord>> runs = (*store)->ListRuns(experiment);
    for (const RunRecord& run : *runs) names.push_back(run.name);
    std::sort(names.begin(), names.end());
    return names;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names_of(kTrainLandmarks), (Names{"landmark_net", "landmark_seeds"}));
  EXPECT_EQ(names_of(kDlibLandmarks), Names{"dlib_68"});
  EXPECT_EQ(names_of(kAuditLandmarkLabels), Names{"label_audit"});
  EXPECT_EQ(names_of(kTrainDetector), Names{"detector_net"});
  EXPECT_EQ(names_of(kCompareLosses), Names{"arcface"});
  EXPECT_EQ((*store)->GetRunByUid(std::string(32, '5'))->experiment, kTrainDetector);  // uids, which documents cite, stay.
  auto& db = (*store)->database();
  // The old names are gone (the unused "attacks" too); the new ones keep the
  // old creation time.
  EXPECT_EQ(*db.QueryInt("SELECT COUNT(*) FROM experiments WHERE name IN "
                         "('landmarks', 'detector', 'attacks')"),
            0);
  EXPECT_EQ(*db.QueryInt("SELECT created_ms FROM experiments WHERE name = 'dlib_landmarks'"), 10);
  EXPECT_EQ(*db.QueryInt("SELECT COUNT(*) FROM experiments"), 5);
}

TEST(ExperimentStoreTest, ARecordedRunUnderALegacyNameIsInsertedUnderItsBinarysName) {
  auto store = ExperimentStore::Open(FreshPath("import_renamed.db"));
  ASSERT_TRUE(store.ok());
  RunRecord run;
  run.uid = "0123456789abcdef0123456789abcdef";
  run.experiment = "landmarks";
  run.name = "dlib_68";
  run.status = RunStatus::kFinished;
  run.start_ms = 1;
  run.end_ms = 2;
  run.heartbeat_ms = 2;
  run.code_version = "v0";
  auto id = (*store)->InsertRecordedRun(run, {}, {}, {}, {}, {});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ((*store)->GetRun(*id)->experiment, kDlibLandmarks);
  EXPECT_EQ(CurrentExperimentName("landmarks", "landmark_net_eval"), kTrainLandmarks);
  EXPECT_EQ(CurrentExperimentName("pipeline", "ours+landmark_net"), kEvaluatePipeline);
  EXPECT_EQ(CurrentExperimentName("compare_losses", "arcface"), "compare_losses");  // Not renamed.
}

TEST(ExperimentStoreTest, RefusesANewerSchema) {
  const std::string path = FreshPath("newer.db");
  {
    auto db = sqlite::Database::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Execute("PRAGMA user_version = 99").ok());
  }
  auto store = ExperimentStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("99"), std::string::npos) << store.status();
}

TEST(ExperimentStoreTest, MarksRunsOfDeadProcessesKilled) {
  auto store = ExperimentStore::Open(FreshPath("stale.db"));
  ASSERT_TRUE(store.ok());
  auto live = (*store)->StartRun(SampleOptions());
  auto dead = (*store)->StartRun(SampleOptions());
  ASSERT_TRUE(live.ok() && dead.ok());
  // A pid that certainly belonged to a process that is gone now.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  ASSERT_TRUE((*store)
                  ->database()
                  .Execute("UPDATE runs SET pid = " + std::to_string(child) +
                           " WHERE id = " + std::to_string(*dead))
                  .ok());
  auto marked = (*store)->MarkStaleRunsKilled();
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_EQ(*marked, 1);
  EXPECT_EQ((*store)->GetRun(*dead)->status, RunStatus::kKilled);
  EXPECT_EQ((*store)->GetRun(*live)->status, RunStatus::kRunning);
}

TEST(RunTest, BuffersMetricsAndFlushesOnFinish) {
  auto store = ExperimentStore::Open(FreshPath("run.db"));
  ASSERT_TRUE(store.ok());
  Run::Options options;
  options.flush_every = 10;
  options.flush_interval_ms = 1000000;
  auto run = Run::Start(store->get(), SampleOptions(), options);
  ASSERT_TRUE(run.ok()) << run.status();
  for (int i = 0; i < 15; ++i) ASSERT_TRUE((*run)->LogMetric("loss", i, i).ok());
  EXPECT_EQ((*store)->GetMetrics((*run)->id())->size(), 10u);  // One flush so far.
  ASSERT_TRUE((*run)->Finish().ok());
  EXPECT_EQ((*store)->GetMetrics((*run)->id())->size(), 15u);
  EXPECT_EQ((*store)->GetRun((*run)->id())->status, RunStatus::kFinished);
  EXPECT_FALSE((*run)->Finish().ok());
}

TEST(RunTest, FinishWithRecordsTheOutcomeAndPassesAnErrorOn) {
  auto store = ExperimentStore::Open(FreshPath("outcome.db"));
  ASSERT_TRUE(store.ok());
  auto failed = Run::Start(store->get(), SampleOptions());
  ASSERT_TRUE(failed.ok());
  ASSERT_TRUE((*failed)->LogMetric("loss", 0, 2.0).ok());
  const absl::Status error = absl::DataLossError("x.jpg: corrupt");
  EXPECT_EQ((*failed)->FinishWith(error), error);
  auto record = (*store)->GetRun((*failed)->id());
  EXPECT_EQ(record->status, RunStatus::kFailed);
  EXPECT_EQ(record->error, "x.jpg: corrupt");
  EXPECT_EQ((*store)->GetMetrics((*failed)->id())->size(), 1u);  // Nothing measured is lost.

  auto done = Run::Start(store->get(), SampleOptions());
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE((*done)->FinishWith(absl::OkStatus()).ok());
  EXPECT_EQ((*store)->GetRun((*done)->id())->status, RunStatus::kFinished);
}

TEST(RunTest, DestroyedWithoutFinishIsFailedAndKeepsMetrics) {
  auto store = ExperimentStore::Open(FreshPath("abandoned.db"));
  ASSERT_TRUE(store.ok());
  int64_t id = 0;
  {
    auto run = Run::Start(store->get(), SampleOptions());
    ASSERT_TRUE(run.ok());
    id = (*run)->id();
    ASSERT_TRUE((*run)->LogMetric("loss", 0, 1.0).ok());
  }
  auto record = (*store)->GetRun(id);
  EXPECT_EQ(record->status, RunStatus::kFailed);
  EXPECT_FALSE(record->error.empty());
  EXPECT_EQ((*store)->GetMetrics(id)->size(), 1u);
}

}  // namespace
}  // namespace facerec::tracking
