#include "facerec/metrics/id_rate_bootstrap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <torch/torch.h>

#include "facerec/metrics/identification_rate.h"

namespace facerec::metrics {
namespace {

const std::vector<double> kFprs = {0.5, 0.2, 0.1, 0.05, 0.01, 0.0, 1.0};

struct QuerySet {
  torch::Tensor queries;
  std::vector<int> ids;
  torch::Tensor distractors;
};

// Clustered embeddings (2 to 5 images an identity, ids not contiguous) so
// that TPRs are neither 0 nor 1.
QuerySet MakeSet(int identities, int distractors, double noise, uint64_t seed) {
  torch::manual_seed(seed);
  QuerySet set;
  std::vector<int64_t> rows;
  for (int i = 0; i < identities; ++i) {
    for (int k = 0; k < 2 + (i * 7) % 4; ++k) {
      set.ids.push_back(100 + 3 * i);
      rows.push_back(i);
    }
  }
  const torch::Tensor centres = torch::randn({identities, 12});
  set.queries = centres.index({torch::tensor(rows)}) + noise * torch::randn({static_cast<int64_t>(rows.size()), 12});
  set.distractors = torch::randn({distractors, 12});
  return set;
}

// The resample made real: identity i's images copied multiplicity[i] times,
// every pair enumerated (a copy's own pairs positive, pairs across
// identities and with distractors false, two copies of one identity never
// paired), then the exact metric on those lists.
std::vector<double> MaterialisedResample(const QuerySet& set, const std::vector<int>& multiplicity) {
  // The scores as the library computes them (one matrix product each), so
  // both sides compare the same floats.
  namespace F = torch::nn::functional;
  const torch::Tensor q = F::normalize(set.queries, F::NormalizeFuncOptions().dim(1));
  const torch::Tensor d = F::normalize(set.distractors, F::NormalizeFuncOptions().dim(1));
  const torch::Tensor qq = torch::mm(q, q.t());
  const torch::Tensor qd = torch::mm(q, d.t());
  std::vector<int> distinct = set.ids;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  struct Image {
    int64_t row;
    int identity;
    int copy;
  };
  std::vector<Image> images;
  for (size_t k = 0; k < distinct.size(); ++k) {
    for (int c = 0; c < multiplicity[k]; ++c) {
      for (size_t row = 0; row < set.ids.size(); ++row) {
        if (set.ids[row] == distinct[k]) images.push_back({static_cast<int64_t>(row), static_cast<int>(k), c});
      }
    }
  }
  std::vector<float> positives, falses;
  for (size_t x = 0; x < images.size(); ++x) {
    for (size_t y = x + 1; y < images.size(); ++y) {
      const float s = qq[images[x].row][images[y].row].item<float>();
      if (images[x].identity != images[y].identity) {
        falses.push_back(s);
      } else if (images[x].copy == images[y].copy) {
        positives.push_back(s);
      }
    }
    for (int64_t j = 0; j < d.size(0); ++j) falses.push_back(qd[images[x].row][j].item<float>());
  }
  std::vector<double> tpr;
  for (const RocPoint& p : TprAtFpr(positives, falses, kFprs)) tpr.push_back(p.tpr);
  return tpr;
}

TEST(IdRateBootstrapTest, EveryIdentityOnceIsTheIdentificationRate) {
  const QuerySet set = MakeSet(9, 25, 1.0, 3);
  const IdRatePairs pairs = ScoreIdRatePairs(set.queries, set.ids, set.distractors);
  const std::vector<double> once = IdRateWithMultiplicity(pairs, std::vector<int>(pairs.identities, 1), kFprs);
  const IdRateResult exact = IdentificationRate(set.queries, set.ids, set.distractors, kFprs);
  bool some_between = false;
  for (size_t f = 0; f < kFprs.size(); ++f) {
    EXPECT_DOUBLE_EQ(once[f], exact.points[f].tpr) << "FPR " << kFprs[f];
    some_between |= once[f] > 0 && once[f] < 1;
  }
  EXPECT_TRUE(some_between);
}

TEST(IdRateBootstrapTest, AReweightedReplicateEqualsTheResampledSetWrittenOut) {
  const QuerySet set = MakeSet(8, 20, 1.0, 5);
  const IdRatePairs pairs = ScoreIdRatePairs(set.queries, set.ids, set.distractors);
  ASSERT_EQ(pairs.identities, 8);
  std::mt19937 generator(11);
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<int> multiplicity(8, 0);
    for (int k = 0; k < 8; ++k) ++multiplicity[generator() % 8];  // One bootstrap draw.
    const std::vector<double> weighted = IdRateWithMultiplicity(pairs, multiplicity, kFprs);
    const std::vector<double> written_out = MaterialisedResample(set, multiplicity);
    for (size_t f = 0; f < kFprs.size(); ++f) {
      EXPECT_NEAR(weighted[f], written_out[f], 1e-12) << "trial " << trial << ", FPR " << kFprs[f];
    }
  }
}

TEST(IdRateBootstrapTest, IntervalsHoldTheEstimateAndNarrowWithMoreIdentities) {
  BootstrapOptions options;
  options.replicates = 300;
  const QuerySet few = MakeSet(10, 30, 1.0, 7);
  const QuerySet many = MakeSet(80, 30, 1.0, 7);
  auto narrow = BootstrapIdRate(ScoreIdRatePairs(many.queries, many.ids, many.distractors), {0.1}, options);
  auto wide = BootstrapIdRate(ScoreIdRatePairs(few.queries, few.ids, few.distractors), {0.1}, options);
  ASSERT_TRUE(narrow.ok()) << narrow.status();
  ASSERT_TRUE(wide.ok()) << wide.status();
  for (const IdRateInterval& i : {(*narrow)[0], (*wide)[0]}) {
    EXPECT_LE(i.low, i.estimate);
    EXPECT_GE(i.high, i.estimate);
    EXPECT_LT(i.low, i.high);
    EXPECT_GT(i.stddev, 0);
  }
  EXPECT_LT((*narrow)[0].high - (*narrow)[0].low, (*wide)[0].high - (*wide)[0].low);
}

TEST(IdRateBootstrapTest, ASeedGivesTheSameIntervalsAndAnotherSeedOthers) {
  const QuerySet set = MakeSet(12, 30, 1.0, 9);
  const IdRatePairs pairs = ScoreIdRatePairs(set.queries, set.ids, set.distractors);
  BootstrapOptions options;
  options.replicates = 200;
  auto first = BootstrapIdRate(pairs, kFprs, options);
  auto again = BootstrapIdRate(pairs, kFprs, options);
  options.seed = 2;
  auto other = BootstrapIdRate(pairs, kFprs, options);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  bool differs = false;
  for (size_t f = 0; f < kFprs.size(); ++f) {
    EXPECT_EQ((*first)[f].low, (*again)[f].low);
    EXPECT_EQ((*first)[f].high, (*again)[f].high);
    differs |= (*first)[f].low != (*other)[f].low || (*first)[f].high != (*other)[f].high;
  }
  EXPECT_TRUE(differs);
}

TEST(IdRateBootstrapTest, PairedDifferenceOfARecogniserWithItselfIsExactlyZero) {
  const QuerySet set = MakeSet(12, 30, 1.0, 13);
  const IdRatePairs pairs = ScoreIdRatePairs(set.queries, set.ids, set.distractors);
  auto difference = PairedBootstrapIdRate(pairs, pairs, kFprs, BootstrapOptions{});
  ASSERT_TRUE(difference.ok()) << difference.status();
  for (const IdRateInterval& i : *difference) {
    EXPECT_EQ(i.estimate, 0);
    EXPECT_EQ(i.low, 0);
    EXPECT_EQ(i.high, 0);
  }
}

TEST(IdRateBootstrapTest, PairingSeparatesAConsistentlyBetterRecogniserThatUnpairedIntervalsDoNot) {
  // b is a with every image 10 % further from its identity's mean: worse
  // on every identity, by less than the spread between identities.
  const QuerySet set = MakeSet(40, 40, 1.0, 17);
  QuerySet noisier = set;
  noisier.queries = set.queries.clone();
  for (int id : set.ids) {
    std::vector<int64_t> rows;
    for (size_t r = 0; r < set.ids.size(); ++r) {
      if (set.ids[r] == id) rows.push_back(static_cast<int64_t>(r));
    }
    const torch::Tensor index = torch::tensor(rows);
    const torch::Tensor own = set.queries.index({index});
    const torch::Tensor mean = own.mean(0, /*keepdim=*/true);
    noisier.queries.index_put_({index}, mean + 1.1 * (own - mean));
  }
  const IdRatePairs a = ScoreIdRatePairs(set.queries, set.ids, set.distractors);
  const IdRatePairs b = ScoreIdRatePairs(noisier.queries, noisier.ids, noisier.distractors);
  BootstrapOptions options;
  options.replicates = 400;
  auto ia = BootstrapIdRate(a, {0.1}, options);
  auto ib = BootstrapIdRate(b, {0.1}, options);
  auto difference = PairedBootstrapIdRate(a, b, {0.1}, options);
  ASSERT_TRUE(ia.ok() && ib.ok() && difference.ok());
  EXPECT_GT((*ia)[0].estimate, (*ib)[0].estimate);
  EXPECT_GT((*difference)[0].low, 0) << "paired: " << (*difference)[0].low << ".." << (*difference)[0].high;
  EXPECT_NEAR((*difference)[0].estimate, (*ia)[0].estimate - (*ib)[0].estimate, 1e-12);
  // Unpaired, the two intervals overlap: the identities' spread hides the gap.
  EXPECT_LT((*ia)[0].low, (*ib)[0].high);
}

TEST(IdRateBootstrapTest, SeveralSeedsAreAveragedUnderOneResample) {
  const QuerySet set = MakeSet(15, 30, 1.0, 23);
  QuerySet other = set;
  torch::manual_seed(5);
  other.queries = set.queries + 0.5 * torch::randn(set.queries.sizes());
  const IdRatePairs a = ScoreIdRatePairs(set.queries, set.ids, set.distractors);
  const IdRatePairs b = ScoreIdRatePairs(other.queries, other.ids, other.distractors);
  BootstrapOptions options;
  options.replicates = 100;
  auto alone = BootstrapIdRate(a, kFprs, options);
  auto twice = BootstrapIdRate({&a, &a}, kFprs, options);
  auto mean = BootstrapIdRate({&a, &b}, kFprs, options);
  auto of_b = BootstrapIdRate(b, kFprs, options);
  ASSERT_TRUE(alone.ok() && twice.ok() && mean.ok() && of_b.ok());
  for (size_t f = 0; f < kFprs.size(); ++f) {
    // A run averaged with itself is itself, resample by resample.
    EXPECT_DOUBLE_EQ((*twice)[f].low, (*alone)[f].low);
    EXPECT_DOUBLE_EQ((*twice)[f].high, (*alone)[f].high);
    EXPECT_NEAR((*mean)[f].estimate, ((*alone)[f].estimate + (*of_b)[f].estimate) / 2, 1e-12);
  }
  auto seeds_difference = PairedBootstrapIdRate({&a, &b}, {&b, &a}, kFprs, options);
  ASSERT_TRUE(seeds_difference.ok());
  for (const IdRateInterval& i : *seeds_difference) EXPECT_NEAR(std::abs(i.low) + std::abs(i.high), 0, 1e-12);
  EXPECT_EQ(BootstrapIdRate(std::vector<const IdRatePairs*>{}, kFprs, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(IdRateBootstrapTest, BadOptionsAndUnmatchedSetsAreErrors) {
  const QuerySet set = MakeSet(6, 10, 1.0, 19);
  const QuerySet other = MakeSet(7, 10, 1.0, 19);
  const IdRatePairs pairs = ScoreIdRatePairs(set.queries, set.ids, set.distractors);
  BootstrapOptions zero;
  zero.replicates = 0;
  EXPECT_EQ(BootstrapIdRate(pairs, kFprs, zero).status().code(), absl::StatusCode::kInvalidArgument);
  BootstrapOptions full;
  full.confidence = 1;
  EXPECT_EQ(BootstrapIdRate(pairs, kFprs, full).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BootstrapIdRate(pairs, {1.5}, BootstrapOptions{}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PairedBootstrapIdRate(pairs, ScoreIdRatePairs(other.queries, other.ids, other.distractors), kFprs,
                                  BootstrapOptions{})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facerec::metrics
