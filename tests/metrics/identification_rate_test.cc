#include "facerec/metrics/identification_rate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <torch/torch.h>

#include "facerec/data/celeba.h"
#include "tests/testing/test_data.h"

namespace facerec::metrics {
namespace {

torch::Tensor Normalise(const torch::Tensor& x) { return x / x.norm(2, 1, true); }

// The protocol written as loops over pairs, with a full sort.
std::vector<RocPoint> BruteForce(const torch::Tensor& q, const std::vector<int>& ids,
                                 const torch::Tensor& d, const std::vector<double>& fprs) {
  const torch::Tensor qn = Normalise(q), dn = Normalise(d);
  std::vector<double> pos, neg;
  for (int64_t i = 0; i < qn.size(0); ++i) {
    for (int64_t j = i + 1; j < qn.size(0); ++j) {
      const double s = qn[i].dot(qn[j]).item<double>();
      (ids[i] == ids[j] ? pos : neg).push_back(s);
    }
    for (int64_t j = 0; j < dn.size(0); ++j) neg.push_back(qn[i].dot(dn[j]).item<double>());
  }
  std::sort(neg.begin(), neg.end(), std::greater<double>());
  std::vector<RocPoint> points;
  for (double fpr : fprs) {
    const auto k = static_cast<size_t>(std::floor(fpr * neg.size() + 1e-9));
    const double t = k < neg.size() ? neg[k] : -INFINITY;
    size_t above = 0;
    for (double p : pos) above += p > t ? 1 : 0;
    points.push_back({fpr, t, static_cast<double>(above) / pos.size(), static_cast<int64_t>(k)});
  }
  return points;
}

TEST(IdentificationRateTest, MatchesBruteForceOnRandomData) {
  torch::manual_seed(1);
  // Clustered embeddings so TPRs are neither 0 nor 1.
  std::vector<int> ids;
  for (int i = 0; i < 60; ++i) ids.push_back(i % 7);
  const torch::Tensor centres = torch::randn({7, 16});
  const torch::Tensor q =
      centres.index({torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()))}) +
      1.2 * torch::randn({60, 16});
  const torch::Tensor d = torch::randn({45, 16});
  const std::vector<double> fprs = {0.5, 0.2, 0.1, 0.05, 0.01, 0.001, 0.0, 1.0};
  const IdRateResult fast = IdentificationRate(q, ids, d, fprs);
  const std::vector<RocPoint> slow = BruteForce(q, ids, d, fprs);
  ASSERT_EQ(fast.points.size(), slow.size());
  bool some_tpr_between = false;
  for (size_t i = 0; i < slow.size(); ++i) {
    if (std::isinf(slow[i].threshold)) {  // FPR 1: every false pair is above.
      EXPECT_EQ(fast.points[i].threshold, slow[i].threshold);
    } else {
      EXPECT_NEAR(fast.points[i].threshold, slow[i].threshold, 1e-5) << "FPR " << fprs[i];
    }
    EXPECT_DOUBLE_EQ(fast.points[i].tpr, slow[i].tpr) << "FPR " << fprs[i];
    some_tpr_between |= slow[i].tpr > 0.05 && slow[i].tpr < 0.95;
  }
  EXPECT_TRUE(some_tpr_between);
  EXPECT_EQ(fast.false_pairs, 60 * 59 / 2 - fast.positive_pairs + 60 * 45);
  // The ROC curve rises with FPR.
  ASSERT_GE(fast.roc.size(), 2u);
  for (size_t i = 1; i < fast.roc.size(); ++i) {
    EXPECT_GE(fast.roc[i].target_fpr, fast.roc[i - 1].target_fpr);
    EXPECT_GE(fast.roc[i].tpr, fast.roc[i - 1].tpr);
  }
}

TEST(IdentificationRateTest, ExactlyKFalsePairsAboveTheThreshold) {
  const std::vector<float> positives = {0.9f, 0.5f, 0.3f};
  const std::vector<float> falses = {0.8f, 0.1f, 0.7f, 0.2f, 0.4f, 0.6f, 0.0f, 0.35f, 0.25f, 0.05f};
  const std::vector<RocPoint> points = TprAtFpr(positives, falses, {0.2, 0.5, 0.0});
  // FPR 0.2: 2 false pairs (0.8, 0.7) above 0.6.
  EXPECT_FLOAT_EQ(points[0].threshold, 0.6f);
  EXPECT_DOUBLE_EQ(points[0].tpr, 1.0 / 3);
  // FPR 0.5: 5 above 0.25 -> positives 0.9, 0.5, 0.3.
  EXPECT_FLOAT_EQ(points[1].threshold, 0.25f);
  EXPECT_DOUBLE_EQ(points[1].tpr, 1.0);
  // FPR 0: nothing false above the best false score.
  EXPECT_FLOAT_EQ(points[2].threshold, 0.8f);
  EXPECT_DOUBLE_EQ(points[2].tpr, 1.0 / 3);
}

