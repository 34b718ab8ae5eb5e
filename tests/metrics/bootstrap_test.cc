// The seed-mean bootstrap against a brute force that resamples the units'
// values physically, and its intervals' behaviour on data with a known answer.
#include "facerec/metrics/bootstrap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace facerec::metrics {
namespace {

std::vector<double> RandomValues(int n, double mean, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(mean, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = noise(rng);
  return v;
}

double PlainMean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

TEST(BootstrapTest, DrawsAreReproducibleAndEachReplicateDrawsEveryUnitOnce) {
  BootstrapOptions options;
  options.replicates = 20;
  const auto a = DrawMultiplicities(50, options);
  const auto b = DrawMultiplicities(50, options);
  EXPECT_EQ(a, b);
  for (const auto& m : a) {
    int total = 0;
    for (int x : m) total += x;
    EXPECT_EQ(total, 50);
  }
  options.seed = 2;
  EXPECT_NE(DrawMultiplicities(50, options), a);
}

TEST(BootstrapTest, PercentileInterpolatesAsNumpyDoes) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(Percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(Percentile(v, 1), 4);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.25), 1.75);
}

TEST(BootstrapTest, TheSeedMeanIntervalIsTheBruteForceResampleOfTheValues) {
  const int n = 40;
  const std::vector<std::vector<double>> seeds = {RandomValues(n, 5, 1), RandomValues(n, 5.5, 2),
                                                  RandomValues(n, 4.5, 3)};
  std::vector<UnitStatistic> statistics;
  for (const auto& v : seeds) statistics.push_back(MeanOverUnits(v));
  BootstrapOptions options;
  options.replicates = 200;
  absl::StatusOr<SeedInterval> s = BootstrapSeedMean(n, statistics, options);
  ASSERT_TRUE(s.ok()) << s.status();
  // Brute force: copy each drawn unit's values out, average, then over seeds.
  std::vector<double> replicates;
  for (const std::vector<int>& m : DrawMultiplicities(n, options)) {
    double over_seeds = 0;
    for (const auto& v : seeds) {
      std::vector<double> drawn;
      for (int i = 0; i < n; ++i) drawn.insert(drawn.end(), m[i], v[i]);
      over_seeds += PlainMean(drawn);
    }
    replicates.push_back(over_seeds / seeds.size());
  }
  std::sort(replicates.begin(), replicates.end());
  EXPECT_NEAR(s->low, Percentile(replicates, 0.025), 1e-12);
  EXPECT_NEAR(s->high, Percentile(replicates, 0.975), 1e-12);
  const std::vector<double> means = {PlainMean(seeds[0]), PlainMean(seeds[1]), PlainMean(seeds[2])};
  const double mean = PlainMean(means);
  EXPECT_NEAR(s->mean, mean, 1e-12);
  double squares = 0;
  for (double m : means) squares += (m - mean) * (m - mean);
  EXPECT_NEAR(s->stddev, std::sqrt(squares / 2), 1e-12);
  EXPECT_EQ(s->seeds, 3);
  EXPECT_LT(s->low, s->mean);
  EXPECT_GT(s->high, s->mean);
}

TEST(BootstrapTest, AConstantShiftOnEveryUnitIsADifferenceThatExcludesZero) {
  const int n = 100;
  std::vector<UnitStatistic> a, b, same;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    std::vector<double> v = RandomValues(n, 5, seed);
    same.push_back(MeanOverUnits(v));
    std::vector<double> shifted = v;
    for (double& x : shifted) x += 0.1;
    a.push_back(MeanOverUnits(shifted));
    b.push_back(MeanOverUnits(v));
  }
  absl::StatusOr<SeedInterval> d = BootstrapSeedMeanDifference(n, a, b, BootstrapOptions());
  ASSERT_TRUE(d.ok()) << d.status();
  // Paired: the unit-to-unit noise cancels, the shift stays exactly.
  EXPECT_NEAR(d->mean, 0.1, 1e-9);
  EXPECT_NEAR(d->low, 0.1, 1e-9);
  EXPECT_NEAR(d->high, 0.1, 1e-9);
  EXPECT_TRUE(d->ExcludesZero());
  absl::StatusOr<SeedInterval> none = BootstrapSeedMeanDifference(n, same, b, BootstrapOptions());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->ExcludesZero());
}

TEST(BootstrapTest, IndependentNoiseGivesADifferenceIntervalAroundZero) {
  const int n = 200;
  std::vector<UnitStatistic> a, b;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    a.push_back(MeanOverUnits(RandomValues(n, 5, seed)));
    b.push_back(MeanOverUnits(RandomValues(n, 5, 100 + seed)));
  }
  absl::StatusOr<SeedInterval> d = BootstrapSeedMeanDifference(n, a, b, BootstrapOptions());
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->ExcludesZero()) << d->low << " " << d->high;
}

TEST(BootstrapTest, BadInputIsRefusedWithAReason) {
  std::vector<UnitStatistic> one = {MeanOverUnits({1, 2})};
  BootstrapOptions bad;
  bad.replicates = 0;
  EXPECT_EQ(BootstrapSeedMean(2, one, bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = BootstrapOptions();
  bad.confidence = 1;
  EXPECT_EQ(BootstrapSeedMean(2, one, bad).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BootstrapSeedMean(2, {}, BootstrapOptions()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BootstrapSeedMean(0, one, BootstrapOptions()).status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<UnitStatistic> two = {MeanOverUnits({1, 2}), MeanOverUnits({2, 3})};
  EXPECT_EQ(BootstrapSeedMeanDifference(2, one, two, BootstrapOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facerec::metrics
