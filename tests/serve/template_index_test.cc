// Exact search against a brute-force reference; HNSW's recall@1 against
// exact search on 10,000 clustered templates.
#include "facerec/serve/template_index.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "gtest/gtest.h"

namespace facerec::serve {
namespace {

std::vector<float> UnitRows(size_t n, int dim, std::mt19937& random, const std::vector<float>* centres = nullptr,
                            float noise = 1) {
  std::normal_distribution<float> normal;
  std::vector<float> rows(n * dim);
  for (size_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int k = 0; k < dim; ++k) {
      float& x = rows[i * dim + k];
      x = noise * normal(random) + (centres != nullptr ? (*centres)[(i % (centres->size() / dim)) * dim + k] : 0);
      norm += double{x} * x;
    }
    for (int k = 0; k < dim; ++k) rows[i * dim + k] /= static_cast<float>(std::sqrt(norm));
  }
  return rows;
}

TEST(TemplateIndexTest, ExactSearchFindsTheBruteForceTopK) {
  std::mt19937 random(1);
  const int dim = 37;  // Not a multiple of 8: the tail loop counts too.
  const std::vector<float> rows = UnitRows(500, dim, random);
  const std::vector<float> queries = UnitRows(20, dim, random);
  for (int q = 0; q < 20; ++q) {
    const float* query = queries.data() + q * dim;
    std::vector<std::pair<double, int>> reference;
    for (int i = 0; i < 500; ++i) {
      double s = 0;
      for (int k = 0; k < dim; ++k) s += double{rows[i * dim + k]} * query[k];
      reference.push_back({s, i});
    }
    std::sort(reference.rbegin(), reference.rend());
    const std::vector<TemplateMatch> best = ExactSearch(rows.data(), 500, dim, query, 3);
    ASSERT_EQ(best.size(), 3u);
    for (int j = 0; j < 3; ++j) {
      EXPECT_EQ(best[j].row, reference[j].second);
      EXPECT_NEAR(best[j].score, reference[j].first, 1e-5);
    }
  }
  EXPECT_TRUE(ExactSearch(rows.data(), 0, dim, queries.data(), 1).empty());
  EXPECT_EQ(ExactSearch(rows.data(), 2, dim, queries.data(), 5).size(), 2u);
}

TEST(TemplateIndexTest, HnswFindsTheExactBestForNearlyEveryQueryAt10000Templates) {
  std::mt19937 random(2);
  const int dim = 64;
  const std::vector<float> centres = UnitRows(10000, dim, random);
  // Queries: a template plus noise, as another photo of the same person is.
  const std::vector<float> queries = UnitRows(300, dim, random, &centres, 0.08f);
  HnswOptions options;
  absl::StatusOr<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(centres.data(), 10000, dim, options);
  ASSERT_TRUE(index.ok()) << index.status();
  int agree = 0;
  for (int q = 0; q < 300; ++q) {
    const float* query = queries.data() + q * dim;
    const TemplateMatch exact = ExactSearch(centres.data(), 10000, dim, query, 1)[0];
    const std::vector<TemplateMatch> near = (*index)->Search(query, 1);
    ASSERT_EQ(near.size(), 1u);
    if (near[0].row == exact.row) {
      ++agree;
      EXPECT_NEAR(near[0].score, exact.score, 1e-4);
    }
  }
  EXPECT_GE(agree, 297) << "recall@1 against exact search";
  EXPECT_FALSE(HnswIndex::Build(centres.data(), 0, dim, options).ok());
}

}  // namespace
}  // namespace facerec::serve
