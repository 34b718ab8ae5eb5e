#include "facerec/analysis/duplicates.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

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
      } else if (both && (h <= o.max_hamming || (h <= o.max_hamming_with_embedding && cos >= o.min_cosine &&
                                                  ncc >= o.min_thumbnail_correlation))) {
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
      if (!std::isnan(slow[p].cosine)) EXPECT_NEAR(fast[p].cosine, slow[p].cosine, 1e-5);
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

}  // namespace
}  // namespace facerec::analysis
