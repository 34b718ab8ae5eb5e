#include "facerec/metrics/id_rate_bootstrap.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "facerec/metrics/unit_rows.h"
#include "glog/logging.h"

namespace facerec::metrics {
namespace {

absl::Status ValidateOptions(const BootstrapOptions& options, const std::vector<double>& target_fprs) {
  if (absl::Status status = ValidateBootstrapOptions(options); !status.ok()) return status;
  for (double fpr : target_fprs) {
    if (!(fpr >= 0 && fpr <= 1)) return absl::InvalidArgumentError(absl::StrCat("target FPR ", fpr, ": must be in [0, 1]"));
  }
  return absl::OkStatus();
}

// Intervals from per-replicate values (values[r][f]) around the estimates.
std::vector<IdRateInterval> Intervals(const std::vector<double>& target_fprs, const std::vector<double>& estimates,
                                      const std::vector<std::vector<double>>& values, double confidence) {
  std::vector<IdRateInterval> out;
  for (size_t f = 0; f < target_fprs.size(); ++f) {
    std::vector<double> v;
    v.reserve(values.size());
    for (const std::vector<double>& replicate : values) v.push_back(replicate[f]);
    std::sort(v.begin(), v.end());
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double squares = 0;
    for (double x : v) squares += (x - mean) * (x - mean);
    IdRateInterval interval;
    interval.target_fpr = target_fprs[f];
    interval.estimate = estimates[f];
    interval.low = Percentile(v, (1 - confidence) / 2);
    interval.high = Percentile(v, (1 + confidence) / 2);
    interval.stddev = v.size() > 1 ? std::sqrt(squares / static_cast<double>(v.size() - 1)) : 0.0;
    out.push_back(interval);
  }
  return out;
}

// values[r] = evaluate(draws[r]) for every replicate, on LibTorch's threads.
template <typename Evaluate>
std::vector<std::vector<double>> PerReplicate(const std::vector<std::vector<int>>& draws, const Evaluate& evaluate) {
  std::vector<std::vector<double>> values(draws.size());
  at::parallel_for(0, static_cast<int64_t>(draws.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) values[r] = evaluate(draws[r]);
  });
  return values;
}

}  // namespace

IdRatePairs ScoreIdRatePairs(const torch::Tensor& query_embeddings, const std::vector<int>& query_ids,
                             const torch::Tensor& distractor_embeddings) {
  torch::NoGradGuard no_grad;
  const int64_t q = query_embeddings.size(0);
  CHECK_EQ(q, static_cast<int64_t>(query_ids.size()));
  IdRatePairs pairs;
  std::map<int, int32_t> index_of;
  for (int id : query_ids) index_of.emplace(id, 0);
  for (auto& [id, index] : index_of) {
    index = pairs.identities++;
    pairs.identity_ids.push_back(id);
  }
  std::vector<int32_t> identity(q);
  pairs.images.assign(pairs.identities, 0);
  for (int64_t i = 0; i < q; ++i) {
    identity[i] = index_of.at(query_ids[i]);
    ++pairs.images[identity[i]];
  }
  pairs.distractors = distractor_embeddings.size(0);
  pairs.positives.resize(pairs.identities);

  const torch::Tensor queries = UnitRows(query_embeddings);
  const torch::Tensor qq = torch::mm(queries, queries.t()).contiguous();
  const torch::Tensor qd = torch::mm(queries, UnitRows(distractor_embeddings).t()).contiguous();
  const float* scores = qq.data_ptr<float>();
  const float* to_distractors = qd.data_ptr<float>();
  pairs.false_pairs.reserve(static_cast<size_t>(q * (q - 1) / 2 + qd.numel()));
  for (int64_t i = 0; i < q; ++i) {
    for (int64_t j = i + 1; j < q; ++j) {
      if (identity[i] == identity[j]) {
        pairs.positives[identity[i]].push_back(scores[i * q + j]);
      } else {
        pairs.false_pairs.push_back({scores[i * q + j], identity[i], identity[j]});
      }
    }
    for (int64_t d = 0; d < pairs.distractors; ++d) {
      pairs.false_pairs.push_back({to_distractors[i * pairs.distractors + d], identity[i], pairs.identities});
    }
  }
  for (std::vector<float>& p : pairs.positives) std::sort(p.begin(), p.end());
  std::sort(pairs.false_pairs.begin(), pairs.false_pairs.end(),
            [](const IdRatePairs::FalsePair& x, const IdRatePairs::FalsePair& y) { return x.score > y.score; });
  return pairs;
}

