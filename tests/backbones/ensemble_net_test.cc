#include "facerec/backbones/ensemble_net.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace facerec::backbones {
namespace {

// A stand-in recogniser: a fixed random linear map of the flattened image.
class LinearNet : public BackboneImpl {
 public:
  LinearNet(int64_t pixels, int size, uint64_t seed) : size_(size) {
    torch::manual_seed(seed);
    map_ = torch::randn({pixels, size}, torch::kFloat64);
  }
  torch::Tensor forward(torch::Tensor images) override { return images.flatten(1).matmul(map_); }
  int embedding_size() const override { return size_; }

 private:
  int size_;
  torch::Tensor map_;
};

constexpr int64_t kPixels = 3 * 4 * 4;

torch::Tensor Images(int n, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::rand({n, 3, 4, 4}, torch::kFloat64);
}

double Cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a * b).sum() / (a.norm() * b.norm())).item<double>();
}

TEST(EnsembleNetTest, ConcatenationsSimilarityIsTheMeanOfTheMembersCosines) {
  std::vector<Backbone> members = {std::make_shared<LinearNet>(kPixels, 5, 1), std::make_shared<LinearNet>(kPixels, 8, 2),
                                   std::make_shared<LinearNet>(kPixels, 5, 3)};
  const Backbone ensemble = MakeEnsemble(members, EnsembleCombination::kConcatenate).value();
  EXPECT_EQ(ensemble->embedding_size(), 18);
  const torch::Tensor x = Images(4, 7);
  const torch::Tensor e = ensemble->forward(x);
  ASSERT_EQ(e.sizes(), torch::IntArrayRef({4, 18}));
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(e[i].norm().item<double>(), 1.0, 1e-12);
    for (int j = 0; j < 4; ++j) {
      double mean = 0;
      for (const Backbone& m : members) mean += Cosine(m->forward(x[i].unsqueeze(0)), m->forward(x[j].unsqueeze(0)));
      EXPECT_NEAR((e[i] * e[j]).sum().item<double>(), mean / 3, 1e-12) << i << ", " << j;
    }
  }
}

TEST(EnsembleNetTest, AverageIsTheMeanOfTheMembersUnitEmbeddings) {
  const Backbone a = std::make_shared<LinearNet>(kPixels, 6, 4), b = std::make_shared<LinearNet>(kPixels, 6, 5);
  const Backbone ensemble = MakeEnsemble({a, b}, EnsembleCombination::kAverage).value();
  EXPECT_EQ(ensemble->embedding_size(), 6);
  const torch::Tensor x = Images(3, 8);
  const torch::Tensor ua = a->forward(x) / a->forward(x).norm(2, 1, true);
  const torch::Tensor ub = b->forward(x) / b->forward(x).norm(2, 1, true);
  EXPECT_TRUE(torch::allclose(ensemble->forward(x), (ua + ub) / 2, 1e-12, 1e-12));
}

TEST(EnsembleNetTest, OneMemberIsThatMemberAtUnitLength) {
  const Backbone a = std::make_shared<LinearNet>(kPixels, 6, 9);
  const torch::Tensor x = Images(3, 10);
  for (EnsembleCombination c : {EnsembleCombination::kConcatenate, EnsembleCombination::kAverage}) {
    const torch::Tensor e = MakeEnsemble({a}, c).value()->forward(x);
    EXPECT_TRUE(torch::allclose(e, a->forward(x) / a->forward(x).norm(2, 1, true), 1e-12, 1e-12))
        << EnsembleCombinationName(c);
  }
}

TEST(EnsembleNetTest, BadEnsemblesAreErrorsSayingWhy) {
  EXPECT_FALSE(MakeEnsemble({}, EnsembleCombination::kConcatenate).ok());
  EXPECT_FALSE(MakeEnsemble({nullptr}, EnsembleCombination::kConcatenate).ok());
  auto mixed = MakeEnsemble({std::make_shared<LinearNet>(kPixels, 6, 1), std::make_shared<LinearNet>(kPixels, 8, 2)},
                            EnsembleCombination::kAverage);
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("concatenate them instead"), std::string::npos) << mixed.status();
  EXPECT_TRUE(MakeEnsemble({std::make_shared<LinearNet>(kPixels, 6, 1), std::make_shared<LinearNet>(kPixels, 8, 2)},
                           EnsembleCombination::kConcatenate)
                  .ok());
}

TEST(EnsembleNetTest, CombinationNamesRoundTripAndUnknownOnesListTheAllowed) {
  for (EnsembleCombination c : {EnsembleCombination::kConcatenate, EnsembleCombination::kAverage}) {
    EXPECT_EQ(ParseEnsembleCombination(EnsembleCombinationName(c)).value(), c);
  }
  auto bad = ParseEnsembleCombination("sum");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("concatenate, average"), std::string::npos);
}

}  // namespace
}  // namespace facerec::backbones
