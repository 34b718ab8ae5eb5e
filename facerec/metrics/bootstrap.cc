#include "facerec/metrics/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "facerec/core/statistics.h"
#include "glog/logging.h"

namespace facerec::metrics {

absl::Status ValidateBootstrapOptions(const BootstrapOptions& options) {
  if (options.replicates < 1) {
    return absl::InvalidArgumentError(absl::StrCat("bootstrap replicates ", options.replicates, ": must be >= 1"));
  }
  if (!(options.confidence > 0 && options.confidence < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bootstrap confidence ", options.confidence, ": must be in (0, 1)"));
  }
  return absl::OkStatus();
}

std::vector<std::vector<int>> DrawMultiplicities(int32_t units, const BootstrapOptions& options) {
  std::mt19937_64 generator(options.seed);
  std::uniform_int_distribution<int32_t> pick(0, std::max(0, units - 1));
  std::vector<std::vector<int>> draws(options.replicates, std::vector<int>(units, 0));
  for (std::vector<int>& m : draws) {
    for (int32_t i = 0; i < units; ++i) ++m[pick(generator)];
  }
  return draws;
}

double Percentile(const std::vector<double>& sorted, double p) {
  CHECK(!sorted.empty());
  const double position = p * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

UnitStatistic MeanOverUnits(std::vector<double> values) {
  return [values = std::move(values)](const std::vector<int>& multiplicity) {
    CHECK_EQ(multiplicity.size(), values.size());
    double sum = 0;
    int64_t weight = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      sum += multiplicity[i] * values[i];
      weight += multiplicity[i];
    }
    return weight > 0 ? sum / static_cast<double>(weight) : std::numeric_limits<double>::quiet_NaN();
  };
}

namespace {

// Per seed, a[s] - b[s] (or a[s] alone when b is empty), under `m`.
std::vector<double> PerSeed(const std::vector<UnitStatistic>& a, const std::vector<UnitStatistic>& b,
                            const std::vector<int>& m) {
  std::vector<double> out(a.size());
  for (size_t s = 0; s < a.size(); ++s) out[s] = a[s](m) - (b.empty() ? 0.0 : b[s](m));
  return out;
}

double Mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

absl::StatusOr<SeedInterval> Interval(int32_t units, const std::vector<UnitStatistic>& a,
                                      const std::vector<UnitStatistic>& b, const BootstrapOptions& options) {
  if (absl::Status status = ValidateBootstrapOptions(options); !status.ok()) return status;
  if (a.empty()) return absl::InvalidArgumentError("no seeds to bootstrap");
  if (units < 1) return absl::InvalidArgumentError(absl::StrCat("bootstrap over ", units, " units: need >= 1"));
  const std::vector<double> measured = PerSeed(a, b, std::vector<int>(units, 1));
  SeedInterval out;
  out.seeds = static_cast<int>(a.size());
  out.mean = Mean(measured);
  out.stddev = SampleStddev(measured);
  const std::vector<std::vector<int>> draws = DrawMultiplicities(units, options);
  std::vector<double> replicates(draws.size());
  for (size_t r = 0; r < draws.size(); ++r) replicates[r] = Mean(PerSeed(a, b, draws[r]));
  std::sort(replicates.begin(), replicates.end());
  out.low = Percentile(replicates, (1 - options.confidence) / 2);
  out.high = Percentile(replicates, (1 + options.confidence) / 2);
  return out;
}

}  // namespace

absl::StatusOr<SeedInterval> BootstrapSeedMean(int32_t units, const std::vector<UnitStatistic>& per_seed,
                                               const BootstrapOptions& options) {
  return Interval(units, per_seed, {}, options);
}

absl::StatusOr<SeedInterval> BootstrapSeedMeanDifference(int32_t units, const std::vector<UnitStatistic>& a,
                                                         const std::vector<UnitStatistic>& b,
                                                         const BootstrapOptions& options) {
  if (a.size() != b.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("paired bootstrap: ", a.size(), " seeds on one side, ", b.size(), " on the other"));
  }
  return Interval(units, a, b, options);
}

}  // namespace facerec::metrics
