#include "facerec/backbones/backbone.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace facerec::backbones {
namespace {

TEST(BackboneTest, UnknownNameListsKnownOnes) {
  BackboneOptions options;
  options.name = "resnet1000";
  auto net = MakeBackbone(options);
  ASSERT_FALSE(net.ok());
  EXPECT_EQ(net.status().code(), absl::StatusCode::kInvalidArgument);
  for (const std::string& name : KnownBackbones()) {
    EXPECT_NE(net.status().message().find(name), std::string::npos) << name;
  }
}

TEST(BackboneTest, EveryKnownBackboneMapsImagesToEmbeddingsWithGradientsEverywhere) {
  ASSERT_GE(KnownBackbones().size(), 6u);
  for (const std::string& name : KnownBackbones()) {
    for (const auto& [h, w] : {std::make_pair(64, 56), std::make_pair(48, 40)}) {
      torch::manual_seed(0);
      BackboneOptions options;
      options.name = name;
      options.embedding_size = 32;
      options.input_height = h;
      options.input_width = w;
      options.width_multiplier = 0.25;
      auto net = MakeBackbone(options);
      ASSERT_TRUE(net.ok()) << net.status();
      const torch::Tensor x = torch::rand({4, 3, h, w});
      const torch::Tensor e = (*net)->forward(x);
      EXPECT_EQ(e.sizes(), (std::vector<int64_t>{4, 32})) << name << " " << h << "x" << w;
      e.pow(2).sum().backward();
      for (const auto& p : (*net)->parameters()) {
        ASSERT_TRUE(p.grad().defined()) << name;
      }
      (*net)->eval();
      EXPECT_EQ((*net)->forward(x.slice(0, 0, 1)).size(0), 1);
    }
  }
}

}  // namespace
}  // namespace facerec::backbones
