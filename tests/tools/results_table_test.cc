#include "tools/results_table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "facerec/tracking/run_export.h"
#include "glog/logging.h"

namespace facerec::tools {
namespace {

using tracking::ExperimentStore;
using tracking::RunStatus;

std::unique_ptr<ExperimentStore> StoreWithComparisons() {
  const std::string path = ::testing::TempDir() + "/results_table.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = ExperimentStore::Open(path);
  CHECK(store.ok()) << store.status();
  const std::vector<std::tuple<std::string, std::string, double, RunStatus>> runs = {
      {"quick-1", "ce", 0.61, RunStatus::kFinished},
      {"full-2", "ce", 0.83, RunStatus::kFinished},
      {"full-2", "arcface", 0.79, RunStatus::kFinished},
      {"full-2", "cosface", 0.99, RunStatus::kFailed},  // Failed runs are left out.
  };
  for (const auto& [comparison, loss, tpr, status] : runs) {
    tracking::RunOptions options;
    options.experiment = "compare_losses";
    options.name = loss;
    options.params = {{"loss", loss}, {"epochs", "40"}};
    options.command_line = "compare_losses --preset=full";
    auto id = (*store)->StartRun(options);
    CHECK(id.ok());
    CHECK((*store)->SetTag(*id, "comparison", comparison).ok());
    CHECK((*store)->LogEvaluation(*id, {"celeba_ir", "id_rate", 0.1, tpr}).ok());
    CHECK((*store)->LogEvaluation(*id, {"celeba_ir", "tpir_fpir", 0.1, tpr / 2}).ok());
    CHECK((*store)->LogMetrics(*id, {{"train/seconds", 0, 600}, {"eval/lfw_accuracy", 0, 0.9}}).ok());
    CHECK((*store)->FinishRun(*id, status).ok());
  }
  return std::move(*store);
}

TEST(ResultsTableTest, AnotherStoreImportingTheExportWritesTheSameMarkdown) {
  auto store = StoreWithComparisons();
  auto original = ComparisonMarkdown(*store, "full-2");
  ASSERT_TRUE(original.ok());
  auto runs = store->ListRuns();
  std::vector<int64_t> ids;
  for (auto it = runs->rbegin(); it != runs->rend(); ++it) ids.push_back(it->id);
  auto text = tracking::ExportRuns(*store, ids);
  ASSERT_TRUE(text.ok());
  auto other = ExperimentStore::Open(":memory:");
  ASSERT_TRUE(other.ok()) << other.status();
  tracking::RunOptions unrelated;  // Shifts the local run numbers.
  unrelated.experiment = "data_report";
  ASSERT_TRUE((*other)->StartRun(unrelated).ok());
  auto parsed = tracking::ParseRunExport("runs.tsv", *text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(tracking::ImportRuns(**other, *parsed).ok());
  auto regenerated = ComparisonMarkdown(**other, "full-2");
  ASSERT_TRUE(regenerated.ok()) << regenerated.status();
  EXPECT_EQ(*regenerated, *original);
}

TEST(ResultsTableTest, PicksTheNewestFinishedComparisonOfAPresetThatComparesLosses) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(*LatestComparison(*store, "full"), "full-2");
  EXPECT_EQ(*LatestComparison(*store, ""), "full-2");
  EXPECT_EQ(LatestComparison(*store, "medium").status().code(), absl::StatusCode::kNotFound);
  // quick-1 trained one loss only.
  EXPECT_EQ(LatestComparison(*store, "quick").status().code(), absl::StatusCode::kNotFound);
  // A newer confirmation of one loss over seeds, and its summary run, leave full-2 the comparison.
  for (const char* experiment : {"compare_losses", "compare_losses", "loss_comparison"}) {
    tracking::RunOptions options;
    options.experiment = experiment;
    options.name = "arcface";
    options.params = {{"loss", "arcface"}};
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->SetTag(*id, "comparison", "full-3").ok());
    ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  }
  EXPECT_EQ(*LatestComparison(*store, "full"), "full-2");
  // Nor does a newer process of several losses over seeds (its table is the
  // seeds summary's), even while it has one seed of each.
  for (const char* loss : {"circle", "adaface"}) {
    tracking::RunOptions options;
    options.experiment = "compare_losses";
    options.name = loss;
    options.params = {{"loss", loss}};
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->SetTag(*id, "comparison", "full-4").ok());
    ASSERT_TRUE(store->SetTag(*id, "origin/seeds", "command line").ok());
    ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  }
  EXPECT_EQ(*LatestComparison(*store, "full"), "full-2");
  auto markdown = ComparisonMarkdown(*store, "full-3");  // Asked by tag: its runs, not the summary.
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  int rows = 0;
  for (size_t at = markdown->find("\n| arcface | "); at != std::string::npos; at = markdown->find("\n| arcface | ", at + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, 2) << *markdown;
}

TEST(ResultsTableTest, TableHasOneRowPerFinishedRunAndTheCommand) {
  auto store = StoreWithComparisons();
  auto markdown = ComparisonMarkdown(*store, "full-2");
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  // Runs are cited by their uid's first 8 hex digits: the same in every store.
  const std::string ce = store->GetRun(2)->uid.substr(0, 8);
  const std::string arcface = store->GetRun(3)->uid.substr(0, 8);
  EXPECT_NE(markdown->find("| ce | " + ce + " |"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("| arcface | " + arcface + " |"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("cosface"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("0.830"), std::string::npos);   // TPR@0.1 of run 2.
  EXPECT_NE(markdown->find("0.415"), std::string::npos);   // TPIR@0.1 of run 2.
  EXPECT_NE(markdown->find("| 10.0 |"), std::string::npos);  // 600 s = 10 min.
  EXPECT_NE(markdown->find("`--epochs=40`"), std::string::npos);       // Shared.
  EXPECT_NE(markdown->find("- `loss`: " + ce + ": ce, " + arcface + ": arcface"), std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("compare_losses --preset=full"), std::string::npos);
}

TEST(ResultsTableTest, ARunThatOnlyFoundAFinishedCheckpointShowsNoTrainingTimeRatherThanZero) {
  auto store = StoreWithComparisons();
  // Recorded by code before a checkpoint carried its training time.
  ASSERT_TRUE(store->SetTag(3, "resumed_from_epoch", "40").ok());
  ASSERT_TRUE(store->LogMetrics(3, {{"train/seconds", 1, 0.0002}}).ok());
  auto markdown = ComparisonMarkdown(*store, "full-2");
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("| – (resumed) |"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("| 0.0 |"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("| 10.0 |"), std::string::npos) << "ce trained in its own run";
}

TEST(ResultsTableTest, AlignmentComparisonIsTheNewestWithAnOwnAlignmentRun) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(LatestAlignmentComparison(*store).status().code(), absl::StatusCode::kNotFound);
  for (const char* name : {"arcface", "arcface+landmark_net"}) {
    tracking::RunOptions options;
    options.experiment = "compare_losses";
    options.name = name;
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->SetTag(*id, "comparison", "quick-9").ok());
    ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  }
  EXPECT_EQ(*LatestAlignmentComparison(*store), "quick-9");
  // The loss comparison of a preset is unaffected by it only when asked by tag.
  EXPECT_EQ(*LatestComparison(*store, "full"), "full-2");
}

TEST(ResultsTableTest, LandmarksTableHasTheNewestFinishedRunOfEachMethod) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(LandmarksMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  const std::vector<std::tuple<std::string, double, RunStatus>> runs = {
      {"landmark_net", 0.091, RunStatus::kFinished},
      {"landmark_net", 0.072, RunStatus::kFinished},
      {"landmark_net", 0.010, RunStatus::kFailed},
      {"dlib_68", 0.065, RunStatus::kFinished}};
  for (const auto& [name, nme, status] : runs) {
    tracking::RunOptions options;
    options.experiment = name == "dlib_68" ? tracking::kDlibLandmarks : tracking::kTrainLandmarks;
    options.name = name;
    options.command_line = "train " + name;
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->LogMetrics(*id, {{"eval/mtfl_test/nme", 0, nme},
                                        {"eval/mtfl_test/faces", 0, 2995},
                                        {"eval/mtfl_test/offset_x", 0, -0.06},
                                        {"eval/mtfl_test/nme_offset_removed", 0, nme / 2},
                                        {"eval/afw/nme", 0, 2 * nme}}).ok());
    ASSERT_TRUE(store->FinishRun(*id, status).ok());
  }
  auto markdown = LandmarksMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  const std::string net = store->GetRun(6)->uid.substr(0, 8);
  const std::string dlib = store->GetRun(8)->uid.substr(0, 8);
  EXPECT_NE(markdown->find("| landmark_net | " + net + " | mtfl_test | 2995 | 7.20 | – | – | -6.00 | – | 3.60 |"),
            std::string::npos)
      << *markdown;
  EXPECT_EQ(markdown->find("mtfl_holdout"), std::string::npos);  // No such metrics: no row.
  EXPECT_NE(markdown->find("| landmark_net | " + net + " | afw | – | 14.40 |"), std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("| dlib_68 | " + dlib + " | mtfl_test | 2995 | 6.50 |"), std::string::npos)
      << *markdown;
  EXPECT_EQ(markdown->find("9.10"), std::string::npos);  // Older run.
  EXPECT_EQ(markdown->find("1.00"), std::string::npos);  // Failed run.
  EXPECT_NE(markdown->find("train dlib_68"), std::string::npos);
  EXPECT_EQ(markdown->find("Label audit"), std::string::npos);  // None recorded yet.

  tracking::RunOptions audit;
  audit.experiment = tracking::kAuditLandmarkLabels;
  audit.name = "label_audit";
  audit.command_line = "audit labels";
  auto id = store->StartRun(audit);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->LogMetrics(*id, {{"audit/mtfl_test/faces", 0, 2995},
                                      {"audit/mtfl_test/x", 0, 0.0425},
                                      {"audit/mtfl_test/y", 0, -0.01},
                                      {"audit/mtfl_test/median_eye_distance_px", 0, 24},
                                      {"audit/reference_odd_vs_even/faces", 0, 3825},
                                      {"audit/reference_odd_vs_even/x", 0, 0.001},
                                      {"audit/reference_odd_vs_even/y", 0, 0},
                                      {"audit/reference_odd_vs_even/median_eye_distance_px", 0, 15}})
                  .ok());
  ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  markdown = LandmarksMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  const size_t reference = markdown->find("| reference_odd_vs_even | 3825 | 15.0 | +0.10 | +0.00 |");
  const size_t test = markdown->find("| mtfl_test | 2995 | 24.0 | +4.25 | -1.00 | +1.02 | -0.24 |");
  ASSERT_NE(reference, std::string::npos) << *markdown;
  ASSERT_NE(test, std::string::npos) << *markdown;
  EXPECT_LT(reference, test);  // The noise floor comes first.
  EXPECT_NE(markdown->find("audit labels"), std::string::npos);
}

TEST(ResultsTableTest, AReplayOfAnotherRunIsNeverTakenForTheNewestResult) {
  auto store = StoreWithComparisons();
  std::vector<int64_t> ids;
  for (double nme : {0.053, 0.068}) {  // The result, then a newer replay of it.
    tracking::RunOptions options;
    options.experiment = tracking::kTrainLandmarks;
    options.name = "landmark_net";
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->LogMetrics(*id, {{"eval/mtfl_test/nme", 0, nme}}).ok());
    ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
    ids.push_back(*id);
  }
  ASSERT_TRUE(store->SetTag(ids[1], "replay_of", store->GetRun(ids[0])->uid).ok());
  const auto markdown = LandmarksMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("| 5.30 |"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("6.80"), std::string::npos) << *markdown;
}

