#include "facerec/metrics/identification_rate.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>

#include "glog/logging.h"

namespace facerec::metrics {
namespace {

torch::Tensor Normalised(const torch::Tensor& x) {
  return torch::nn::functional::normalize(
             x.to(torch::kFloat32), torch::nn::functional::NormalizeFuncOptions().dim(1))
      .cpu()
      .contiguous();
}

std::vector<float> ToVector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat32).cpu().contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// For each k (any order), the (k+1)-th largest value of `values` (or -inf
// when k >= n, so everything is above it). Reorders `values`.
std::vector<double> KthLargest(std::vector<float>& values, const std::vector<int64_t>& ks) {
  std::vector<size_t> order(ks.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest k first: each later selection only needs the prefix before it.
  std::sort(order.begin(), order.end(), [&ks](size_t a, size_t b) { return ks[a] > ks[b]; });
  std::vector<double> result(ks.size());
  auto end = values.end();
  for (size_t i : order) {
    const int64_t k = ks[i];
    if (k >= static_cast<int64_t>(values.size())) {
      result[i] = -std::numeric_limits<double>::infinity();
      continue;
    }
    auto nth = values.begin() + k;
    std::nth_element(values.begin(), nth, end, std::greater<float>());
    result[i] = *nth;
    end = nth + 1;  // Elements before nth are >= it; smaller k live there.
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

std::vector<RocPoint> TprAtFpr(const std::vector<float>& positive_scores,
                               const std::vector<float>& false_scores,
                               const std::vector<double>& target_fprs) {
  const auto n_false = static_cast<int64_t>(false_scores.size());
  std::vector<int64_t> ks;
  for (double fpr : target_fprs) {
    CHECK(fpr >= 0 && fpr <= 1) << "target FPR " << fpr << " outside [0, 1]";
    ks.push_back(static_cast<int64_t>(std::floor(fpr * static_cast<double>(n_false) + 1e-9)));
  }
  std::vector<float> scratch = false_scores;
  const std::vector<double> thresholds = KthLargest(scratch, ks);
  std::vector<float> positives = positive_scores;
  std::sort(positives.begin(), positives.end());
  std::vector<RocPoint> points;
  for (size_t i = 0; i < target_fprs.size(); ++i) {
    const double t = thresholds[i];
    // Positives strictly above t.
    const auto above = positives.end() - std::upper_bound(positives.begin(), positives.end(), t,
                                                          [](double v, float p) { return v < p; });
    RocPoint point;
    point.target_fpr = target_fprs[i];
    point.threshold = t;
    point.tpr = positives.empty() ? 0.0 : static_cast<double>(above) / positives.size();
    point.false_above = ks[i];
    points.push_back(point);
  }
  return points;
}

IdRateResult IdentificationRate(const torch::Tensor& query_embeddings,
                                const std::vector<int>& query_ids,
                                const torch::Tensor& distractor_embeddings,
                                const std::vector<double>& target_fprs, int roc_points) {
  torch::NoGradGuard no_grad;
  const int64_t q = query_embeddings.size(0);
  CHECK_EQ(q, static_cast<int64_t>(query_ids.size()));
  const torch::Tensor queries = Normalised(query_embeddings);
  const torch::Tensor distractors = Normalised(distractor_embeddings);
  const torch::Tensor ids = torch::tensor(query_ids, torch::kInt64);

  const torch::Tensor upper = torch::triu_indices(q, q, /*offset=*/1);
  const torch::Tensor qq = torch::mm(queries, queries.t());
  const torch::Tensor pair_scores = qq.index({upper[0], upper[1]});
  const torch::Tensor same = ids.index({upper[0]}).eq(ids.index({upper[1]}));

  std::vector<float> positives = ToVector(pair_scores.masked_select(same));
  std::vector<float> falses = ToVector(pair_scores.masked_select(same.logical_not()));
  const std::vector<float> qd = ToVector(torch::mm(queries, distractors.t()));
  falses.insert(falses.end(), qd.begin(), qd.end());

  IdRateResult result;
  result.positive_pairs = static_cast<int64_t>(positives.size());
  result.false_pairs = static_cast<int64_t>(falses.size());
  std::vector<double> all_fprs = target_fprs;
  const std::vector<double> curve = LogSpacedFprs(result.false_pairs, roc_points);
  if (roc_points >= 2) all_fprs.insert(all_fprs.end(), curve.begin(), curve.end());
  std::vector<RocPoint> points = TprAtFpr(positives, falses, all_fprs);
  result.points.assign(points.begin(), points.begin() + target_fprs.size());
  result.roc.assign(points.begin() + target_fprs.size(), points.end());
  return result;
}

OpenSetResult TpirAtFpir(const torch::Tensor& query_embeddings, const std::vector<int>& query_ids,
                         const torch::Tensor& distractor_embeddings,
                         const std::vector<double>& target_fpirs) {
  torch::NoGradGuard no_grad;
  const torch::Tensor queries = Normalised(query_embeddings);
  const torch::Tensor distractors = Normalised(distractor_embeddings);
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
  const torch::Tensor gallery = Normalised(torch::stack(templates));
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
