// Confidence intervals for the identification rate (identification_rate.h):
// a bootstrap over query identities, and paired intervals for the difference
// between two recognisers scored on the same query set.
//
// The unit resampled is the query identity. The pairs of one identity's
// images share that identity and are not independent of one another; the
// identities are. The distractors are the protocol's fixed background and are
// never resampled. A replicate draws as many identities as the set has, with
// replacement; an identity drawn m times weighs m in each of its positive
// pairs and its distractor pairs, and m * m' in each pair with an identity
// drawn m' times. Two copies of one identity are never paired with each
// other (they would be pairs of an image with itself).
//
// The pairs are scored once (ScoreIdRatePairs) and every replicate only
// re-weights them, so nothing is re-embedded and no similarity is computed
// again: the false pairs are sorted once, and a replicate walks them from the
// top until its largest target FPR is passed.
//
//   const IdRatePairs arcface = ScoreIdRatePairs(arcface_queries, query_ids, arcface_distractors);
//   const IdRatePairs cosface = ScoreIdRatePairs(cosface_queries, query_ids, cosface_distractors);
//   BootstrapOptions options;  // 1000 replicates, 95 %, seed 1
//   absl::StatusOr<std::vector<IdRateInterval>> tpr = BootstrapIdRate(arcface, kCourseFprs, options);
//   // (*tpr)[2]: TPR at FPR 0.1, its estimate, low and high.
//   absl::StatusOr<std::vector<IdRateInterval>> difference =
//       PairedBootstrapIdRate(arcface, cosface, kCourseFprs, options);
//   // An interval that excludes 0 says which of the two is better at that FPR.
//
// Thread-safety: IdRatePairs is immutable once made; the functions keep no
// state and may be called from several threads on the same pairs.
#ifndef FACEREC_METRICS_ID_RATE_BOOTSTRAP_H_
#define FACEREC_METRICS_ID_RATE_BOOTSTRAP_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/metrics/bootstrap.h"  // BootstrapOptions

namespace facerec::metrics {

// The scored pairs of one recogniser on one query/distractor set. Identities
// are numbered 0..identities-1 by ascending query id.
struct IdRatePairs {
  struct FalsePair {
    float score = 0;
    int32_t a = 0;  // Identity of one query image.
    int32_t b = 0;  // Identity of the other, or `identities` for a distractor.
  };
  int32_t identities = 0;
  std::vector<int> identity_ids;              // Query id of each identity, ascending.
  std::vector<int64_t> images;                // Query images per identity.
  int64_t distractors = 0;
  std::vector<std::vector<float>> positives;  // Per identity, its pairs' scores, ascending.
  std::vector<FalsePair> false_pairs;         // Every false pair, by descending score.
};

// Scores every pair of the protocol (embeddings are L2-normalised, compared
// by cosine), as IdentificationRate does.
IdRatePairs ScoreIdRatePairs(const at::Tensor& query_embeddings, const std::vector<int>& query_ids,
                             const at::Tensor& distractor_embeddings);

// TPR at each target FPR when identity i counts `multiplicity[i]` times
// (module comment). Thresholds follow IdentificationRate: the (k+1)-th
// largest weighted false score for k = floor(FPR * weighted false pairs),
// positives counted strictly above it; with every multiplicity 1 the result
// is IdentificationRate's. Exposed for tests; multiplicity.size() must be
// pairs.identities (CHECKed: a programmer's error).
std::vector<double> IdRateWithMultiplicity(const IdRatePairs& pairs, const std::vector<int>& multiplicity,
                                           const std::vector<double>& target_fprs);


struct IdRateInterval {
  double target_fpr = 0;
  double estimate = 0;  // On the set as it is (every multiplicity 1).
  double low = 0;       // Percentiles of the replicates (linear interpolation
  double high = 0;      // between order statistics, numpy's default).
  double stddev = 0;    // Of the replicates.
};

// The identification rate with a percentile interval per target FPR.
// InvalidArgumentError for replicates < 1 or confidence outside (0, 1), or
// an FPR outside [0, 1].
absl::StatusOr<std::vector<IdRateInterval>> BootstrapIdRate(const IdRatePairs& pairs,
                                                            const std::vector<double>& target_fprs,
                                                            const BootstrapOptions& options);

// The same for the mean over several runs (one recogniser trained with
// several seeds) scored on one query set: each replicate resamples the
// identities once and averages the runs' rates under that resample. Also
// InvalidArgumentError when `runs` is empty or its sets differ.
absl::StatusOr<std::vector<IdRateInterval>> BootstrapIdRate(const std::vector<const IdRatePairs*>& runs,
                                                            const std::vector<double>& target_fprs,
                                                            const BootstrapOptions& options);

// One run's rates under every resample, to combine with other runs' later
// (a recogniser's pairs are large, its replicates small: keep these, drop
// the pairs). Equal options draw equal resamples, so runs replicated apart
// with the same options pair replicate by replicate.
struct IdRateReplicates {
  std::vector<double> target_fprs;
  std::vector<double> estimate;             // Per FPR, every multiplicity 1.
  std::vector<std::vector<double>> values;  // [replicate][FPR].
  BootstrapOptions options;
  // The set the pairs came from, to refuse combining runs of other sets.
  std::vector<int> identity_ids;
  std::vector<int64_t> images;
  int64_t distractors = 0;
};

// InvalidArgumentError as BootstrapIdRate.
absl::StatusOr<IdRateReplicates> ReplicateIdRate(const IdRatePairs& pairs, const std::vector<double>& target_fprs,
                                                 const BootstrapOptions& options);

// The interval of the mean over `runs` (one recogniser's seeds), or of
// mean(a) - mean(b). InvalidArgumentError when a side is empty or the runs
// differ in set, FPRs or bootstrap options.
absl::StatusOr<std::vector<IdRateInterval>> MeanInterval(const std::vector<const IdRateReplicates*>& runs);
absl::StatusOr<std::vector<IdRateInterval>> DifferenceInterval(const std::vector<const IdRateReplicates*>& a,
                                                               const std::vector<const IdRateReplicates*>& b);

// TPR(a) - TPR(b) per target FPR, each replicate applying the same resample
// to both. InvalidArgumentError as BootstrapIdRate, or when a and b were not
// scored on the same query identities with the same image counts.
absl::StatusOr<std::vector<IdRateInterval>> PairedBootstrapIdRate(const IdRatePairs& a, const IdRatePairs& b,
                                                                  const std::vector<double>& target_fprs,
                                                                  const BootstrapOptions& options);

// mean(a's runs) - mean(b's runs), the same resample applied to every run:
// two losses each trained with the same seeds.
absl::StatusOr<std::vector<IdRateInterval>> PairedBootstrapIdRate(const std::vector<const IdRatePairs*>& a,
                                                                  const std::vector<const IdRatePairs*>& b,
                                                                  const std::vector<double>& target_fprs,
                                                                  const BootstrapOptions& options);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_ID_RATE_BOOTSTRAP_H_
