#include "facerec/analysis/label_noise.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <torch/torch.h>

#include "glog/logging.h"

namespace facerec::analysis {

std::vector<int> StratifiedFolds(const std::vector<int>& labels, int k, uint64_t seed) {
  CHECK_GE(k, 2);
  std::map<int, std::vector<size_t>> by_label;
  for (size_t i = 0; i < labels.size(); ++i) by_label[labels[i]].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<int> fold(labels.size(), 0);
  for (auto& [label, members] : by_label) {
    std::shuffle(members.begin(), members.end(), rng);
    const int start = static_cast<int>(rng() % static_cast<uint64_t>(k));
    for (size_t m = 0; m < members.size(); ++m) fold[members[m]] = static_cast<int>((start + m) % k);
  }
  return fold;
}

ConfidentLearningResult ConfidentLearning(const torch::Tensor& probabilities, const std::vector<int>& labels) {
  CHECK_EQ(probabilities.dim(), 2);
  CHECK_EQ(probabilities.size(0), static_cast<int64_t>(labels.size()));
  const torch::Tensor p = probabilities.to(torch::kCPU, torch::kFloat64).contiguous();
  const int64_t n = p.size(0), c = p.size(1);
  const auto a = p.accessor<double, 2>();
  ConfidentLearningResult r;
  std::vector<double> sum(c, 0);
  std::vector<int64_t> count(c, 0);
  for (int64_t i = 0; i < n; ++i) {
    CHECK(labels[i] >= 0 && labels[i] < c) << "label " << labels[i] << " outside 0.." << c - 1;
    sum[labels[i]] += a[i][labels[i]];
    ++count[labels[i]];
  }
  r.thresholds.resize(c);
  for (int64_t j = 0; j < c; ++j) {
    r.thresholds[j] = count[j] ? sum[j] / count[j] : std::numeric_limits<double>::infinity();
  }
  r.confident_joint = torch::zeros({c, c}, torch::kInt64);
  auto joint = r.confident_joint.accessor<int64_t, 2>();
  r.confident_label.assign(n, -1);
  r.self_confidence.resize(n);
  r.margin.resize(n);
  r.label_rank.assign(n, 0);
  r.issue.assign(n, false);
  for (int64_t i = 0; i < n; ++i) {
    const int label = labels[i];
    double best = -1, other = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < c; ++j) {
      if (a[i][j] >= r.thresholds[j] && a[i][j] > best) {
        best = a[i][j];
        r.confident_label[i] = static_cast<int>(j);
      }
      if (j != label) other = std::max(other, a[i][j]);
      if (a[i][j] > a[i][label]) ++r.label_rank[i];
    }
    r.self_confidence[i] = a[i][label];
    r.margin[i] = a[i][label] - (c > 1 ? other : 0);
    if (r.confident_label[i] >= 0) {
      ++joint[label][r.confident_label[i]];
      r.issue[i] = r.confident_label[i] != label;
    }
  }
  return r;
}

std::vector<EmbeddingEvidence> EmbeddingAgreement(const torch::Tensor& queries,
                                                  const std::vector<int>& query_labels,
                                                  const torch::Tensor& references,
                                                  const std::vector<int>& reference_labels, int k) {
  CHECK_EQ(queries.size(0), static_cast<int64_t>(query_labels.size()));
  CHECK_EQ(references.size(0), static_cast<int64_t>(reference_labels.size()));
  const torch::Tensor q = queries.to(torch::kCPU, torch::kFloat32);
  const torch::Tensor ref = references.to(torch::kCPU, torch::kFloat32);
  // Centres, one row per label present among the references.
  std::map<int, int64_t> row_of;
  for (int label : reference_labels) row_of.emplace(label, 0);
  std::vector<int> label_of_row;
  for (auto& [label, row] : row_of) {
    row = static_cast<int64_t>(label_of_row.size());
    label_of_row.push_back(label);
  }
  const int64_t c = static_cast<int64_t>(label_of_row.size());
  std::vector<int64_t> rows(reference_labels.size());
  for (size_t r = 0; r < reference_labels.size(); ++r) rows[r] = row_of[reference_labels[r]];
  const torch::Tensor index = torch::tensor(rows, torch::kInt64);
  torch::Tensor centres = torch::zeros({c, ref.size(1)}).index_add_(0, index, ref);
  centres = torch::nn::functional::normalize(centres, torch::nn::functional::NormalizeFuncOptions().dim(1));
  const torch::Tensor to_centres = torch::mm(q, centres.t()).to(torch::kFloat64).contiguous();
  const torch::Tensor to_references = torch::mm(q, ref.t());
  const int64_t kk = std::min<int64_t>(k, ref.size(0));
  const torch::Tensor nearest = kk > 0 ? std::get<1>(to_references.topk(kk, 1)).contiguous() : torch::Tensor();
  const auto cc = to_centres.accessor<double, 2>();
  std::vector<EmbeddingEvidence> out(query_labels.size());
  for (size_t i = 0; i < query_labels.size(); ++i) {
    EmbeddingEvidence& e = out[i];
    const auto own = row_of.find(query_labels[i]);
    e.own_cosine = own == row_of.end() ? std::numeric_limits<double>::quiet_NaN() : cc[i][own->second];
    e.nearest_other_cosine = -1;
    e.max_centre_cosine = -1;
    e.own_centre_rank = own == row_of.end() ? static_cast<int>(c) : 0;
    for (int64_t j = 0; j < c; ++j) {
      if (own != row_of.end() && cc[i][j] > e.own_cosine) ++e.own_centre_rank;
      e.max_centre_cosine = std::max(e.max_centre_cosine, cc[i][j]);
      if (label_of_row[j] != query_labels[i] && cc[i][j] > e.nearest_other_cosine) {
        e.nearest_other_cosine = cc[i][j];
        e.nearest_other_label = label_of_row[j];
      }
    }
    if (kk > 0) {
      int agree = 0;
      const auto nn = nearest.accessor<int64_t, 2>();
      for (int64_t m = 0; m < kk; ++m) agree += reference_labels[nn[i][m]] == query_labels[i];
      e.knn_agreement = static_cast<double>(agree) / kk;
    }
  }
  return out;
}

std::vector<double> MeanPercentile(const std::vector<std::vector<double>>& signals) {
  if (signals.empty()) return {};
  const size_t n = signals.front().size();
  std::vector<double> mean(n, 0);
  for (const std::vector<double>& s : signals) {
    CHECK_EQ(s.size(), n);
    for (double v : s) CHECK(!std::isnan(v)) << "MeanPercentile: a signal holds NaN";
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a] < s[b]; });
    for (size_t start = 0; start < n;) {
      size_t end = start;
      while (end < n && s[order[end]] == s[order[start]]) ++end;
      const double rank = (start + 1 + end) / 2.0;  // Mean of ranks start+1..end.
      for (size_t m = start; m < end; ++m) mean[order[m]] += rank / n / signals.size();
      start = end;
    }
  }
  return mean;
}

}  // namespace facerec::analysis
