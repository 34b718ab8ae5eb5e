// Runs exported as text and imported elsewhere are the same runs: export ->
// import -> export gives the same bytes, importing twice adds nothing, and a
// malformed export is rejected with file:line before anything is written.
#include "facerec/tracking/run_export.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace facerec::tracking {
namespace {

std::unique_ptr<ExperimentStore> FreshStore(const std::string& name) {
  const std::string path = testing::TempDir() + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = ExperimentStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(*store);
}

// Two runs with every kind of record, including the awkward values.
std::vector<int64_t> Fill(ExperimentStore& store) {
  std::vector<int64_t> ids;
  for (const char* name : {"arcface", "ce"}) {
    RunOptions options;
    options.experiment = "compare_losses";
    options.name = name;
    options.params = {{"lr", "0.1"}, {"note", "tab\there, newline\nthere, back\\slash"}};
    options.seed = 7;
    auto id = store.StartRun(options);
    EXPECT_TRUE(id.ok());
    EXPECT_TRUE(store.LogMetrics(*id, {{"train/loss", 0, 2.302585092994046, 1000},
                                       {"train/loss", 1, std::nan(""), 2000},
                                       {"train/lr", 0, 0.1, 1000},
                                       {"train/lr", 1, 1e-300, 2000}})
                    .ok());
    Evaluation e;
    e.dataset = "celeba_ir";
    e.protocol = "id_rate";
    e.target_fpr = 0.1;
    e.tpr = 0.815;
    e.threshold = 0.3123456789012345;
    e.positive_pairs = 14721;
    e.false_pairs = 3176532;
    EXPECT_TRUE(store.LogEvaluation(*id, e).ok());
    Evaluation ced;
    ced.dataset = "mtfl_test";
    ced.protocol = "nme_ced";
    ced.threshold = 0.05;
    ced.tpr = 0.5;
    EXPECT_TRUE(store.LogEvaluation(*id, ced).ok());
    EXPECT_TRUE(store.SetTag(*id, "comparison", "quick-1").ok());
    EXPECT_TRUE(store.FinishRun(*id, std::string(name) == "ce" ? RunStatus::kFailed
                                                               : RunStatus::kFinished,
                                "why\tit failed")
                    .ok());
    ids.push_back(*id);
  }
  return ids;
}

TEST(RunExportTest, ExportImportExportGivesTheSameBytes) {
  auto source = FreshStore("source.db");
  const std::vector<int64_t> ids = Fill(*source);
  auto text = ExportRuns(*source, ids);
  ASSERT_TRUE(text.ok()) << text.status();
  auto parsed = ParseRunExport("runs.tsv", *text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);

  auto target = FreshStore("target.db");
  // Something already there, so the imported runs get other local ids.
  RunOptions other;
  other.experiment = "data_report";
  ASSERT_TRUE(target->StartRun(other).ok());
  auto summary = ImportRuns(*target, *parsed);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->imported.size(), 2u);
  EXPECT_NE(summary->imported[0], ids[0]);
  auto again = ExportRuns(*target, summary->imported);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *text);

  auto run = target->GetRun(summary->imported[1]);
  EXPECT_EQ(run->status, RunStatus::kFailed);
  EXPECT_EQ(run->error, "why\tit failed");
  auto params = target->GetParams(summary->imported[0]);
  EXPECT_EQ(params->at("note"), "tab\there, newline\nthere, back\\slash");
  auto metrics = target->GetMetrics(summary->imported[0], "train/loss");
  ASSERT_EQ(metrics->size(), 2u);
  EXPECT_TRUE(std::isnan((*metrics)[1].value));
  auto by_uid = target->GetRunByUid((*parsed)[0].run.uid.substr(0, 8));
  ASSERT_TRUE(by_uid.ok()) << by_uid.status();
  EXPECT_EQ(by_uid->id, summary->imported[0]);
}

