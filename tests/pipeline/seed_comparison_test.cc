#include "facerec/pipeline/seed_comparison.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <torch/torch.h>

#include "facerec/metrics/identification_rate.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::pipeline {
namespace {

struct Set {
  std::vector<int> ids;
  torch::Tensor centres;
};

// 30 identities of 3-5 images each.
Set MakeSet() {
  Set set;
  for (int i = 0; i < 30; ++i) {
    for (int k = 0; k < 3 + i % 3; ++k) set.ids.push_back(7 * i + 1);
  }
  torch::manual_seed(1);
  set.centres = torch::randn({30, 16});
  return set;
}

// A "trained run": its embeddings (noisier = worse) and every metric the
// table averages, the identification rate computed from the embeddings.
RecognitionResult Trained(const Set& set, double noise, uint64_t seed, double lfw) {
  torch::manual_seed(seed);
  std::vector<int64_t> rows;
  for (int id : set.ids) rows.push_back((id - 1) / 7);
  RecognitionResult r;
  r.query_embeddings =
      set.centres.index({torch::tensor(rows)}) + noise * torch::randn({static_cast<int64_t>(rows.size()), 16});
  r.distractor_embeddings = torch::randn({40, 16});
  r.id_rate = metrics::IdentificationRate(r.query_embeddings, set.ids, r.distractor_embeddings, metrics::kCourseFprs);
  r.open_set = metrics::TpirAtFpir(r.query_embeddings, set.ids, r.distractor_embeddings, metrics::kOpenSetFpirs);
  r.lfw.mean_accuracy = lfw;
  return r;
}

metrics::BootstrapOptions FewReplicates() {
  metrics::BootstrapOptions options;
  options.replicates = 200;
  return options;
}

const MeanStd* Metric(const LossOverSeeds& l, const std::string& key) {
  for (const auto& [k, m] : l.metrics) {
    if (k == key) return &m;
  }
  return nullptr;
}

TEST(SeedComparisonTest, EveryMetricIsAveragedOverTheSeedsWithItsSampleDeviation) {
  const Set set = MakeSet();
  SeedComparison comparison(FewReplicates());
  const std::vector<double> lfw = {0.8, 0.9, 1.0};
  std::vector<RecognitionResult> results;
  for (int seed = 1; seed <= 3; ++seed) results.push_back(Trained(set, 1.0, seed, lfw[seed - 1]));
  for (int seed = 1; seed <= 3; ++seed) {
    ASSERT_TRUE(comparison.Add("arcface", seed, "uid" + std::to_string(seed), results[seed - 1], set.ids).ok());
  }
  auto summary = comparison.Summarise();
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->losses.size(), 1u);
  const LossOverSeeds& l = summary->losses[0];
  EXPECT_EQ(l.seeds, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(l.run_uids, (std::vector<std::string>{"uid1", "uid2", "uid3"}));
  ASSERT_NE(Metric(l, "lfw"), nullptr);
  EXPECT_NEAR(Metric(l, "lfw")->mean, 0.9, 1e-12);
  EXPECT_NEAR(Metric(l, "lfw")->stddev, 0.1, 1e-12);
  EXPECT_EQ(Metric(l, "val_accuracy"), nullptr);  // No head: not in the table.
  // TPR@0.1 (course FPR index 2): the mean of the seeds' rates, as metric and as interval estimate.
  const double mean = (results[0].id_rate.points[2].tpr + results[1].id_rate.points[2].tpr +
                       results[2].id_rate.points[2].tpr) / 3;
  ASSERT_NE(Metric(l, "tpr@0.1"), nullptr);
  EXPECT_NEAR(Metric(l, "tpr@0.1")->mean, mean, 1e-12);
  ASSERT_EQ(l.tpr.size(), metrics::kCourseFprs.size());
  EXPECT_NEAR(l.tpr[2].estimate, mean, 1e-12);
  EXPECT_LE(l.tpr[2].low, mean);
  EXPECT_GE(l.tpr[2].high, mean);
  EXPECT_LT(l.tpr[2].low, l.tpr[2].high);
  ASSERT_NE(Metric(l, "tpir@0.1"), nullptr);
}

TEST(SeedComparisonTest, DifferencesPairTheSeedsBothLossesHaveAndMarkTheRealOnes) {
  const Set set = MakeSet();
  SeedComparison comparison(FewReplicates());
  for (int seed = 1; seed <= 3; ++seed) {
    // "better" is "worse" with half the noise on the same seeds' draws.
    ASSERT_TRUE(comparison.Add("better", seed, "b", Trained(set, 0.6, seed, 0.9), set.ids).ok());
    ASSERT_TRUE(comparison.Add("worse", seed, "w", Trained(set, 1.2, seed, 0.8), set.ids).ok());
  }
  ASSERT_TRUE(comparison.Add("lonely", 9, "l", Trained(set, 1.0, 9, 0.8), set.ids).ok());
  auto summary = comparison.Summarise();
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->differences.size(), 1u);  // "lonely" shares no seed with the others.
  const LossDifference& d = summary->differences[0];
  EXPECT_EQ(d.a, "better");
  EXPECT_EQ(d.b, "worse");
  EXPECT_EQ(d.seeds, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_GT(d.tpr[2].low, 0) << d.tpr[2].low << ".." << d.tpr[2].high;
  const std::string table = SeedSummaryTable(*summary);
  EXPECT_NE(table.find("better - worse"), std::string::npos) << table;
  EXPECT_NE(table.find("]*"), std::string::npos) << table;
  EXPECT_NE(table.find("0.900 ± 0.000"), std::string::npos) << table;
}

TEST(SeedComparisonTest, ASeedAddedTwiceOrAResultWithoutEmbeddingsIsRefused) {
  const Set set = MakeSet();
  SeedComparison comparison(FewReplicates());
  EXPECT_EQ(comparison.Summarise().status().code(), absl::StatusCode::kFailedPrecondition);
  const RecognitionResult r = Trained(set, 1.0, 1, 0.9);
  ASSERT_TRUE(comparison.Add("ce", 1, "u", r, set.ids).ok());
  EXPECT_EQ(comparison.Add("ce", 1, "v", r, set.ids).code(), absl::StatusCode::kInvalidArgument);
  RecognitionResult without = r;
  without.query_embeddings = torch::Tensor();
  EXPECT_EQ(comparison.Add("ce", 2, "w", without, set.ids).code(), absl::StatusCode::kInvalidArgument);
  metrics::BootstrapOptions bad;
  bad.replicates = 0;
  SeedComparison refused(bad);
  EXPECT_EQ(refused.Add("ce", 1, "u", r, set.ids).code(), absl::StatusCode::kInvalidArgument);
}

TEST(SeedComparisonTest, TheSummaryIsRecordedAsOneRunWithTheRunsItCombines) {
  const Set set = MakeSet();
  SeedComparison comparison(FewReplicates());
  for (int seed = 1; seed <= 2; ++seed) {
    ASSERT_TRUE(comparison.Add("ce", seed, "ce" + std::to_string(seed), Trained(set, 1.0, seed, 0.8), set.ids).ok());
    ASSERT_TRUE(comparison.Add("arcface", seed, "arc" + std::to_string(seed), Trained(set, 0.7, seed, 0.9), set.ids).ok());
  }
  auto summary = comparison.Summarise();
  ASSERT_TRUE(summary.ok()) << summary.status();
  const std::string path = ::testing::TempDir() + "/seed_comparison.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = tracking::ExperimentStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  tracking::RunOptions options;
  options.experiment = "loss_comparison";
  auto run = tracking::Run::Start(store->get(), options);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_TRUE(RecordSeedSummary(*summary, run->get()).ok());
  auto params = (*store)->GetParams((*run)->id());
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(params->at("run/arcface/seed2"), "arc2");
  EXPECT_EQ(params->at("bootstrap_replicates"), "200");
  auto points = (*store)->GetMetrics((*run)->id());
  ASSERT_TRUE(points.ok());
  std::map<std::string, double> m;
  for (const tracking::MetricPoint& p : *points) m[p.key] = p.value;
  EXPECT_NEAR(m.at("ce/lfw/mean"), 0.8, 1e-12);
  EXPECT_NEAR(m.at("arcface/tpr@0.1/low"), summary->losses[1].tpr[2].low, 1e-12);
  EXPECT_NEAR(m.at("difference/ce-arcface/tpr@0.1/estimate"), summary->differences[0].tpr[2].estimate, 1e-12);
  EXPECT_NEAR(m.at("difference/ce-arcface/tpr@0.001/high"), summary->differences[0].tpr[5].high, 1e-12);
}

}  // namespace
}  // namespace facerec::pipeline
