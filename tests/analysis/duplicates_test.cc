#include "facerec/analysis/duplicates.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <torch/torch.h>

#include "facerec/analysis/image_hash.h"

namespace facerec::analysis {
namespace {

// The definition, pair by pair.
std::vector<DuplicatePair> BruteForce(const std::vector<DuplicateEvidence>& images, const torch::Tensor& e,
                                      const DuplicateOptions& o) {
  std::vector<DuplicatePair> out;
  for (int64_t i = 0; i < static_cast<int64_t>(images.size()); ++i) {
    for (int64_t j = i + 1; j < static_cast<int64_t>(images.size()); ++j) {
      const bool both = images[i].decoded && images[j].decoded;
      const int h = both ? HammingDistance(images[i].hash, images[j].hash) : 64;
      const double cos = e.defined() && both ? (e[i] * e[j]).sum().item<double>() : NAN;
      double ncc = 0;
      if (both) {
        for (size_t k = 0; k < images[i].thumbnail.size(); ++k) ncc += images[i].thumbnail[k] * images[j].thumbnail[k];
      }
      if (!images[i].sha256.empty() && images[i].sha256 == images[j].sha256) {
        out.push_back({i, j, DuplicateKind::kExact, h, cos, ncc});
      } else if (both && (std::isnan(cos) || cos >= o.min_cosine) &&
                 (h <= o.max_hamming ||
                  (h <= o.max_hamming_with_embedding && !std::isnan(cos) && ncc >= o.min_thumbnail_correlation))) {
        out.push_back({i, j, DuplicateKind::kNear, h, cos, ncc});
      }
    }
  }
  return out;
}

TEST(FindDuplicatesTest, MatchesThePairByPairDefinitionOnRandomData) {
  std::mt19937_64 rng(3);
  std::vector<DuplicateEvidence> images;
  for (int i = 0; i < 120; ++i) {
    DuplicateEvidence d;
    // Few distinct hashes of few bits, so every rule fires somewhere.
    d.hash = rng() & 0xFFFFFull;
    d.sha256 = rng() % 10 == 0 ? "same" : (rng() % 7 == 0 ? "" : std::to_string(i));
    d.decoded = rng() % 15 != 0;
    const float t = (rng() % 3) / 2.0f;  // Correlations 0, 0.25, 0.5, 1 between pairs.
    d.thumbnail = {t, std::sqrt(1 - t * t)};
    images.push_back(d);
  }
  torch::manual_seed(0);
  const torch::Tensor e = torch::nn::functional::normalize(
      torch::randn({120, 3}), torch::nn::functional::NormalizeFuncOptions().dim(1));
  DuplicateOptions o;
  o.max_hamming = 3;
  o.max_hamming_with_embedding = 7;
  o.min_cosine = 0.6;
  o.min_thumbnail_correlation = 0.4;
  for (const torch::Tensor& embeddings : {e, torch::Tensor()}) {
    const auto fast = FindDuplicates(images, embeddings, o);
    const auto slow = BruteForce(images, embeddings, o);
    ASSERT_EQ(fast.size(), slow.size());
    int exact = 0, near = 0;
    for (size_t p = 0; p < fast.size(); ++p) {
      EXPECT_EQ(fast[p].first, slow[p].first);
      EXPECT_EQ(fast[p].second, slow[p].second);
      EXPECT_EQ(fast[p].kind, slow[p].kind);
      EXPECT_EQ(fast[p].hamming, slow[p].hamming);
      if (!std::isnan(slow[p].cosine)) {
        EXPECT_NEAR(fast[p].cosine, slow[p].cosine, 1e-5);
      }
      if (fast[p].kind == DuplicateKind::kNear && fast[p].hamming > o.max_hamming) {
        EXPECT_NEAR(fast[p].thumbnail_correlation, slow[p].thumbnail_correlation, 1e-6);
        EXPECT_GE(fast[p].thumbnail_correlation, o.min_thumbnail_correlation - 1e-6);
      }
      (fast[p].kind == DuplicateKind::kExact ? exact : near)++;
    }
    EXPECT_GT(exact, 0);
    EXPECT_GT(near, 0);
  }
}

TEST(FindDuplicatesTest, UndecodedFilesAreDuplicatesOnlyByTheirBytes) {
  std::vector<DuplicateEvidence> images(3);
  images[0] = {"abc", 0, {}, false};
  images[1] = {"abc", 0, {}, true};
  images[2] = {"xyz", 0, {}, false};  // Same (unset) hash as 1, but no pixels to compare.
  const auto pairs = FindDuplicates(images, {}, DuplicateOptions());
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].first, 0);
  EXPECT_EQ(pairs[0].second, 1);
  EXPECT_EQ(pairs[0].kind, DuplicateKind::kExact);
  EXPECT_EQ(pairs[0].hamming, 64);
}

// Aligned face frames of different people in the same pose can share a hash:
// the recogniser has the last word when it is there.
TEST(FindDuplicatesTest, AnIdenticalHashNeedsTheEmbeddingsAgreementWhenThereAreEmbeddings) {
  std::vector<DuplicateEvidence> images(2);
  images[0] = {"a", 0x1234, {1.0f, 0.0f}, true};
  images[1] = {"b", 0x1234, {0.0f, 1.0f}, true};
  const DuplicateOptions options;  // min_cosine 0.9.
  const torch::Tensor different = torch::tensor({{1.0f, 0.0f}, {0.6f, 0.8f}});  // Cosine 0.6.
  const torch::Tensor same = torch::tensor({{1.0f, 0.0f}, {0.96f, 0.28f}});     // Cosine 0.96.
  EXPECT_TRUE(FindDuplicates(images, different, options).empty());
  const auto agreed = FindDuplicates(images, same, options);
  ASSERT_EQ(agreed.size(), 1u);
  EXPECT_EQ(agreed[0].kind, DuplicateKind::kNear);
  EXPECT_NEAR(agreed[0].cosine, 0.96, 1e-6);
  EXPECT_EQ(FindDuplicates(images, torch::Tensor(), options).size(), 1u);  // The hash alone.
}

}  // namespace
}  // namespace facerec::analysis
