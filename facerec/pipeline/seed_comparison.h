// Losses compared over several seeds (compare_losses --seeds=1,2,3): per
// loss, every metric's mean and standard deviation over its seeds and the
// identification rate's bootstrap interval over query identities; per pair
// of losses, the interval of their difference with the same seeds and the
// same resamples, which says which differences are more than noise
// (metrics/id_rate_bootstrap.h).
//
//   SeedComparison comparison(metrics::BootstrapOptions{});  // 1000 replicates, 95 %
//   for (const Trained& t : runs) {
//     FACEREC_RETURN_IF_ERROR(comparison.Add(t.loss, t.seed, t.run_uid, t.result, query_ids));
//   }
//   FACEREC_ASSIGN_OR_RETURN(const SeedSummary summary, comparison.Summarise());
//   std::cout << SeedSummaryTable(summary);
//   FACEREC_RETURN_IF_ERROR(RecordSeedSummary(summary, run));  // a run of "loss_comparison"
//
// Add scores a run's pairs and replicates its identification rate at once,
// keeping only the replicates (kilobytes), so a comparison of many runs
// holds no embeddings.
//
// Thread-safety: SeedComparison is not thread-safe; Add uses LibTorch's threads.
#ifndef FACEREC_PIPELINE_SEED_COMPARISON_H_
#define FACEREC_PIPELINE_SEED_COMPARISON_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "facerec/metrics/id_rate_bootstrap.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/tracking/run.h"

namespace facerec::pipeline {

struct MeanStd {
  double mean = 0;
  double stddev = 0;  // Sample standard deviation; 0 for one seed.
  int seeds = 0;      // Seeds that had the metric (heads' accuracies are absent for embedding losses).
};

struct LossOverSeeds {
  std::string loss;
  std::vector<int64_t> seeds;
  std::vector<std::string> run_uids;                  // One per seed, in the same order.
  std::vector<std::pair<std::string, MeanStd>> metrics;  // "tpr@0.1", "tpir@0.1", "lfw", ... in table order.
  std::vector<metrics::IdRateInterval> tpr;           // The seeds' mean TPR at each course FPR, with its interval.
};

struct LossDifference {
  std::string a, b;
  std::vector<int64_t> seeds;                // The seeds both have.
  std::vector<metrics::IdRateInterval> tpr;  // mean(a) - mean(b) at each course FPR.
};

struct SeedSummary {
  metrics::BootstrapOptions options;
  std::vector<LossOverSeeds> losses;       // In the order added.
  std::vector<LossDifference> differences;  // Every pair of losses, in that order.
};

class SeedComparison {
 public:
  explicit SeedComparison(const metrics::BootstrapOptions& options) : options_(options) {}

  // One trained run. `result` must hold the celebA_ir embeddings
  // (RecognitionResult::query_embeddings, distractor_embeddings) of the
  // queries labelled `query_ids`. InvalidArgumentError for a loss and seed
  // added twice, a result without embeddings or bad bootstrap options.
  absl::Status Add(const std::string& loss, int64_t seed, const std::string& run_uid, const RecognitionResult& result,
                   const std::vector<int>& query_ids);

  // FailedPreconditionError when nothing was added.
  absl::StatusOr<SeedSummary> Summarise() const;

 private:
  struct Entry {
    std::string loss;
    int64_t seed = 0;
    std::string run_uid;
    std::vector<std::pair<std::string, double>> metrics;
    metrics::IdRateReplicates replicates;
  };
  metrics::BootstrapOptions options_;
  std::vector<Entry> entries_;
};

// The summary as text: mean ± std of every metric per loss, the TPR
// intervals, and the paired differences marked where the interval excludes 0.
std::string SeedSummaryTable(const SeedSummary& summary);

// Into `run` (experiment "loss_comparison"): params bootstrap_* and
// run/<loss>/seed<k> = run uid; metrics <loss>/<metric>/mean and /std,
// <loss>/tpr@<fpr>/low and /high, difference/<a>-<b>/tpr@<fpr>/estimate, /low
// and /high (step 0).
absl::Status RecordSeedSummary(const SeedSummary& summary, tracking::Run* run);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_SEED_COMPARISON_H_
