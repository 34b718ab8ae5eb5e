// A stage trained with several seeds and measured on sets of independent
// units (faces for the landmark net's NME, photos for the detector's AP),
// as intervals: per variant, set and metric, the seeds' mean ± std and a
// bootstrap interval over the set's units (metrics/bootstrap.h); per
// variant after the first, its paired difference from the first (same
// seeds, same resamples), which says whether the variant changes anything
// measurably. compare_losses has the same for recognisers
// (seed_comparison.h); train_landmarks and train_detector --seeds use this.
//
//   SeedIntervals intervals(metrics::BootstrapOptions{});  // 1000 replicates, 95 %
//   for (const Net& net : seed_nets) {                      // seeds in one order
//     intervals.Add("default", "afw", "nme", faces, metrics::MeanOverUnits(NmeOf(net, afw)));
//     intervals.Add("no_refinement", "afw", "nme", faces,
//                   metrics::MeanOverUnits(NmeOf(net, afw, /*refine=*/0)));
//   }
//   FACEREC_ASSIGN_OR_RETURN(std::vector<SeedIntervalRow> rows, intervals.Summarise());
//   std::cout << SeedIntervalTable(rows, /*percent=*/true);
//   FACEREC_RETURN_IF_ERROR(RecordSeedIntervals(rows, run));
//
// Thread-safety: SeedIntervals is not thread-safe.
#ifndef FACEREC_PIPELINE_SEED_INTERVALS_H_
#define FACEREC_PIPELINE_SEED_INTERVALS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "facerec/metrics/bootstrap.h"
#include "facerec/tracking/run.h"

namespace facerec::pipeline {

struct SeedIntervalRow {
  std::string variant;
  std::string set;
  std::string metric;
  int32_t units = 0;
  metrics::SeedInterval value;
  // value(variant) - value(first variant) on the same set and metric; empty
  // for the first variant and where it did not measure the set.
  std::optional<metrics::SeedInterval> difference;
};

class SeedIntervals {
 public:
  explicit SeedIntervals(const metrics::BootstrapOptions& options) : options_(options) {}

  // One seed's `statistic` of `variant` on `set`, over `units` units. Add
  // the seeds in one order for every (variant, set, metric): the k-th Add of
  // each is seed k. InvalidArgumentError when `units` differs from an earlier
  // Add of the same set.
  absl::Status Add(const std::string& variant, const std::string& set, const std::string& metric,
                   int32_t units, metrics::UnitStatistic statistic);

  // Rows in the order first added. InvalidArgumentError when the variants
  // of one set and metric have different seed counts, or bad options.
  absl::StatusOr<std::vector<SeedIntervalRow>> Summarise() const;

  const metrics::BootstrapOptions& options() const { return options_; }

 private:
  struct Entry {
    std::string variant, set, metric;
    int32_t units = 0;
    std::vector<metrics::UnitStatistic> seeds;
  };
  metrics::BootstrapOptions options_;
  std::vector<Entry> entries_;
};

// The rows as a text table: mean ± std over seeds, the interval, and the
// difference from the first variant marked "*" where its interval excludes
// 0. `percent` shows values × 100.
std::string SeedIntervalTable(const std::vector<SeedIntervalRow>& rows, bool percent);

// Into `run`: metrics <variant>/<set>/<metric>/mean, /std, /low, /high,
// /units, /seeds and
// difference/<variant>-<first variant>/<set>/<metric>/estimate, /std, /low,
// /high, each at step = the row's index in `rows` (the order measured), and
// params bootstrap_replicates, bootstrap_confidence, bootstrap_seed.
absl::Status RecordSeedIntervals(const std::vector<SeedIntervalRow>& rows,
                                 const metrics::BootstrapOptions& options, tracking::Run* run);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_SEED_INTERVALS_H_
