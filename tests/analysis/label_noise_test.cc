#include "facerec/analysis/label_noise.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <torch/torch.h>

namespace facerec::analysis {
namespace {

TEST(StratifiedFoldsTest, SpreadsEveryClassEvenlySoNoImageIsEverInItsOwnTrainingPart) {
  std::vector<int> labels;
  for (int c = 0; c < 40; ++c) {
    for (int m = 0; m < 2 + c % 9; ++m) labels.push_back(c);
  }
  const int k = 5;
  const std::vector<int> fold = StratifiedFolds(labels, k, 7);
  ASSERT_EQ(fold.size(), labels.size());
  std::map<int, std::vector<int>> per_class;  // class -> count per fold
  for (size_t i = 0; i < labels.size(); ++i) {
    ASSERT_GE(fold[i], 0);
    ASSERT_LT(fold[i], k);
    per_class[labels[i]].resize(k);
    ++per_class[labels[i]][fold[i]];
  }
  for (const auto& [c, counts] : per_class) {
    const auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
    EXPECT_LE(*hi - *lo, 1) << "class " << c;
  }
  // Held out of fold f means trained by every model but f's: an image's
  // scoring model is exactly the one whose training part excludes it, and
  // every class with >= 2 images keeps a training image in every part.
  for (int f = 0; f < k; ++f) {
    std::set<int> trained;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (fold[i] != f) trained.insert(labels[i]);
    }
    EXPECT_EQ(trained.size(), per_class.size()) << "fold " << f;
  }
  EXPECT_EQ(StratifiedFolds(labels, k, 7), fold);  // Deterministic.
  EXPECT_NE(StratifiedFolds(labels, k, 8), fold);
}

// Northcutt et al.'s definitions, written out loop by loop.
TEST(ConfidentLearningTest, MatchesTheDefinitionsOnRandomProbabilities) {
  std::mt19937_64 rng(11);
  const int n = 200, c = 6;
  std::vector<int> labels(n);
  torch::Tensor logits = torch::randn({n, c}, torch::TensorOptions().dtype(torch::kFloat64));
  for (int i = 0; i < n; ++i) {
    labels[i] = static_cast<int>(rng() % (c - 1));  // Class c-1 carries no label.
    logits[i][labels[i]] += 1.5;
  }
  const torch::Tensor p = logits.softmax(1);
  const ConfidentLearningResult r = ConfidentLearning(p, labels);
  std::vector<double> t(c, 0);
  std::vector<int> count(c, 0);
  for (int i = 0; i < n; ++i) {
    t[labels[i]] += p[i][labels[i]].item<double>();
    ++count[labels[i]];
  }
  for (int j = 0; j < c; ++j) {
    if (count[j] == 0) {
      EXPECT_TRUE(std::isinf(r.thresholds[j]));
    } else {
      EXPECT_NEAR(r.thresholds[j], t[j] / count[j], 1e-12);
    }
  }
  std::vector<std::vector<int64_t>> joint(c, std::vector<int64_t>(c, 0));
  int issues = 0;
  for (int i = 0; i < n; ++i) {
    int confident = -1;
    double best = -1;
    for (int j = 0; j < c; ++j) {
      const double v = p[i][j].item<double>();
      if (count[j] > 0 && v >= t[j] / count[j] && v > best) {
        best = v;
        confident = j;
      }
    }
    EXPECT_EQ(r.confident_label[i], confident) << i;
    if (confident >= 0) ++joint[labels[i]][confident];
    EXPECT_EQ(r.issue[i], confident >= 0 && confident != labels[i]) << i;
    issues += r.issue[i];
    double other = -1;
    for (int j = 0; j < c; ++j) {
      if (j != labels[i]) other = std::max(other, p[i][j].item<double>());
    }
    EXPECT_NEAR(r.self_confidence[i], p[i][labels[i]].item<double>(), 1e-12);
    int rank = 0;
    for (int j = 0; j < c; ++j) rank += p[i][j].item<double>() > p[i][labels[i]].item<double>();
    EXPECT_EQ(r.label_rank[i], rank) << i;
    EXPECT_NEAR(r.margin[i], p[i][labels[i]].item<double>() - other, 1e-12);
  }
  for (int a = 0; a < c; ++a) {
    for (int b = 0; b < c; ++b) EXPECT_EQ(r.confident_joint[a][b].item<int64_t>(), joint[a][b]);
  }
  EXPECT_GT(issues, 0);
  EXPECT_LT(issues, n / 2);
}

TEST(ConfidentLearningTest, FlagsASwappedLabelWhoseModelIsSureOfAnotherClass) {
  // Three images of class 0, three of class 1; image 5 looks like class 0.
  const torch::Tensor p = torch::tensor({0.9, 0.1, 0.8, 0.2, 0.85, 0.15, 0.1, 0.9, 0.2, 0.8, 0.95, 0.05},
                                        torch::kFloat64)
                              .view({6, 2});
  const ConfidentLearningResult r = ConfidentLearning(p, {0, 0, 0, 1, 1, 1});
  EXPECT_EQ(r.issue, std::vector<bool>({false, false, false, false, false, true}));
  EXPECT_EQ(r.confident_label[5], 0);
  EXPECT_LT(r.margin[5], 0);
  EXPECT_EQ(r.confident_joint[1][0].item<int64_t>(), 1);
}

TEST(EmbeddingAgreementTest, MatchesCentresAndNeighboursComputedByHand) {
  torch::manual_seed(4);
  const auto unit = [](const torch::Tensor& x) {
    return torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(1));
  };
  const torch::Tensor refs = unit(torch::randn({30, 4}));
  const torch::Tensor queries = unit(torch::randn({8, 4}));
  std::vector<int> ref_labels, query_labels = {0, 1, 2, 3, 4, 9, 0, 1};  // 9: no references.
  for (int r = 0; r < 30; ++r) ref_labels.push_back(r % 5);
  const int k = 4;
  const auto ev = EmbeddingAgreement(queries, query_labels, refs, ref_labels, k);
  ASSERT_EQ(ev.size(), 8u);
  for (int q = 0; q < 8; ++q) {
    std::map<int, torch::Tensor> centre;
    for (int r = 0; r < 30; ++r) {
      centre[ref_labels[r]] = centre.count(ref_labels[r]) ? centre[ref_labels[r]] + refs[r] : refs[r].clone();
    }
    double own = NAN, other = -1, best = -1;
    int other_label = -1;
    std::vector<double> cosines;
    for (auto& [label, sum] : centre) {
      const double cos = (queries[q] * sum / sum.norm()).sum().item<double>();
      cosines.push_back(cos);
      best = std::max(best, cos);
      if (label == query_labels[q]) {
        own = cos;
      } else if (cos > other) {
        other = cos;
        other_label = label;
      }
    }
    std::vector<std::pair<double, int>> sims;
    for (int r = 0; r < 30; ++r) sims.push_back({(queries[q] * refs[r]).sum().item<double>(), ref_labels[r]});
    std::sort(sims.rbegin(), sims.rend());
    int agree = 0;
    for (int m = 0; m < k; ++m) agree += sims[m].second == query_labels[q];
    if (std::isnan(own)) {
      EXPECT_TRUE(std::isnan(ev[q].own_cosine));
      EXPECT_EQ(ev[q].own_centre_rank, 5);
    } else {
      EXPECT_NEAR(ev[q].own_cosine, own, 1e-5);
      int rank = 0;
      for (double cos : cosines) rank += cos > own + 1e-6;
      EXPECT_EQ(ev[q].own_centre_rank, rank);
    }
    EXPECT_NEAR(ev[q].nearest_other_cosine, other, 1e-5);
    EXPECT_EQ(ev[q].nearest_other_label, other_label);
    EXPECT_NEAR(ev[q].max_centre_cosine, best, 1e-5);
    EXPECT_DOUBLE_EQ(ev[q].knn_agreement, agree / static_cast<double>(k));
  }
}

TEST(MeanPercentileTest, AveragesRanksAndSharesTiedRanks) {
  const std::vector<double> score = MeanPercentile({{3, 1, 2, 2}, {10, 20, 30, 40}});
  // First signal ranks 4, 1, 2.5, 2.5 of 4; second 1, 2, 3, 4.
  EXPECT_DOUBLE_EQ(score[0], (4 / 4.0 + 1 / 4.0) / 2);
  EXPECT_DOUBLE_EQ(score[1], (1 / 4.0 + 2 / 4.0) / 2);
  EXPECT_DOUBLE_EQ(score[2], (2.5 / 4 + 3 / 4.0) / 2);
  EXPECT_DOUBLE_EQ(score[3], (2.5 / 4 + 4 / 4.0) / 2);
}

}  // namespace
}  // namespace facerec::analysis
