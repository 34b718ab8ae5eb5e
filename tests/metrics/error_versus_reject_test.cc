// Error versus reject against a hand-worked case and a brute-force reference
// (every pair scored one at a time, the threshold from a full sort), and the
// property the curve exists for: a quality that tracks the noise in an image
// lowers FNMR as low-quality pairs are rejected; a quality unrelated to it
// does not.
#include "facerec/metrics/error_versus_reject.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace facerec::metrics {
namespace {

TEST(ErrorVersusRejectTest, HandWorkedFourImages) {
  // Unit vectors; genuine pairs (0,1) score 0.6 and (2,3) -0.8; impostors
  // (0,2) 0, (0,3) 0.6, (1,2) 0.8, (1,3) -0.28. At FMR 0.5 two impostors
  // may score above the threshold: it is the third largest, 0.
  const torch::Tensor e = torch::tensor({1.0f, 0.0f, 0.6f, 0.8f, 0.0f, 1.0f, 0.6f, -0.8f}).view({4, 2});
  const std::vector<int> ids = {0, 0, 1, 1};
  const ErrorVersusReject by_third = ErrorVersusRejectCurve(e, ids, {1, 1, 0.2f, 0.5f}, 0.5, {0, 0.5});
  EXPECT_EQ(by_third.genuine_pairs, 2);
  EXPECT_EQ(by_third.impostor_pairs, 4);
  EXPECT_NEAR(by_third.threshold, 0, 1e-6);
  ASSERT_EQ(by_third.points.size(), 2u);
  EXPECT_DOUBLE_EQ(by_third.points[0].fnmr, 0.5);  // (2,3) fails.
  EXPECT_EQ(by_third.points[0].genuine_kept, 2);
  // Pair qualities 1 and min(0.2, 0.5): rejecting half sets (2,3) aside.
  EXPECT_DOUBLE_EQ(by_third.points[1].fnmr, 0.0);
  EXPECT_EQ(by_third.points[1].genuine_kept, 1);
  // A quality that blames the good pair keeps the failing one.
  const ErrorVersusReject wrong = ErrorVersusRejectCurve(e, ids, {0.1f, 1, 1, 1}, 0.5, {0.5});
  EXPECT_DOUBLE_EQ(wrong.points[0].fnmr, 1.0);
}

TEST(ErrorVersusRejectTest, MatchesPairByPairBruteForce) {
  torch::manual_seed(3);
  const int n = 60;
  const torch::Tensor e = torch::randn({n, 8});
  std::vector<int> ids;
  std::vector<float> quality;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0, 1);
  for (int i = 0; i < n; ++i) {
    ids.push_back(i % 7);
    quality.push_back(std::round(u(rng) * 10) / 10);  // Ties on purpose.
  }
  const std::vector<double> fractions = DefaultRejectFractions();
  for (double fmr : {0.0, 0.01, 0.1, 0.3}) {
    const ErrorVersusReject got = ErrorVersusRejectCurve(e, ids, quality, fmr, fractions);
    // Reference.
    std::vector<std::pair<float, float>> genuine;  // (quality, score) in pair order.
    std::vector<float> impostors;
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) {
        const float score = torch::cosine_similarity(e[i], e[j], 0).item<float>();
        if (ids[i] == ids[j]) {
          genuine.push_back({std::min(quality[i], quality[j]), score});
        } else {
          impostors.push_back(score);
        }
      }
    }
    std::sort(impostors.rbegin(), impostors.rend());
    const auto k = static_cast<size_t>(std::floor(fmr * impostors.size() + 1e-9));
    const float threshold = impostors[k];
    EXPECT_NEAR(got.threshold, threshold, 1e-5) << fmr;
    std::stable_sort(genuine.begin(), genuine.end(), [](auto& a, auto& b) { return a.first < b.first; });
    ASSERT_EQ(got.points.size(), fractions.size());
    for (size_t f = 0; f < fractions.size(); ++f) {
      const auto rejected = static_cast<size_t>(std::floor(fractions[f] * genuine.size() + 1e-9));
      int failures = 0;
      for (size_t g = rejected; g < genuine.size(); ++g) failures += genuine[g].second > threshold ? 0 : 1;
      EXPECT_EQ(got.points[f].genuine_kept, static_cast<int64_t>(genuine.size() - rejected));
      EXPECT_NEAR(got.points[f].fnmr, static_cast<double>(failures) / (genuine.size() - rejected), 1e-12)
          << "fmr " << fmr << " reject " << fractions[f];
    }
  }
}

TEST(ErrorVersusRejectTest, AQualityThatTracksTheNoiseLowersFnmrAndAnUnrelatedOneDoesNot) {
  torch::manual_seed(11);
  const int identities = 40, per_identity = 6, d = 32;
  const torch::Tensor centres = torch::randn({identities, d});
  std::vector<torch::Tensor> rows;
  std::vector<int> ids;
  std::vector<float> inverse_noise, unrelated;
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(0, 1);
  for (int i = 0; i < identities; ++i) {
    for (int k = 0; k < per_identity; ++k) {
      // One image in five is noisy: about 36 % of genuine pairs hold one.
      const float sigma = u(rng) < 0.2f ? 3.0f : 0.3f;
      rows.push_back(centres[i] + sigma * torch::randn({d}));
      ids.push_back(i);
      inverse_noise.push_back(1 / sigma);
      unrelated.push_back(u(rng));
    }
  }
  const torch::Tensor e = torch::stack(rows);
  const ErrorVersusReject good = ErrorVersusRejectCurve(e, ids, inverse_noise, 0.01, {0, 0.4});
  const ErrorVersusReject random = ErrorVersusRejectCurve(e, ids, unrelated, 0.01, {0, 0.4});
  ASSERT_GT(good.points[0].fnmr, 0.1);  // Something to reject.
  EXPECT_LT(good.points[1].fnmr, 0.3 * good.points[0].fnmr);
  EXPECT_NEAR(random.points[1].fnmr, random.points[0].fnmr, 0.1);
}

}  // namespace
}  // namespace facerec::metrics
