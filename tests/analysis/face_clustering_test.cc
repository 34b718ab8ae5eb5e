// Grouping faces: the k-NN graph equals brute force; both algorithms find
// well-separated people; average linkage refuses the chain single-link
// methods follow; the scores match hand-worked values.
#include "facerec/analysis/face_clustering.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "facerec/metrics/unit_rows.h"

namespace facerec::analysis {
namespace {

TEST(KnnGraphTest, EqualsBruteForceWhateverTheBlockSize) {
  torch::manual_seed(3);
  const torch::Tensor x = metrics::UnitRows(torch::randn({50, 8}));
  torch::Tensor s = torch::mm(x, x.t());
  s.fill_diagonal_(-3);
  const auto [values, indices] = s.topk(5, 1);
  for (int block : {1, 7, 1024}) {
    const KnnGraph graph = BuildKnnGraph(x, 5, block);
    ASSERT_EQ(graph.size(), 50u);
    for (int i = 0; i < 50; ++i) {
      ASSERT_EQ(graph.neighbours[i].size(), 5u);
      for (int c = 0; c < 5; ++c) {
        EXPECT_EQ(graph.neighbours[i][c].first, indices[i][c].item<int64_t>()) << block;
        EXPECT_NEAR(graph.neighbours[i][c].second, values[i][c].item<float>(), 1e-6);
      }
    }
  }
  EXPECT_EQ(BuildKnnGraph(x.slice(0, 0, 3), 10).k, 2);  // k clipped to n - 1.
}

// `people` tight groups of `each` faces in 32 dimensions plus `loners` faces of their own.
torch::Tensor SeparatedPeople(int people, int each, int loners, std::vector<int>* labels) {
  torch::manual_seed(1);
  std::vector<torch::Tensor> rows;
  for (int p = 0; p < people + loners; ++p) {
    const torch::Tensor centre = torch::randn({32});
    const int n = p < people ? each : 1;
    for (int k = 0; k < n; ++k) {
      rows.push_back(centre + 0.15 * torch::randn({32}));
      labels->push_back(p);
    }
  }
  return torch::stack(rows);
}

TEST(ClusterFacesTest, BothAlgorithmsFindWellSeparatedPeopleAndLeaveLonersUnassigned) {
  std::vector<int> labels;
  const torch::Tensor x = SeparatedPeople(8, 6, 5, &labels);
  const KnnGraph graph = BuildKnnGraph(x, 10);
  for (ClusterAlgorithm algorithm : {ClusterAlgorithm::kChineseWhispers, ClusterAlgorithm::kAverageLinkage}) {
    ClusterOptions options;
    options.algorithm = algorithm;
    options.threshold = 0.7;
    const std::vector<int> groups = ClusterFaces(x, graph, options);
    const ClusteringScores s = ScoreClustering(groups, labels);
    EXPECT_DOUBLE_EQ(s.pairwise_f1, 1.0) << ClusterAlgorithmName(algorithm);
    EXPECT_DOUBLE_EQ(s.bcubed_f, 1.0);
    EXPECT_EQ(s.groups, 8);
    EXPECT_EQ(s.people, 13);
    EXPECT_NEAR(s.unassigned_share, 5.0 / 53, 1e-12);
    for (int i = 48; i < 53; ++i) EXPECT_EQ(groups[i], -1) << i;
  }
}

// Unit rows with these pairwise cosines (a positive-definite Gram matrix).
torch::Tensor WithCosines(const std::vector<std::vector<double>>& gram) {
  const int64_t n = static_cast<int64_t>(gram.size());
  torch::Tensor g = torch::zeros({n, n}, torch::kFloat64);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) g[i][j] = gram[i][j];
  }
  return torch::linalg_cholesky(g).to(torch::kFloat32);  // Rows L with L L^T = G.
}

TEST(ClusterFacesTest, AverageLinkageRefusesAChainThatChineseWhispersFollows) {
  // a-b and b-c similar, a-c not: one group for a method following edges; a
  // pair and a loner for the average over all pairs ((0.8 + 0.3) / 2 < 0.6).
  const torch::Tensor x = WithCosines({{1, 0.8, 0.3}, {0.8, 1, 0.79}, {0.3, 0.79, 1}});
  const KnnGraph graph = BuildKnnGraph(x, 2);
  ClusterOptions options;
  options.threshold = 0.6;
  options.algorithm = ClusterAlgorithm::kAverageLinkage;
  EXPECT_EQ(ClusterFaces(x, graph, options), (std::vector<int>{0, 0, -1}));
  options.algorithm = ClusterAlgorithm::kChineseWhispers;
  const std::vector<int> whispers = ClusterFaces(x, graph, options);
  EXPECT_EQ(whispers[0], whispers[1]);
  EXPECT_EQ(whispers[1], whispers[2]);
}