TEST(IdentificationRateTest, RealProtocolPairCounts) {
  auto set = data::LoadIdRateSet(testing::DataRoot());
  ASSERT_TRUE(set.ok()) << set.status();
  std::vector<int> ids;
  for (const auto& query : set->queries) ids.push_back(query.identity);
  torch::manual_seed(0);
  const IdRateResult r = IdentificationRate(
      torch::randn({static_cast<int64_t>(ids.size()), 8}), ids,
      torch::randn({static_cast<int64_t>(set->distractors.size()), 8}), kCourseFprs);
  EXPECT_EQ(r.positive_pairs, 14721);
  EXPECT_EQ(r.false_pairs, 731310 + 2445222);
  // Random embeddings: TPR tracks FPR.
  for (const RocPoint& p : r.points) EXPECT_NEAR(p.tpr, p.target_fpr, 0.05) << p.target_fpr;
}

// TPIR@FPIR written out per probe.
TEST(TpirAtFpirTest, MatchesBruteForce) {
  torch::manual_seed(2);
  std::vector<int> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(i % 6);
  const torch::Tensor centres = torch::randn({6, 12});
  const torch::Tensor q =
      centres.index({torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()))}) +
      0.9 * torch::randn({50, 12});
  const torch::Tensor d = torch::randn({40, 12});
  const std::vector<double> fpirs = {0.3, 0.1, 0.025};
  const OpenSetResult fast = TpirAtFpir(q, ids, d, fpirs);

  const torch::Tensor qn = Normalise(q), dn = Normalise(d);
  std::map<int, std::vector<int>> rows;
  for (int i = 0; i < 50; ++i) rows[ids[i]].push_back(i);
  std::vector<torch::Tensor> templates;
  std::vector<std::pair<int, int>> probes;  // (row, template)
  for (const auto& [id, r] : rows) {
    const size_t g = r.size() / 2;
    torch::Tensor sum = torch::zeros({12});
    for (size_t j = 0; j < g; ++j) sum += qn[r[j]];
    templates.push_back(sum / sum.norm());
    for (size_t j = g; j < r.size(); ++j) probes.push_back({r[j], static_cast<int>(templates.size()) - 1});
  }
  auto best = [&](const torch::Tensor& x) {
    double s = -INFINITY;
    int arg = -1;
    for (size_t t = 0; t < templates.size(); ++t) {
      const double v = x.dot(templates[t]).item<double>();
      if (v > s) s = v, arg = static_cast<int>(t);
    }
    return std::make_pair(s, arg);
  };
  std::vector<double> non_mated;
  for (int64_t j = 0; j < dn.size(0); ++j) non_mated.push_back(best(dn[j]).first);
  std::sort(non_mated.begin(), non_mated.end(), std::greater<double>());
  int rank1 = 0;
  for (const auto& [row, label] : probes) rank1 += best(qn[row]).second == label ? 1 : 0;
  EXPECT_DOUBLE_EQ(fast.rank1_accuracy, static_cast<double>(rank1) / probes.size());
  EXPECT_EQ(fast.mated_probes, static_cast<int64_t>(probes.size()));
  for (size_t i = 0; i < fpirs.size(); ++i) {
    const auto k = static_cast<size_t>(std::floor(fpirs[i] * non_mated.size() + 1e-9));
    const double t = non_mated[k];
    int hits = 0;
    for (const auto& [row, label] : probes) {
      const auto [s, arg] = best(qn[row]);
      hits += (arg == label && s > t) ? 1 : 0;
    }
    EXPECT_NEAR(fast.points[i].threshold, t, 1e-5);
    EXPECT_DOUBLE_EQ(fast.points[i].tpr, static_cast<double>(hits) / probes.size()) << fpirs[i];
  }
}

}  // namespace
}  // namespace facerec::metrics