// An attack run on recogniser `sha` with the given series; returns its id.
int64_t AttackRun(ExperimentStore& store, const std::string& sha, RunStatus status,
                  const std::vector<tracking::MetricPoint>& points, const std::string& command) {
  tracking::RunOptions options;
  options.experiment = tracking::kAttackRecogniser;
  options.name = "attack_ce";
  options.params = {{"embedding_model_sha256", sha}, {"pairs", "100"}, {"steps", "10"}, {"eyeglass_steps", "20"}};
  options.command_line = command;
  auto id = store.StartRun(options);
  CHECK(id.ok());
  CHECK(store.LogMetrics(*id, points).ok());
  CHECK(store.FinishRun(*id, status).ok());
  return *id;
}

TEST(ResultsTableTest, DetectionTableTakesEachDetectorsNewestRunThatScoredEverySet) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(DetectionMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  // ours: every set at AP 0.5, then a choice on two validation splits only
  // (AP 0.9), newer; dlib_hog: every set, then a failed run.
  const std::vector<std::tuple<std::string, double, bool, RunStatus>> runs = {
      {"ours", 0.5, true, RunStatus::kFinished},
      {"ours", 0.9, false, RunStatus::kFinished},
      {"dlib_hog", 0.3, true, RunStatus::kFinished},
      {"dlib_hog", 0.7, true, RunStatus::kFailed},
      {"ssd_peer", 0.4, true, RunStatus::kFinished}};
  for (const auto& [name, ap, every_set, status] : runs) {
    tracking::RunOptions options;
    options.experiment = tracking::kEvaluateDetectors;
    options.name = name;
    options.command_line = "evaluate_detectors";
    if (name == "ssd_peer") options.params = {{"detections_sha256", std::string(64, 'a')}};
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    std::vector<const char*> sets = {"facemask_val", "webfaces_val"};
    if (every_set) sets.insert(sets.end(), {"dlib_test", "afw"});
    for (const char* set : sets) {
      const std::string k = absl::StrCat("eval/", set, "/");
      ASSERT_TRUE(store->LogMetrics(*id, {{k + "ap", 0, ap}, {k + "recall_at_1fp", 0, ap}}).ok());
    }
    ASSERT_TRUE(store->FinishRun(*id, status).ok());
  }
  auto markdown = DetectionMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  const std::string ours = store->GetRun(5)->uid.substr(0, 8);
  const std::string dlib = store->GetRun(7)->uid.substr(0, 8);
  EXPECT_NE(markdown->find("| ours | " + ours + " | afw (recall only) |"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("| dlib_hog | " + dlib + " | facemask_val |"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("0.900"), std::string::npos) << *markdown;  // The choice run.
  EXPECT_EQ(markdown->find("0.700"), std::string::npos) << *markdown;  // The failed run.
  EXPECT_EQ(markdown->find("| haar |"), std::string::npos) << *markdown;  // None recorded.
  // A peer's detections made outside facerec: listed after ours, its clock
  // said not to compare.
  const std::string peer = store->GetRun(9)->uid.substr(0, 8);
  EXPECT_NE(markdown->find("| ssd_peer | " + peer + " | webfaces_val |"), std::string::npos) << *markdown;
  EXPECT_GT(markdown->find("| ssd_peer |"), markdown->find("| ours |"));
  EXPECT_NE(markdown->find("ssd_peer: detections made outside facerec"), std::string::npos) << *markdown;
}

TEST(ResultsTableTest, StageSeedsShowTheNewestSummaryWithItsDifferencesJudgedByTheirIntervals) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(StageSeedsMarkdown(*store, kLandmarkSeeds).status().code(), absl::StatusCode::kNotFound);
  // An older summary (NME 9 %), then the newest: as_flagged and two
  // variants, one whose difference excludes 0 and one whose does not.
  for (double nme : {0.09, 0.055}) {
    tracking::RunOptions options;
    options.experiment = tracking::kTrainLandmarks;
    options.name = "landmark_seeds";
    options.command_line = "train_landmarks --seeds=1,2,3";
    options.params = {{"run/seed1", "aaaaaaaa11111111"}, {"run/seed2", "bbbbbbbb22222222"},
                      {"bootstrap_replicates", "1000"}, {"bootstrap_confidence", "0.95"}, {"threads", "1"}};
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    std::vector<tracking::MetricPoint> m;
    auto row = [&](const std::string& key, double mean) {
      for (const auto& [stat, value] : std::vector<std::pair<std::string, double>>{
               {"mean", mean}, {"std", 0.002}, {"low", mean - 0.003}, {"high", mean + 0.003},
               {"units", 337}, {"seeds", 2}}) {
        m.push_back({key + "/" + stat, 0, value});
      }
    };
    row("as_flagged/afw/nme", nme);
    row("no_refinement/afw/nme", nme + 0.02);
    row("no_flip_averaging/afw/nme", nme + 0.001);
    for (const auto& [variant, d, low, high] : std::vector<std::tuple<std::string, double, double, double>>{
             {"no_refinement", 0.02, 0.015, 0.025}, {"no_flip_averaging", 0.001, -0.002, 0.004}}) {
      const std::string key = "difference/" + variant + "-as_flagged/afw/nme/";
      m.push_back({key + "estimate", 0, d});
      m.push_back({key + "low", 0, low});
      m.push_back({key + "high", 0, high});
    }
    ASSERT_TRUE(store->LogMetrics(*id, m).ok());
    ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  }
  auto markdown = StageSeedsMarkdown(*store, kLandmarkSeeds);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("| as_flagged | afw | nme % | 337 | 2 | 5.50 ± 0.20 | [5.20, 5.80] | – |"),
            std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("| no_refinement | afw | nme % | 337 | 2 | 7.50 ± 0.20 | [7.20, 7.80] | 2.00 [1.50, "
                           "2.50] **differs** |"),
            std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("0.10 [-0.20, 0.40] no measurable difference"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("seeds 1: aaaaaaaa, 2: bbbbbbbb"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("9.00"), std::string::npos) << *markdown;  // The older summary.
  EXPECT_LT(markdown->find("| as_flagged |"), markdown->find("| no_refinement |"));
}

TEST(ResultsTableTest, AttacksTakeTheGridAndTheEyeglassesFromTheNewestRunThatHasEach) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(AttacksMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  AttackRun(*store, "aaa", RunStatus::kFinished,
            {{"attack/epsilon_255", 0, 0}, {"attack/epsilon_255", 1, 8},
             {"attack/pgd/impersonation/success_far0.001", 0, 0.01},
             {"attack/pgd/impersonation/success_far0.001", 1, 0.97},
             {"attack/pgd/impersonation/psnr", 1, 32.5}, {"attack/pgd/impersonation/ssim", 1, 0.91},
             {"transfer/arcface_12345678/pgd/impersonation/success_far0.001", 0, 0.02},
             {"transfer/arcface_12345678/pgd/impersonation/success_far0.001", 1, 0.25}},
            "attack grid");
  AttackRun(*store, "aaa", RunStatus::kFinished,
            {{"eyeglass/epsilon_255", 0, 255}, {"eyeglass/pgd/impersonation/success_far0.001", 0, 0.62},
             {"eyeglass/pgd/impersonation/success_far0.01", 0, 0.8},
             {"transfer/arcface_12345678/eyeglass_pgd/impersonation/success_far0.001", 0, 0.1},
             {"transfer/triplet_87654321/eyeglass_pgd/impersonation/success_far0.001", 0, 0.2}},
            "attack eyeglasses");
  // Newer but failed: left out of both tables.
  AttackRun(*store, "aaa", RunStatus::kFailed,
            {{"attack/epsilon_255", 0, 0}, {"attack/pgd/impersonation/success_far0.001", 0, 0.5},
             {"eyeglass/epsilon_255", 0, 255}, {"eyeglass/pgd/impersonation/success_far0.001", 0, 0.5}},
            "failed attack");
  auto markdown = AttacksMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("| pgd | impersonation | 0.010 | 0.970 | 32.5 | 0.910 |"), std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("| made on | attack | goal | arcface_12345678 |"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("| ce | pgd | impersonation | 0.02 → 0.25 |"), std::string::npos) << *markdown;
  const std::string eyeglass_uid = store->GetRun(6)->uid.substr(0, 8);
  // Transferred is the mean over the two other recognisers: (0.1 + 0.2) / 2.
  EXPECT_NE(markdown->find("| ce (" + eyeglass_uid + ") | 255 | 0.620 | 0.800 | 0.150 | – | – |"),
            std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("attack grid"), std::string::npos);
  EXPECT_NE(markdown->find("attack eyeglasses (100 pairs, 20 steps)"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("failed attack"), std::string::npos);
  EXPECT_EQ(markdown->find("0.500"), std::string::npos);
}

TEST(ResultsTableTest, TrashTablesTakeTheNewestFinishedRunPerSwapRateAndPerSet) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(TrashMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  const auto validation = [&](double rate, double recall, RunStatus status) {
    tracking::RunOptions options;
    options.experiment = "validate_trash_search";
    options.name = "swap";
    options.params = {{"swap_rate", absl::StrCat(rate)}, {"injection_seed", "2"}};
    options.command_line = "validate";
    auto id = store->StartRun(options);
    CHECK(id.ok());
    CHECK(store->LogMetrics(*id, {{"injection/swap/injected", 0, 1201},
                                  {"injection/swap/flagged", 0, 1300},
                                  {"injection/swap/found", 0, 1100},
                                  {"injection/swap/precision_at_k", 0, 0.8},
                                  {"injection/swap/recall", 0, recall},
                                  {"injection/swap/precision", 0, 0.846},
                                  {"injection/swap/roc_auc", 0, 0.97},
                                  {"injection/own_duplicate_pairs", 0, 700}})
              .ok());
    CHECK(store->FinishRun(*id, status).ok());
    return *id;
  };
  validation(0.1, 0.5, RunStatus::kFinished);
  const int64_t newest = validation(0.1, 0.916, RunStatus::kFinished);
  validation(0.1, 0.1, RunStatus::kFailed);
  validation(0.01, 0.9, RunStatus::kFinished);
  tracking::RunOptions search;
  search.experiment = "find_trash";
  search.name = "celeba500";
  search.command_line = "find trash";
  auto id = store->StartRun(search);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->LogMetrics(*id, {{"trash/images", 0, 12011}, {"trash/held_out_accuracy", 0, 0.61},
                                      {"trash/wrong_identity/count", 0, 340}, {"trash/duplicate/count", 0, 800},
                                      {"trash/duplicate/exact_count", 0, 6}, {"trash/unusable/count", 0, 12}})
                  .ok());
  ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  auto markdown = TrashMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  const std::string uid = store->GetRun(newest)->uid.substr(0, 8);
  const size_t ten = markdown->find("| 10 % | 2 | " + uid + " | swap | 1201 | 1300 | 1100 | 0.800 | 0.916 | 0.846 | 0.970 |");
  const size_t one = markdown->find("| 1 % | 2 |");
  ASSERT_NE(ten, std::string::npos) << *markdown;
  ASSERT_NE(one, std::string::npos) << *markdown;
  EXPECT_LT(ten, one);  // Higher rates first.
  EXPECT_EQ(markdown->find("| 0.500 |"), std::string::npos);  // The older run is left out,
  EXPECT_EQ(markdown->find("| 0.100 |"), std::string::npos);  // and the failed one.
  EXPECT_NE(markdown->find("not counted) | 700 |"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("| celeba500 | " + store->GetRun(*id)->uid.substr(0, 8) +
                           " | 12011 | 0.610 | 340 | 800 (6 exact) | 12 |"),
            std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("    find trash"), std::string::npos);
}

// A FINISHED compare_losses run with these params and a TPR@0.1 of `tpr`.
tracking::RunRecord LossRun(ExperimentStore& store, const std::string& name,
                            const std::map<std::string, std::string>& params, double tpr,
                            const std::string& command = "compare_losses", const std::string& code_version = "") {
  tracking::RunOptions options;
  options.experiment = "compare_losses";
  options.name = name;
  options.params = params;
  options.command_line = command;
  options.code_version = code_version;
  auto id = store.StartRun(options);
  CHECK(id.ok());
  CHECK(store.LogEvaluation(*id, {"celeba_ir", "id_rate", 0.1, tpr}).ok());
  CHECK(store.LogEvaluation(*id, {"celeba_ir", "id_rate", 0.01, tpr / 2}).ok());
  CHECK(store.LogMetrics(*id, {{"val/nn_accuracy", 11, tpr - 0.3}}).ok());
  CHECK(store.FinishRun(*id, RunStatus::kFinished).ok());
  return *store.GetRun(*id);
}

// An attack run on `target` whose PGD dodging success at ε 0, 2, 4, 8 is `rates`.
void PgdAttackOn(ExperimentStore& store, const tracking::RunRecord& target, const std::vector<double>& rates) {
  tracking::RunOptions options;
  options.experiment = tracking::kAttackRecogniser;
  options.name = "attack_" + target.name;
  options.params = {{"embedding_model_sha256", "sha-" + target.uid}, {"embedding_run_uid", target.uid}};
  auto id = store.StartRun(options);
  CHECK(id.ok());
  std::vector<tracking::MetricPoint> points;
  const std::vector<double> radii = {0, 2, 4, 8};
  for (int k = 0; k < 4; ++k) {
    points.push_back({"attack/epsilon_255", k, radii[k]});
    points.push_back({"attack/pgd/dodging/success_far0.001", k, rates[k]});
  }
  CHECK(store.LogMetrics(*id, points).ok());
  CHECK(store.FinishRun(*id, RunStatus::kFinished).ok());
}

TEST(ResultsTableTest, TheDefenceSetsTheAdversarialRunBesideItsStartAndItsCleanControl) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(DefenceMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  const tracking::RunRecord start = LossRun(*store, "arcface", {{"adversarial_steps", "0"}}, 0.72);
  const std::map<std::string, std::string> tune = {
      {"finetune_from_run", start.uid}, {"epochs", "3"}, {"lr", "0.01"}, {"adversarial_epsilon", "4"}};
  auto with = [&](std::map<std::string, std::string> p, const std::string& key, const std::string& value) {
    p[key] = value;
    return p;
  };
  LossRun(*store, "arcface+finetuned", with(with(tune, "adversarial_steps", "0"), "lr", "0.1"), 0.10);  // Another budget.
  const tracking::RunRecord control = LossRun(*store, "arcface+finetuned", with(tune, "adversarial_steps", "0"), 0.74);
  const tracking::RunRecord defended =
      LossRun(*store, "arcface+finetuned+pgd_at", with(tune, "adversarial_steps", "3"), 0.58, "defend it");
  PgdAttackOn(*store, start, {0.8, 0.97, 1.0, 1.0});
  PgdAttackOn(*store, defended, {0.85, 0.88, 0.9, 0.95});
  auto markdown = DefenceMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("| started from | " + start.uid.substr(0, 8) + " | 0.720 | 0.360 | 0.800 | 0.970 | 1.000 | 1.000 | – | – | – | – |"),
            std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("| fine-tuned clean (control) | " + control.uid.substr(0, 8) + " | 0.740 | 0.370 | – |"),
            std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("| PGD-trained (3 steps, ε 4) | " + defended.uid.substr(0, 8) + " | 0.580 | 0.290 | 0.850 | 0.880 | 0.900 | 0.950 |"),
            std::string::npos)
      << *markdown;
  EXPECT_EQ(markdown->find("0.100"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("defend it"), std::string::npos);
}

TEST(ResultsTableTest, TheAttacksSectionLeavesTheDefencesRecognisersToTheDefenceSection) {
  auto store = StoreWithComparisons();
  const tracking::RunRecord start = LossRun(*store, "arcface", {{"adversarial_steps", "0"}}, 0.72);
  const tracking::RunRecord defended = LossRun(
      *store, "arcface+finetuned+pgd_at", {{"finetune_from_run", start.uid}, {"adversarial_steps", "3"}}, 0.58);
  PgdAttackOn(*store, start, {0.8, 0.97, 1.0, 1.0});
  PgdAttackOn(*store, defended, {0.85, 0.88, 0.9, 0.95});
  EXPECT_EQ(AttacksMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  AttackRun(*store, "aaa", RunStatus::kFinished,
            {{"attack/epsilon_255", 0, 0}, {"attack/epsilon_255", 1, 8},
             {"attack/pgd/dodging/success_far0.001", 0, 0.8}, {"attack/pgd/dodging/success_far0.001", 1, 1.0}},
            "attack the comparison");
  auto markdown = AttacksMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("(attack_ce, recogniser of run"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("attack_arcface"), std::string::npos) << *markdown;
  auto defence = DefenceMarkdown(*store);
  ASSERT_TRUE(defence.ok()) << defence.status();
  EXPECT_NE(defence->find("| started from | " + start.uid.substr(0, 8) + " | 0.720 |"), std::string::npos) << *defence;
}

TEST(ResultsTableTest, SeedsShowMeansIntervalsAndTheDifferencesThatAreReal) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(SeedsMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  tracking::RunOptions options;
  options.experiment = "loss_comparison";
  options.command_line = "compare over seeds";
  options.params = {{"bootstrap_replicates", "1000"}, {"bootstrap_confidence", "0.95"}, {"bootstrap_seed", "1"},
                    {"run/arcface/seed1", "aaaaaaaa11"}, {"run/arcface/seed2", "aaaaaaaa22"},
                    {"run/cosface/seed1", "cccccccc11"}, {"run/cosface/seed2", "cccccccc22"}};
  auto id = store->StartRun(options);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->LogMetrics(*id, {{"arcface/tpr@0.1/mean", 0, 0.72}, {"arcface/tpr@0.1/std", 0, 0.01},
                                      {"arcface/tpr@0.1/low", 0, 0.65}, {"arcface/tpr@0.1/high", 0, 0.78},
                                      {"cosface/tpr@0.1/mean", 0, 0.70}, {"cosface/tpr@0.1/std", 0, 0.02},
                                      {"cosface/tpr@0.1/low", 0, 0.63}, {"cosface/tpr@0.1/high", 0, 0.77},
                                      {"difference/arcface-cosface/tpr@0.1/estimate", 0, 0.02},
                                      {"difference/arcface-cosface/tpr@0.1/low", 0, 0.005},
                                      {"difference/arcface-cosface/tpr@0.1/high", 0, 0.035},
                                      {"difference/arcface-cosface/tpr@0.01/estimate", 0, 0.01},
                                      {"difference/arcface-cosface/tpr@0.01/low", 0, -0.02},
                                      {"difference/arcface-cosface/tpr@0.01/high", 0, 0.04}})
                  .ok());
  ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  auto markdown = SeedsMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("| arcface | 1 (aaaaaaaa), 2 (aaaaaaaa) | – | – | 0.720 ± 0.010 |"), std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("| cosface | – | – | 0.700 [0.630, 0.770] |"), std::string::npos) << *markdown;
  // Real at FPR 0.1 (bold), not at 0.01.
  EXPECT_NE(markdown->find("**+0.020 [+0.005, +0.035]**"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("| +0.010 [-0.020, +0.040] |"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("95 % bootstrap interval"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("compare over seeds"), std::string::npos);
}

// A FINISHED summary over seeds named `name`, ArcFace's TPR@0.1 mean `mean`.
void SeedSummaryRun(tracking::ExperimentStore& store, const std::string& name, double mean) {
  tracking::RunOptions options;
  options.experiment = "loss_comparison";
  options.name = name;
  options.command_line = "compare " + name;
  options.params = {{"bootstrap_replicates", "1000"}, {"bootstrap_confidence", "0.95"},
                    {"run/arcface/seed1", "aaaaaaaa11"}, {"run/arcface/seed2", "aaaaaaaa22"}};
  auto id = store.StartRun(options);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store.LogMetrics(*id, {{"arcface/tpr@0.1/mean", 0, mean}, {"arcface/tpr@0.1/std", 0, 0.01}}).ok());
  ASSERT_TRUE(store.FinishRun(*id, RunStatus::kFinished).ok());
}

TEST(ResultsTableTest, EveryKindOfComparisonOverSeedsShowsItsNewestSummary) {
  auto store = StoreWithComparisons();
  SeedSummaryRun(*store, "quick-100", 0.70);
  SeedSummaryRun(*store, "full-200", 0.85);
  SeedSummaryRun(*store, "quick-300", 0.72);  // Supersedes quick-100.
  auto markdown = SeedsMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  const size_t quick = markdown->find("(quick-300)"), full = markdown->find("(full-200)");
  ASSERT_NE(quick, std::string::npos) << *markdown;
  ASSERT_NE(full, std::string::npos) << *markdown;
  EXPECT_LT(quick, full) << "newest kind first";
  EXPECT_EQ(markdown->find("quick-100"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("0.720 ± 0.010"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("0.850 ± 0.010"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("0.700 ± 0.010"), std::string::npos) << *markdown;
}

TEST(ResultsTableTest, TwoRecipesConfirmedAtOnePresetEachShowTheirNewestSummary) {
  auto store = StoreWithComparisons();
  // Seeds' runs of two recipes at the full preset; a summary names them by uid.
  const auto seed_run = [&](const std::string& erase, const std::string& seed, const std::string& threads) {
    tracking::RunOptions options;
    options.experiment = "compare_losses";
    options.params = {{"preset", "full"}, {"erase_probability", erase}, {"seed", seed}, {"threads", threads}};
    auto id = store->StartRun(options);
    EXPECT_TRUE(id.ok());
    EXPECT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
    return store->GetRun(*id)->uid;
  };
  const auto summary = [&](const std::string& name, const std::string& seed1_uid, double mean) {
    tracking::RunOptions options;
    options.experiment = "loss_comparison";
    options.name = name;
    options.params = {{"run/arcface/seed1", seed1_uid}};
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->LogMetrics(*id, {{"arcface/tpr@0.1/mean", 0, mean}, {"arcface/tpr@0.1/std", 0, 0.01}}).ok());
    ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  };
  summary("full-100", seed_run("0", "1", "1"), 0.80);
  summary("full-200", seed_run("0.25", "1", "1"), 0.82);
  // The first recipe again at another thread count and seed: the same kind, so it supersedes full-100.
  summary("full-300", seed_run("0", "2", "2"), 0.81);
  {
    // The second recipe against a variant of it: it compares every loss
    // full-200 compares, in the same configuration, and more, so it
    // supersedes full-200; full-300 (the first recipe) stays.
    tracking::RunOptions options;
    options.experiment = "loss_comparison";
    options.name = "full-400";
    options.params = {{"run/arcface/seed1", seed_run("0.25", "1", "1")},
                      {"run/arcface_bf16/seed1", seed_run("0.25", "1", "1")}};
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->LogMetrics(*id, {{"arcface/tpr@0.1/mean", 0, 0.8}, {"arcface/tpr@0.1/std", 0, 0.01}}).ok());
    ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  }
  auto markdown = SeedsMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("(full-400)"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("(full-300)"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("(full-200)"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("(full-100)"), std::string::npos) << *markdown;
  EXPECT_LT(markdown->find("(full-400)"), markdown->find("(full-300)")) << "newest first";
}

TEST(ResultsTableTest, NormQualityTakesTheSummaryOfTheMostLossesWhoseSeedRunsRecordedTheCurve) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(NormQualityMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  // A seed run with the curve FNMR(r) = start * (1 - slope * r), or without it.
  const auto seed_run = [&](double start, double slope) {
    tracking::RunOptions options;
    options.experiment = "compare_losses";
    auto id = store->StartRun(options);
    EXPECT_TRUE(id.ok());
    if (start > 0) {
      for (int percent = 0; percent <= 50; percent += 5) {
        const double r = percent / 100.0;
        EXPECT_TRUE(store->LogEvaluation(*id, {"celeba_ir", "fnmr_vs_reject_by_norm", r, start * (1 - slope * r)}).ok());
      }
    }
    EXPECT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
    return store->GetRun(*id)->uid;
  };
  const auto summary = [&](const std::string& name, std::map<std::string, std::string> params) {
    tracking::RunOptions options;
    options.experiment = "loss_comparison";
    options.name = name;
    options.params = std::move(params);
    options.command_line = "compare_losses --seeds=1,2 " + name;
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
  };
  // magface's norm predicts failures (FNMR halves by 50 %), arcface's does not;
  // a newer summary whose runs predate the curve is passed over.
  const std::string m1 = seed_run(0.40, 1.0), m2 = seed_run(0.44, 1.0), a1 = seed_run(0.30, 0), a2 = seed_run(0.34, 0);
  summary("quick-1", {{"run/magface/seed1", m1}, {"run/magface/seed2", m2},
                      {"run/arcface/seed1", a1}, {"run/arcface/seed2", a2},
                      {"run/cosface/seed1", seed_run(0.5, 0)}, {"run/cosface/seed2", seed_run(0.5, 0)}});
  summary("quick-2", {{"run/arcface/seed1", seed_run(0, 0)}});
  // A newer, complete comparison of two variants of one loss: fewer losses, passed over.
  summary("quick-3", {{"run/arcface/seed1", seed_run(0.3, 0)}, {"run/arcface_bf16/seed1", seed_run(0.3, 0)}});
  auto markdown = NormQualityMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("(quick-1)"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("(quick-2)"), std::string::npos) << *markdown;
  EXPECT_EQ(markdown->find("(quick-3)"), std::string::npos) << *markdown;
  // magface: 0.42 ± 0.028 at 0 %, 0.21 at 50 %: ratio 0.50; arcface flat: 1.00.
  EXPECT_NE(markdown->find("| magface | 1 (" + m1.substr(0, 8) + "), 2 (" + m2.substr(0, 8) + ") | 0.420 ± 0.028 |"),
            std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("| 0.210 ± 0.014 | 0.50 |"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("| 0.320 ± 0.028 | 1.00 |"), std::string::npos) << *markdown;
}

TEST(ResultsTableTest, ARetrainIsComparedWithTheRunOfTheSameConfigurationWithoutTheList) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(RetrainMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  const tracking::RunRecord before = LossRun(*store, "arcface", {{"loss", "arcface"}, {"epochs", "12"}, {"threads", "2"}}, 0.72);
  LossRun(*store, "arcface", {{"loss", "arcface"}, {"epochs", "40"}, {"threads", "2"}}, 0.9);  // Another budget.
  const tracking::RunRecord after = LossRun(
      *store, "arcface+excluding_18",
      {{"loss", "arcface"}, {"epochs", "12"}, {"threads", "1"}, {"exclude_sha256", "ab"}, {"excluded_images", "18"}},
      0.73);
  auto markdown = RetrainMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("| " + before.uid.substr(0, 8) + " → " + after.uid.substr(0, 8) +
                           " | 18 | – → – | – → – | 0.720 → 0.730 | – → – | 0.360 → 0.365 | – → – | 0.420 → 0.430 |"),
            std::string::npos)
      << *markdown;
}

TEST(ResultsTableTest, ARetrainIsComparedWithItsControlFromTheSameCommitNotWithALaterRunOfItsConfiguration) {
  auto store = StoreWithComparisons();
  const std::map<std::string, std::string> config = {{"loss", "arcface"}, {"epochs", "12"}};
  std::map<std::string, std::string> excluding = config;
  excluding["exclude_sha256"] = "ab";
  excluding["excluded_images"] = "18";
  const tracking::RunRecord control = LossRun(*store, "arcface", config, 0.72, "compare_losses", "aaaaaaa");
  const tracking::RunRecord after = LossRun(*store, "arcface+excluding_18", excluding, 0.73, "compare_losses", "aaaaaaa");
  // The same configuration again, newer and from another commit (one seed of a later --seeds summary).
  const tracking::RunRecord later = LossRun(*store, "arcface", config, 0.75, "compare_losses", "bbbbbbb");
  auto markdown = RetrainMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("| " + control.uid.substr(0, 8) + " → " + after.uid.substr(0, 8) + " | 18 |"),
            std::string::npos)
      << *markdown;
  EXPECT_EQ(markdown->find(later.uid.substr(0, 8)), std::string::npos) << *markdown;
}

// An ensemble of two trained recognisers against one of them: members and
// reference are named by the runs that trained them, the interval and the
// paired difference shown, bold only when it excludes 0.
TEST(ResultsTableTest, EnsemblesNameTheirMembersByTheRunsThatTrainedThem) {
  auto store = StoreWithComparisons();
  EXPECT_EQ(EnsemblesMarkdown(*store).status().code(), absl::StatusCode::kNotFound);
  std::map<std::string, std::string> sha;  // loss -> its net's sha256
  std::map<std::string, std::string> uid;
  for (const char* loss : {"magface", "arcface"}) {
    const std::string file = ::testing::TempDir() + "/" + loss + "_net.pt";
    {
      std::ofstream out(file);
      out << "weights of " << loss;
    }
    tracking::RunOptions options;
    options.experiment = "compare_losses";
    options.name = loss;
    options.seed = 2;
    auto id = store->StartRun(options);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->LogArtifact(*id, "embedding_net", file).ok());
    ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFinished).ok());
    auto artifacts = store->GetArtifacts(*id);
    ASSERT_TRUE(artifacts.ok());
    sha[loss] = (*artifacts)[0].sha256;
    uid[loss] = store->GetRun(*id)->uid.substr(0, 8);
  }
  const auto ensemble = [&](const std::string& name, double low, double high) {
    tracking::RunOptions options;
    options.experiment = "evaluate_ensemble";
    options.name = name;
    options.command_line = "evaluate_ensemble " + name;
    options.params = {{"combination", "concatenate"},
                      {"members_sha256", sha["magface"] + "," + sha["arcface"]},
                      {"reference_sha256", sha["arcface"]}};
    auto id = store->StartRun(options);
    CHECK(id.ok());
    CHECK(store->LogEvaluation(*id, {"celeba_ir", "id_rate", 0.1, 0.848}).ok());
    CHECK(store->LogMetrics(*id, {{"interval/tpr_at_fpr_0.1_low", 0, 0.813},
                                  {"interval/tpr_at_fpr_0.1_high", 0, 0.880},
                                  {"versus_reference/tpr_at_fpr_0.1", 0, (low + high) / 2},
                                  {"versus_reference/tpr_at_fpr_0.1_low", 0, low},
                                  {"versus_reference/tpr_at_fpr_0.1_high", 0, high},
                                  {"inference/ms_per_face", 0, 20.5},
                                  {"inference/member_ms_per_face", 0, 10.2},
                                  {"model/parameters", 0, 4e6}})
              .ok());
    CHECK(store->FinishRun(*id, RunStatus::kFinished).ok());
  };
  ensemble("real", 0.010, 0.022);
  ensemble("not_real", -0.004, 0.020);
  auto markdown = EnsemblesMarkdown(*store);
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  EXPECT_NE(markdown->find("| magface s2 (" + uid["magface"] + "), arcface s2 (" + uid["arcface"] + ") | arcface s2 (" +
                           uid["arcface"] + ") | 0.848 [0.813, 0.880] |"),
            std::string::npos)
      << *markdown;
  EXPECT_NE(markdown->find("| **+0.016 [+0.010, +0.022]** |"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("| +0.008 [-0.004, +0.020] |"), std::string::npos) << *markdown;
  EXPECT_NE(markdown->find("| 20.5 (10.2) | 4000000 |"), std::string::npos) << *markdown;
  // Newest first.
  EXPECT_LT(markdown->find("evaluate_ensemble not_real"), markdown->find("evaluate_ensemble real"));
}

}  // namespace
}  // namespace facerec::tools