TEST(ClusterFacesTest, AverageLinkageIsTheMeanOverAllPairsNotOverTheGraphsEdges) {
  // Brute force: merge while the best all-pairs mean of two groups is >= t.
  torch::manual_seed(7);
  const torch::Tensor x = metrics::UnitRows(torch::randn({40, 6}));
  const double t = 0.35;
  std::vector<std::vector<int>> groups;
  for (int i = 0; i < 40; ++i) groups.push_back({i});
  const torch::Tensor s = torch::mm(x, x.t()).to(torch::kFloat64);
  for (;;) {
    double best = -2;
    size_t ba = 0, bb = 0;
    for (size_t a = 0; a < groups.size(); ++a) {
      for (size_t b = a + 1; b < groups.size(); ++b) {
        double total = 0;
        for (int i : groups[a]) {
          for (int j : groups[b]) total += s[i][j].item<double>();
        }
        const double mean = total / (groups[a].size() * groups[b].size());
        if (mean > best) best = mean, ba = a, bb = b;
      }
    }
    if (best < t) break;
    groups[ba].insert(groups[ba].end(), groups[bb].begin(), groups[bb].end());
    groups.erase(groups.begin() + static_cast<int64_t>(bb));
  }
  std::vector<int> truth(40);
  for (size_t g = 0; g < groups.size(); ++g) {
    for (int i : groups[g]) truth[i] = static_cast<int>(g);
  }
  // With every pair a candidate (k = n - 1) the result is brute force's.
  ClusterOptions options;
  options.threshold = t;
  options.min_group_size = 1;
  const std::vector<int> got = ClusterFaces(x, BuildKnnGraph(x, 39), options);
  EXPECT_DOUBLE_EQ(ScoreClustering(got, truth).pairwise_f1, 1.0);
  EXPECT_DOUBLE_EQ(ScoreClustering(truth, got).pairwise_f1, 1.0);
}

TEST(ClusterFacesTest, GroupsAreNumberedByFallingSize) {
  std::vector<int> labels;
  const torch::Tensor people = SeparatedPeople(2, 3, 0, &labels);
  const torch::Tensor x = torch::cat({people.slice(0, 0, 2), people.slice(0, 3, 6)});  // 2 of one, 3 of another.
  ClusterOptions options;
  options.threshold = 0.7;
  EXPECT_EQ(ClusterFaces(x, BuildKnnGraph(x, 4), options), (std::vector<int>{1, 1, 0, 0, 0}));
}

TEST(ScoreClusteringTest, MatchesHandWorkedPairwiseAndBCubedValues) {
  // Three photos of person 0 split 2 + 1, person 1 unassigned.
  const ClusteringScores s = ScoreClustering({0, 0, 1, -1}, {0, 0, 0, 1});
  EXPECT_DOUBLE_EQ(s.pairwise_precision, 1.0);     // the one pair put together is right
  EXPECT_DOUBLE_EQ(s.pairwise_recall, 1.0 / 3);    // of person 0's three pairs
  EXPECT_DOUBLE_EQ(s.pairwise_f1, 0.5);
  EXPECT_DOUBLE_EQ(s.bcubed_precision, 1.0);
  EXPECT_DOUBLE_EQ(s.bcubed_recall, (2.0 / 3 + 2.0 / 3 + 1.0 / 3 + 1) / 4);
  EXPECT_DOUBLE_EQ(s.bcubed_f, 0.8);
  EXPECT_EQ(s.groups, 2);
  EXPECT_EQ(s.people, 2);
  EXPECT_DOUBLE_EQ(s.unassigned_share, 0.25);
}

TEST(ScoreClusteringTest, CountsUnlabelledFacesMergedIntoAPersonsGroup) {
  // Faces 1 and 3 unlabelled: 1 joins person 0's group, 3 forms a group with no labelled face.
  const ClusteringScores s = ScoreClustering({0, 0, -1, 1, 1}, {0, -1, 1, -1, -1});
  EXPECT_EQ(s.unlabelled, 3);
  EXPECT_DOUBLE_EQ(s.unlabelled_merged_share, 1.0 / 3);
  EXPECT_EQ(s.groups, 1);
}

}  // namespace
}  // namespace facerec::analysis