std::vector<double> IdRateWithMultiplicity(const IdRatePairs& pairs, const std::vector<int>& multiplicity,
                                           const std::vector<double>& target_fprs) {
  CHECK_EQ(static_cast<int64_t>(multiplicity.size()), static_cast<int64_t>(pairs.identities));
  // weight[identities] is a distractor's: always 1.
  std::vector<int64_t> weight(multiplicity.begin(), multiplicity.end());
  weight.push_back(1);
  // Weighted false pairs: every cross-identity pair, (S^2 - sum of squares) / 2,
  // plus every query image against every distractor, D * S.
  double s = 0, squares = 0, positive_total = 0;
  for (int32_t i = 0; i < pairs.identities; ++i) {
    const double mass = static_cast<double>(weight[i]) * static_cast<double>(pairs.images[i]);
    s += mass;
    squares += mass * mass;
    positive_total += static_cast<double>(weight[i]) * static_cast<double>(pairs.positives[i].size());
  }
  const double false_total = (s * s - squares) / 2 + static_cast<double>(pairs.distractors) * s;

  // Thresholds: the score at which the running weight from the top first
  // passes k, for each k in ascending order, in one walk.
  std::vector<size_t> order(target_fprs.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<int64_t> ks(target_fprs.size());
  for (size_t f = 0; f < target_fprs.size(); ++f) {
    ks[f] = static_cast<int64_t>(std::floor(target_fprs[f] * false_total + 1e-9));
  }
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return ks[x] < ks[y]; });
  std::vector<double> thresholds(target_fprs.size(), -std::numeric_limits<double>::infinity());
  size_t next = 0;
  int64_t running = 0;
  // The hot loop: no branch on a zero weight (most pairs of an undrawn
  // identity), which would be mispredicted; a zero weight cannot pass a k
  // the running sum has not passed already.
  const size_t n = pairs.false_pairs.size();
  for (size_t i = 0; i < n && next < order.size(); ++i) {
    const IdRatePairs::FalsePair& p = pairs.false_pairs[i];
    running += weight[p.a] * weight[p.b];
    while (next < order.size() && ks[order[next]] < running) thresholds[order[next++]] = p.score;
  }

  std::vector<double> tpr(target_fprs.size(), 0.0);
  if (positive_total == 0) return tpr;
  for (size_t f = 0; f < target_fprs.size(); ++f) {
    const double t = thresholds[f];
    double above = 0;
    for (int32_t i = 0; i < pairs.identities; ++i) {
      if (weight[i] == 0) continue;
      const std::vector<float>& p = pairs.positives[i];
      const auto count = p.end() - std::upper_bound(p.begin(), p.end(), t, [](double v, float x) { return v < x; });
      above += static_cast<double>(weight[i]) * static_cast<double>(count);
    }
    tpr[f] = above / positive_total;
  }
  return tpr;
}

absl::StatusOr<IdRateReplicates> ReplicateIdRate(const IdRatePairs& pairs, const std::vector<double>& target_fprs,
                                                 const BootstrapOptions& options) {
  if (absl::Status status = ValidateOptions(options, target_fprs); !status.ok()) return status;
  IdRateReplicates r;
  r.target_fprs = target_fprs;
  r.options = options;
  r.identity_ids = pairs.identity_ids;
  r.images = pairs.images;
  r.distractors = pairs.distractors;
  r.estimate = IdRateWithMultiplicity(pairs, std::vector<int>(pairs.identities, 1), target_fprs);
  r.values = PerReplicate(DrawMultiplicities(pairs.identities, options),
                          [&](const std::vector<int>& m) { return IdRateWithMultiplicity(pairs, m, target_fprs); });
  return r;
}

namespace {

absl::Status Combinable(const std::vector<const IdRateReplicates*>& runs) {
  if (runs.empty()) return absl::InvalidArgumentError("a bootstrap interval needs at least one run");
  const IdRateReplicates& first = *runs.front();
  for (const IdRateReplicates* r : runs) {
    if (r->identity_ids != first.identity_ids || r->images != first.images || r->distractors != first.distractors) {
      return absl::InvalidArgumentError(
          absl::StrCat("runs scored on different sets cannot be combined: ", first.identity_ids.size(),
                       " identities and ", first.distractors, " distractors against ", r->identity_ids.size(),
                       " and ", r->distractors, ", or other identities or image counts"));
    }
    if (r->target_fprs != first.target_fprs || r->options.replicates != first.options.replicates ||
        r->options.seed != first.options.seed || r->options.confidence != first.options.confidence) {
      return absl::InvalidArgumentError("runs bootstrapped with other FPRs or options cannot be combined");
    }
  }
  return absl::OkStatus();
}

// Per replicate (and for the estimate) the mean of the runs' rates.
IdRateReplicates MeanOf(const std::vector<const IdRateReplicates*>& runs) {
  IdRateReplicates mean = *runs.front();
  const auto n = static_cast<double>(runs.size());
  for (double& v : mean.estimate) v = 0;
  for (std::vector<double>& replicate : mean.values) std::fill(replicate.begin(), replicate.end(), 0.0);
  for (const IdRateReplicates* r : runs) {
    for (size_t f = 0; f < mean.estimate.size(); ++f) mean.estimate[f] += r->estimate[f] / n;
    for (size_t k = 0; k < mean.values.size(); ++k) {
      for (size_t f = 0; f < mean.estimate.size(); ++f) mean.values[k][f] += r->values[k][f] / n;
    }
  }
  return mean;
}

}  // namespace

