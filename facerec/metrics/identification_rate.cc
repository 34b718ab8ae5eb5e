#include "facerec/metrics/identification_rate.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <torch/torch.h>

#include "facerec/metrics/unit_rows.h"
#include "glog/logging.h"

namespace facerec::metrics {
namespace {

std::vector<float> ToVector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat32).cpu().contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Order-preserving map of a float to an unsigned key (larger float, larger key).
uint32_t OrderedKey(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

// For each k (any order), the (k+1)-th largest value of `values` (or -inf
// when k >= n, so everything is above it). A radix select: one pass builds a
// histogram of the top 16 key bits, the counts locate each k's bucket, a
// second pass gathers just those buckets, and nth_element finishes inside
// them. Two linear passes instead of a sort or a chain of selections.
std::vector<double> KthLargest(const std::vector<float>& values, const std::vector<int64_t>& ks) {
  constexpr int kBuckets = 1 << 16;
  std::vector<int64_t> histogram(kBuckets, 0);
  for (float v : values) ++histogram[OrderedKey(v) >> 16];
  const auto n = static_cast<int64_t>(values.size());
  // For each k: its bucket and its rank inside the bucket (from the top).
  std::vector<int> bucket_of(ks.size(), -1);
  std::vector<int64_t> rank_in_bucket(ks.size(), 0);
  std::vector<int> slot(kBuckets, -1);
  int slots = 0;
  for (size_t i = 0; i < ks.size(); ++i) {
    if (ks[i] >= n) continue;
    int64_t above = 0;
    int b = kBuckets - 1;
    while (above + histogram[b] <= ks[i]) above += histogram[b--];
    bucket_of[i] = b;
    rank_in_bucket[i] = ks[i] - above;
    if (slot[b] < 0) slot[b] = slots++;
  }
  std::vector<std::vector<float>> gathered(slots);
  for (float v : values) {
    const int s = slot[OrderedKey(v) >> 16];
    if (s >= 0) gathered[s].push_back(v);
  }
  std::vector<double> result(ks.size(), -std::numeric_limits<double>::infinity());
  for (size_t i = 0; i < ks.size(); ++i) {
    if (bucket_of[i] < 0) continue;
    std::vector<float>& bucket = gathered[slot[bucket_of[i]]];
    auto nth = bucket.begin() + rank_in_bucket[i];
    std::nth_element(bucket.begin(), nth, bucket.end(), std::greater<float>());
    result[i] = *nth;
  }
  return result;
}

std::vector<double> LogSpacedFprs(int64_t n_false, int count) {
  const double lowest = std::max(1e-6, 1.0 / std::max<int64_t>(1, n_false));
  std::vector<double> fprs;
  for (int i = 0; i < count; ++i) {
    fprs.push_back(std::pow(10.0, std::log10(lowest) * (1.0 - static_cast<double>(i) / (count - 1))));
  }
  return fprs;
}

}  // namespace

std::vector<RocPoint> TprAtFprSorted(const std::vector<float>& sorted_positives,
                                     std::vector<float> false_scores,
                                     const std::vector<double>& target_fprs) {
  const auto n_false = static_cast<int64_t>(false_scores.size());
  std::vector<int64_t> ks;
  for (double fpr : target_fprs) {
    CHECK(fpr >= 0 && fpr <= 1) << "target FPR " << fpr << " outside [0, 1]";
    ks.push_back(static_cast<int64_t>(std::floor(fpr * static_cast<double>(n_false) + 1e-9)));
  }
  const std::vector<double> thresholds = KthLargest(false_scores, ks);
  std::vector<RocPoint> points;
  for (size_t i = 0; i < target_fprs.size(); ++i) {
    const double t = thresholds[i];
    // Positives strictly above t.
    const auto above =
        sorted_positives.end() - std::upper_bound(sorted_positives.begin(), sorted_positives.end(),
                                                  t, [](double v, float p) { return v < p; });
    RocPoint point;
    point.target_fpr = target_fprs[i];
    point.threshold = t;
    point.tpr = sorted_positives.empty() ? 0.0 : static_cast<double>(above) / sorted_positives.size();
    point.false_above = std::min(ks[i], n_false);
    points.push_back(point);
  }
  return points;
}

std::vector<RocPoint> TprAtFpr(const std::vector<float>& positive_scores,
                               const std::vector<float>& false_scores,
                               const std::vector<double>& target_fprs) {
  std::vector<float> positives = positive_scores;
  std::sort(positives.begin(), positives.end());
  return TprAtFprSorted(positives, false_scores, target_fprs);
}

IdRateResult IdentificationRate(const torch::Tensor& query_embeddings,
                                const std::vector<int>& query_ids,
                                const torch::Tensor& distractor_embeddings,
                                const std::vector<double>& target_fprs, int roc_points) {
  torch::NoGradGuard no_grad;
  const int64_t q = query_embeddings.size(0);
  CHECK_EQ(q, static_cast<int64_t>(query_ids.size()));
  const torch::Tensor queries = UnitRows(query_embeddings);
  const torch::Tensor distractors = UnitRows(distractor_embeddings);
  const torch::Tensor qq = torch::mm(queries, queries.t()).contiguous();
  const torch::Tensor qd = torch::mm(queries, distractors.t()).contiguous();
  // Split the upper triangle of the Q x Q scores into positive and false
  // pairs in one pass over the matrix (tensor masking costs ~10x more here),
  // straight into the buffer that then takes every query x distractor score.
  const float* scores = qq.data_ptr<float>();
  const int64_t query_pairs = q * (q - 1) / 2;
  std::vector<float> positives;
  std::vector<float> falses;
  falses.reserve(static_cast<size_t>(query_pairs + qd.numel()));
  for (int64_t i = 0; i < q; ++i) {
    const float* row = scores + i * q;
    for (int64_t j = i + 1; j < q; ++j) {
      (query_ids[i] == query_ids[j] ? positives : falses).push_back(row[j]);
    }
  }
  falses.insert(falses.end(), qd.data_ptr<float>(), qd.data_ptr<float>() + qd.numel());

  IdRateResult result;
  result.positive_pairs = static_cast<int64_t>(positives.size());
  result.false_pairs = static_cast<int64_t>(falses.size());
  std::sort(positives.begin(), positives.end());
  if (roc_points >= 2) {
    // The plotting curve comes from a 1-in-kRocStride subsample of the false
    // pairs: exact enough to draw, at a fraction of the selections' cost.
    constexpr size_t kRocStride = 32;
    std::vector<float> sample;
    sample.reserve(falses.size() / kRocStride + 1);
    for (size_t i = 0; i < falses.size(); i += kRocStride) sample.push_back(falses[i]);
    result.roc = TprAtFprSorted(positives, std::move(sample),
                                LogSpacedFprs(result.false_pairs, roc_points));
  }
  result.points = TprAtFprSorted(positives, std::move(falses), target_fprs);
  return result;
}

OpenSetResult TpirAtFpir(const torch::Tensor& query_embeddings, const std::vector<int>& query_ids,
                         const torch::Tensor& distractor_embeddings,
                         const std::vector<double>& target_fpirs) {
  torch::NoGradGuard no_grad;
  const torch::Tensor queries = UnitRows(query_embeddings);
  const torch::Tensor distractors = UnitRows(distractor_embeddings);
  // Gallery: the first floor(n/2) images of each identity, in input order.
  std::map<int, std::vector<int64_t>> by_identity;
  for (size_t i = 0; i < query_ids.size(); ++i) by_identity[query_ids[i]].push_back(i);
  std::vector<torch::Tensor> templates;
  std::vector<int64_t> probe_rows;
  std::vector<int64_t> probe_labels;  // Index into templates.
  for (const auto& [identity, rows] : by_identity) {
    const size_t gallery = rows.size() / 2;
    if (gallery == 0) continue;  // A lone image cannot be both gallery and probe.
    const torch::Tensor g = queries.index({torch::tensor(std::vector<int64_t>(
        rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(gallery)))});
    const int64_t label = static_cast<int64_t>(templates.size());
    templates.push_back(g.mean(0));
    for (size_t j = gallery; j < rows.size(); ++j) {
      probe_rows.push_back(rows[j]);
      probe_labels.push_back(label);
    }
  }
  const torch::Tensor gallery = UnitRows(torch::stack(templates));
  const torch::Tensor mated = queries.index({torch::tensor(probe_rows)});
  const auto [mated_best, mated_argmax] = torch::mm(mated, gallery.t()).max(1);
  const torch::Tensor correct = mated_argmax.eq(torch::tensor(probe_labels));
  const torch::Tensor non_mated_best = std::get<0>(torch::mm(distractors, gallery.t()).max(1));

  OpenSetResult result;
  result.gallery_identities = static_cast<int64_t>(templates.size());
  result.mated_probes = static_cast<int64_t>(probe_rows.size());
  result.non_mated_probes = distractors.size(0);
  result.rank1_accuracy = correct.to(torch::kFloat64).mean().item<double>();
  // Correct mated scores; wrong rank-1 matches never count, whatever the threshold.
  std::vector<float> hits = ToVector(mated_best.masked_select(correct));
  std::vector<float> misses(static_cast<size_t>(result.mated_probes) - hits.size(),
                            -std::numeric_limits<float>::infinity());
  hits.insert(hits.end(), misses.begin(), misses.end());
  result.points = TprAtFpr(hits, ToVector(non_mated_best), target_fpirs);
  return result;
}

}  // namespace facerec::metrics
