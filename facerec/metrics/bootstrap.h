// Bootstrap intervals over independent units: the faces a landmark error is
// averaged over, the photos a detector's AP is computed on, the identities
// of an identification rate (id_rate_bootstrap.h). A replicate draws as
// many units as there are, with replacement; unit i drawn m times weighs m.
// One BootstrapOptions::seed gives the same draws to every model scored on
// the same units, so two models (or two seeds of one) pair replicate by
// replicate and a difference gets an interval of its own.
//
// For one configuration trained with several seeds, the statistic is the
// mean over the seeds: each replicate resamples the units once and averages
// every seed's statistic under that resample. The seeds themselves are not
// resampled (three are too few); their spread is reported as a standard
// deviation beside the interval.
//
//   // Per-face NME of one net per seed, the same faces in the same order.
//   std::vector<UnitStatistic> nme = {MeanOverUnits(seed1), MeanOverUnits(seed2),
//                                     MeanOverUnits(seed3)};
//   absl::StatusOr<SeedInterval> s = BootstrapSeedMean(2995, nme, BootstrapOptions());
//   // s->mean ± s->stddev over the seeds; [s->low, s->high] over the faces.
//   absl::StatusOr<SeedInterval> d =
//       BootstrapSeedMeanDifference(2995, nme, nme_without_refinement, BootstrapOptions());
//   // d excludes 0 (d->low > 0 or d->high < 0): a measurable difference.
//
// Thread-safety: functions of their arguments; the replicates run on the
// calling thread (a statistic of a few thousand units takes microseconds).
#ifndef FACEREC_METRICS_BOOTSTRAP_H_
#define FACEREC_METRICS_BOOTSTRAP_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace facerec::metrics {

struct BootstrapOptions {
  // Replicates drawn. Default 1000.
  int replicates = 1000;
  // Coverage of the percentile interval, in (0, 1). Default 0.95.
  double confidence = 0.95;
  // Seeds the draws; equal seeds give equal replicates, so two models
  // bootstrapped apart with one seed see the same resamples. Default 1.
  uint64_t seed = 1;
};

// InvalidArgumentError naming the bad field.
absl::Status ValidateBootstrapOptions(const BootstrapOptions& options);

// Per replicate, how many times each of `units` units was drawn
// ([options.replicates][units], each row summing to `units`).
std::vector<std::vector<int>> DrawMultiplicities(int32_t units, const BootstrapOptions& options);

// numpy's default percentile of ascending `sorted` (linear between order
// statistics); p in [0, 1], sorted non-empty (CHECKed).
double Percentile(const std::vector<double>& sorted, double p);

// A statistic of one model's results when unit i counts multiplicity[i]
// times; with every multiplicity 1 it is the statistic as measured.
using UnitStatistic = std::function<double(const std::vector<int>& multiplicity)>;

// The multiplicity-weighted mean of `values` (one per unit); NaN when every
// weight is 0.
UnitStatistic MeanOverUnits(std::vector<double> values);

struct SeedInterval {
  double mean = 0;    // Over the seeds, every unit once.
  double stddev = 0;  // Sample standard deviation over the seeds; 0 for one.
  int seeds = 0;
  double low = 0;     // Percentile interval of the seeds' mean over the
  double high = 0;    // replicates (options.confidence).
  // True when [low, high] leaves out 0: for a difference, a measurable one.
  bool ExcludesZero() const { return low > 0 || high < 0; }
};

// The mean over seeds of per_seed[s], with its interval over `units`.
// InvalidArgumentError for no seeds, units < 1 or bad options.
absl::StatusOr<SeedInterval> BootstrapSeedMean(int32_t units, const std::vector<UnitStatistic>& per_seed,
                                               const BootstrapOptions& options);

// mean over seeds of (a[s] - b[s]): two variants measured on the same units
// with the same seeds (a model evaluated two ways, or two configurations
// trained with the same seeds), each replicate applying one resample to
// both. The stddev is that of the per-seed differences. InvalidArgumentError
// as BootstrapSeedMean, or when a and b have different seed counts.
absl::StatusOr<SeedInterval> BootstrapSeedMeanDifference(int32_t units, const std::vector<UnitStatistic>& a,
                                                         const std::vector<UnitStatistic>& b,
                                                         const BootstrapOptions& options);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_BOOTSTRAP_H_