absl::StatusOr<std::vector<IdRateInterval>> MeanInterval(const std::vector<const IdRateReplicates*>& runs) {
  if (absl::Status status = Combinable(runs); !status.ok()) return status;
  const IdRateReplicates mean = MeanOf(runs);
  return Intervals(mean.target_fprs, mean.estimate, mean.values, mean.options.confidence);
}

absl::StatusOr<std::vector<IdRateInterval>> DifferenceInterval(const std::vector<const IdRateReplicates*>& a,
                                                               const std::vector<const IdRateReplicates*>& b) {
  if (a.empty() || b.empty()) return absl::InvalidArgumentError("a paired bootstrap needs runs on both sides");
  std::vector<const IdRateReplicates*> both = a;
  both.insert(both.end(), b.begin(), b.end());
  if (absl::Status status = Combinable(both); !status.ok()) return status;
  IdRateReplicates difference = MeanOf(a);
  const IdRateReplicates other = MeanOf(b);
  for (size_t f = 0; f < difference.estimate.size(); ++f) difference.estimate[f] -= other.estimate[f];
  for (size_t k = 0; k < difference.values.size(); ++k) {
    for (size_t f = 0; f < difference.estimate.size(); ++f) difference.values[k][f] -= other.values[k][f];
  }
  return Intervals(difference.target_fprs, difference.estimate, difference.values, difference.options.confidence);
}

namespace {

// Replicates every run, then hands them to `combine`.
template <typename Combine>
absl::StatusOr<std::vector<IdRateInterval>> ReplicateAll(const std::vector<const IdRatePairs*>& runs,
                                                         const std::vector<double>& target_fprs,
                                                         const BootstrapOptions& options, const Combine& combine) {
  std::vector<IdRateReplicates> replicates;
  for (const IdRatePairs* pairs : runs) {
    absl::StatusOr<IdRateReplicates> r = ReplicateIdRate(*pairs, target_fprs, options);
    if (!r.ok()) return r.status();
    replicates.push_back(*std::move(r));
  }
  std::vector<const IdRateReplicates*> pointers;
  for (const IdRateReplicates& r : replicates) pointers.push_back(&r);
  return combine(pointers);
}

}  // namespace

absl::StatusOr<std::vector<IdRateInterval>> BootstrapIdRate(const std::vector<const IdRatePairs*>& runs,
                                                            const std::vector<double>& target_fprs,
                                                            const BootstrapOptions& options) {
  return ReplicateAll(runs, target_fprs, options, [](const std::vector<const IdRateReplicates*>& r) {
    return MeanInterval(r);
  });
}

absl::StatusOr<std::vector<IdRateInterval>> BootstrapIdRate(const IdRatePairs& pairs,
                                                            const std::vector<double>& target_fprs,
                                                            const BootstrapOptions& options) {
  return BootstrapIdRate(std::vector<const IdRatePairs*>{&pairs}, target_fprs, options);
}

absl::StatusOr<std::vector<IdRateInterval>> PairedBootstrapIdRate(const std::vector<const IdRatePairs*>& a,
                                                                  const std::vector<const IdRatePairs*>& b,
                                                                  const std::vector<double>& target_fprs,
                                                                  const BootstrapOptions& options) {
  if (a.empty() || b.empty()) return absl::InvalidArgumentError("a paired bootstrap needs runs on both sides");
  std::vector<const IdRatePairs*> both = a;
  both.insert(both.end(), b.begin(), b.end());
  return ReplicateAll(both, target_fprs, options, [&](const std::vector<const IdRateReplicates*>& r) {
    return DifferenceInterval({r.begin(), r.begin() + static_cast<std::ptrdiff_t>(a.size())},
                              {r.begin() + static_cast<std::ptrdiff_t>(a.size()), r.end()});
  });
}

absl::StatusOr<std::vector<IdRateInterval>> PairedBootstrapIdRate(const IdRatePairs& a, const IdRatePairs& b,
                                                                  const std::vector<double>& target_fprs,
                                                                  const BootstrapOptions& options) {
  return PairedBootstrapIdRate(std::vector<const IdRatePairs*>{&a}, std::vector<const IdRatePairs*>{&b},
                               target_fprs, options);
}

}  // namespace facerec::metrics