TEST(RunExportTest, EvenlySpacedIndicesKeepFirstAndLastAndNeverRepeat) {
  EXPECT_EQ(EvenlySpacedIndices(4, 0), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(EvenlySpacedIndices(4, 10), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(EvenlySpacedIndices(11, 3), (std::vector<size_t>{0, 5, 10}));
  EXPECT_EQ(EvenlySpacedIndices(7, 1), (std::vector<size_t>{6}));
  for (size_t count : {3u, 10u, 101u, 11300u}) {
    for (int max_points : {2, 3, 7, 100, 299}) {
      const std::vector<size_t> kept = EvenlySpacedIndices(count, max_points);
      ASSERT_EQ(kept.size(), std::min<size_t>(count, max_points));
      EXPECT_EQ(kept.front(), 0u);
      EXPECT_EQ(kept.back(), count - 1);
      for (size_t i = 1; i < kept.size(); ++i) EXPECT_LT(kept[i - 1], kept[i]);
    }
  }
}

TEST(RunExportTest, ThinnedSeriesKeepTheirEndsAndSurviveARoundTrip) {
  auto source = FreshStore("thinned.db");
  RunOptions options;
  options.experiment = "train_landmarks";
  auto id = source->StartRun(options);
  ASSERT_TRUE(id.ok());
  std::vector<MetricPoint> points;
  for (int step = 0; step < 1000; ++step) {
    points.push_back({"train/loss", step, 1.0 / (step + 1), 1000 + step});
  }
  points.push_back({"val/nme", 9, 0.07, 5000});  // A short series stays whole.
  ASSERT_TRUE(source->LogMetrics(*id, points).ok());
  ASSERT_TRUE(source->FinishRun(*id, RunStatus::kFinished, "").ok());
  ExportOptions thin;
  thin.max_points_per_series = 50;
  auto text = ExportRuns(*source, {*id}, thin);
  ASSERT_TRUE(text.ok()) << text.status();
  auto parsed = ParseRunExport("thin.tsv", *text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const std::vector<MetricPoint>& kept = (*parsed)[0].metrics;
  ASSERT_EQ(kept.size(), 51u);
  EXPECT_EQ(kept.front().step, 0);
  EXPECT_EQ(kept[49].step, 999);
  EXPECT_EQ(kept[49].value, 1.0 / 1000);
  EXPECT_EQ(kept.back().key, "val/nme");

  auto target = FreshStore("thinned_target.db");
  auto summary = ImportRuns(*target, *parsed);
  ASSERT_TRUE(summary.ok()) << summary.status();
  auto again = ExportRuns(*target, summary->imported, thin);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *text);
}

TEST(RunExportTest, ImportingTwiceSkipsTheRunsAlreadyThere) {
  auto source = FreshStore("twice_source.db");
  auto text = ExportRuns(*source, Fill(*source));
  auto parsed = ParseRunExport("runs.tsv", *text);
  auto target = FreshStore("twice_target.db");
  ASSERT_EQ(ImportRuns(*target, *parsed)->imported.size(), 2u);
  auto second = ImportRuns(*target, *parsed);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->imported.empty());
  EXPECT_EQ(second->skipped.size(), 2u);
  EXPECT_EQ(target->ListRuns()->size(), 2u);
}

TEST(RunExportTest, RunsGetDistinctUidsEverywhere) {
  auto a = FreshStore("uid_a.db");
  auto b = FreshStore("uid_b.db");
  const auto ids_a = Fill(*a);
  const auto ids_b = Fill(*b);
  EXPECT_EQ(ids_a, ids_b);  // The same local numbers...
  EXPECT_NE(a->GetRun(ids_a[0])->uid, b->GetRun(ids_b[0])->uid);  // ...never the same uid.
  EXPECT_EQ(a->GetRun(ids_a[0])->uid.size(), 32u);
}

TEST(RunExportTest, MalformedExportsNameFileAndLine) {
  const std::string uid = "0123456789abcdef0123456789abcdef";
  const std::string header = std::string(kRunExportHeader) + "\n";
  const std::string run_line = uid +
      "\trun\tx\tn\tFINISHED\t1000\t2000\t2000\tv1\th\tf\t1\tcmd\thost\t7\t\n";
  struct Case {
    std::string text, message;
  } cases[] = {
      {"", "runs.tsv:1: expected the header"},
      {header + "zz\trun\n", "runs.tsv:2: 'zz' is not a run uid"},
      {header + uid + "\tparam\tk\tv\n", "runs.tsv:2: a param record before its run line"},
      {header + run_line + uid + "\tmetric\tloss\tone\t5\t1\n", "runs.tsv:3: step 'one' is not an integer"},
      {header + run_line + uid + "\tmetric\tloss\t1\t5\n", "runs.tsv:3: a metric record has 4 fields"},
      {header + run_line + uid + "\tshoe\t1\n", "runs.tsv:3: unknown record 'shoe'"},
      {header + run_line + run_line, "runs.tsv:3: run " + uid + " appears twice"},
      {header + run_line + uid + "\tparam\tk\tbad\\q\n", "runs.tsv:3: a bad escape sequence"},
      {header + uid + "\trun\tx\tn\tRUNNING\t1000\t2000\t2000\tv\th\tf\t\t\t\t7\t\n",
       "runs.tsv:2: end_ms must be empty exactly for RUNNING runs"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseRunExport("runs.tsv", c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.status().message().find(c.message), absl::string_view::npos)
        << parsed.status() << "\nwanted: " << c.message;
  }
  EXPECT_TRUE(ParseRunExport("runs.tsv", header + run_line).ok());
}

}  // namespace
}  // namespace facerec::tracking
