// The identification rate of the course protocol, and the open-set TPIR@FPIR.
//
// Identification rate (TPR at fixed FPR over query/distractor pairs):
// embeddings are L2-normalised and compared by cosine similarity. Positive
// pairs are all pairs of query images of one identity; false pairs are query
// pairs of different identities plus every query x distractor pair. For a
// target FPR the threshold is set so that exactly floor(FPR * n_false) false
// pairs score strictly above it (the (k+1)-th largest false score); TPR is the
// share of positive pairs strictly above it. Scores come from two matrix
// products (no similarity is computed pair by pair); one linear pass splits
// the query triangle into positive and false scores, and a radix select (two
// linear passes) finds every threshold at once: no sort of the 3.2 million
// false scores (its time at the real sizes: benchmarks/README.md).
//
//   IdRateResult r = IdentificationRate(query_embeddings, query_ids, distractor_embeddings,
//                                       kCourseFprs);
//   for (const RocPoint& p : r.points) LOG(INFO) << p.target_fpr << " " << p.tpr;
//
// Open-set TPIR@FPIR, rank 1 (Cheng et al., "Surveillance Face Recognition
// Challenge", §3.2.3): the gallery holds, for each query identity, the first
// floor(n/2) of its images in the order given (callers pass them sorted by
// file name) averaged into one normalised template; its other images are the
// mated probes; the distractors are the non-mated probes. A probe's score is
// its best similarity over gallery templates. FPIR(t) = share of non-mated
// probes scoring above t; TPIR(t) = share of mated probes whose best template
// is their own identity and scores above t.
#ifndef FACEREC_METRICS_IDENTIFICATION_RATE_H_
#define FACEREC_METRICS_IDENTIFICATION_RATE_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace facerec::metrics {

inline const std::vector<double> kCourseFprs = {0.5, 0.2, 0.1, 0.05, 0.01, 0.001};
inline const std::vector<double> kOpenSetFpirs = {0.3, 0.1, 0.01};

struct RocPoint {
  double target_fpr = 0;  // Or target FPIR.
  double threshold = 0;
  double tpr = 0;         // Or TPIR.
  int64_t false_above = 0;
};

struct IdRateResult {
  int64_t positive_pairs = 0;
  int64_t false_pairs = 0;
  std::vector<RocPoint> points;  // One per requested FPR, in the order asked.
  // A log-spaced curve from FPR 1e-6 (or 1/n_false) to 1, for plotting. Its
  // thresholds come from a 1-in-32 subsample of the false pairs (the points
  // above are exact).
  std::vector<RocPoint> roc;
};

// `query_embeddings` [Q, d], `distractor_embeddings` [D, d], float, any device.
IdRateResult IdentificationRate(const at::Tensor& query_embeddings,
                                const std::vector<int>& query_ids,
                                const at::Tensor& distractor_embeddings,
                                const std::vector<double>& target_fprs, int roc_points = 64);

// Threshold and TPR for each target FPR from raw scores (exposed for tests
// and for other pair protocols). Does not modify its inputs.
std::vector<RocPoint> TprAtFpr(const std::vector<float>& positive_scores,
                               const std::vector<float>& false_scores,
                               const std::vector<double>& target_fprs);
// The same with positives already sorted ascending and the false scores
// handed over (they are reordered in place: no copy of 3 million floats).
std::vector<RocPoint> TprAtFprSorted(const std::vector<float>& sorted_positives,
                                     std::vector<float> false_scores,
                                     const std::vector<double>& target_fprs);

struct OpenSetResult {
  int64_t gallery_identities = 0;
  int64_t mated_probes = 0;
  int64_t non_mated_probes = 0;
  double rank1_accuracy = 0;       // Closed-set rank-1 of the mated probes.
  std::vector<RocPoint> points;    // target_fpr = FPIR, tpr = TPIR.
};

OpenSetResult TpirAtFpir(const at::Tensor& query_embeddings, const std::vector<int>& query_ids,
                         const at::Tensor& distractor_embeddings,
                         const std::vector<double>& target_fpirs);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_IDENTIFICATION_RATE_H_
