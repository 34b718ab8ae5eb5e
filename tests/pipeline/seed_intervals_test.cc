// SeedIntervals on synthetic per-unit errors whose answer is known: a
// variant that shifts every unit is a difference, one that does not is not,
// and the summary lands in the store under the documented keys.
#include "facerec/pipeline/seed_intervals.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>

#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"

namespace facerec::pipeline {
namespace {

std::vector<double> Errors(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> g(2.0, 0.03);
  std::vector<double> v(n);
  for (double& x : v) x = g(rng);
  return v;
}

metrics::BootstrapOptions FewReplicates() {
  metrics::BootstrapOptions o;
  o.replicates = 300;
  return o;
}

// Three seeds of a net on 200 faces: "default", "shifted" (every face +0.01)
// and "reshuffled" (another draw of the same distribution).
SeedIntervals ThreeVariants() {
  SeedIntervals intervals(FewReplicates());
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const std::vector<double> e = Errors(200, seed);
    std::vector<double> shifted = e;
    for (double& x : shifted) x += 0.01;
    EXPECT_TRUE(intervals.Add("default", "afw", "nme", 200, metrics::MeanOverUnits(e)).ok());
    EXPECT_TRUE(intervals.Add("shifted", "afw", "nme", 200, metrics::MeanOverUnits(shifted)).ok());
    EXPECT_TRUE(intervals.Add("reshuffled", "afw", "nme", 200, metrics::MeanOverUnits(Errors(200, 50 + seed))).ok());
  }
  return intervals;
}

TEST(SeedIntervalsTest, AVariantShiftingEveryFaceDiffersAndAnotherDrawDoesNot) {
  absl::StatusOr<std::vector<SeedIntervalRow>> rows = ThreeVariants().Summarise();
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].variant, "default");
  EXPECT_FALSE((*rows)[0].difference.has_value());
  EXPECT_EQ((*rows)[0].value.seeds, 3);
  EXPECT_LT((*rows)[0].value.low, (*rows)[0].value.mean);
  EXPECT_GT((*rows)[0].value.high, (*rows)[0].value.mean);
  ASSERT_TRUE((*rows)[1].difference.has_value());
  EXPECT_NEAR((*rows)[1].difference->mean, 0.01, 1e-12);
  EXPECT_TRUE((*rows)[1].difference->ExcludesZero());
  ASSERT_TRUE((*rows)[2].difference.has_value());
  EXPECT_FALSE((*rows)[2].difference->ExcludesZero());
  const std::string table = SeedIntervalTable(*rows, /*percent=*/true);
  EXPECT_NE(table.find("shifted"), std::string::npos);
  EXPECT_NE(table.find("1.00 ["), std::string::npos) << table;  // The shift, in %.
}

TEST(SeedIntervalsTest, MismatchedUnitsOrSeedCountsAreRefused) {
  SeedIntervals intervals(FewReplicates());
  ASSERT_TRUE(intervals.Add("default", "afw", "nme", 3, metrics::MeanOverUnits({1, 2, 3})).ok());
  EXPECT_EQ(intervals.Add("other", "afw", "nme", 4, metrics::MeanOverUnits({1, 2, 3, 4})).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(intervals.Add("other", "afw", "nme", 3, metrics::MeanOverUnits({1, 2, 3})).ok());
  ASSERT_TRUE(intervals.Add("other", "afw", "nme", 3, metrics::MeanOverUnits({1, 2, 4})).ok());
  EXPECT_EQ(intervals.Summarise().status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SeedIntervals(FewReplicates()).Summarise().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SeedIntervalsTest, TheIntervalsAreRecordedUnderVariantSetAndMetric) {
  absl::StatusOr<std::vector<SeedIntervalRow>> rows = ThreeVariants().Summarise();
  ASSERT_TRUE(rows.ok());
  const std::string path = ::testing::TempDir() + "/seed_intervals.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = tracking::ExperimentStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  tracking::RunOptions options;
  options.experiment = tracking::kTrainLandmarks;
  auto run = tracking::Run::Start(store->get(), options);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_TRUE(RecordSeedIntervals(*rows, FewReplicates(), run->get()).ok());
  auto params = (*store)->GetParams((*run)->id());
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(params->at("bootstrap_replicates"), "300");
  auto points = (*store)->GetMetrics((*run)->id());
  ASSERT_TRUE(points.ok());
  std::map<std::string, double> m;
  for (const tracking::MetricPoint& p : *points) m[p.key] = p.value;
  EXPECT_DOUBLE_EQ(m.at("default/afw/nme/mean"), (*rows)[0].value.mean);
  EXPECT_DOUBLE_EQ(m.at("default/afw/nme/high"), (*rows)[0].value.high);
  EXPECT_DOUBLE_EQ(m.at("difference/shifted-default/afw/nme/low"), (*rows)[1].difference->low);
  EXPECT_EQ(m.count("difference/default-default/afw/nme/low"), 0u);
}

}  // namespace
}  // namespace facerec::pipeline
