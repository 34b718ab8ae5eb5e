// The detector net's output layout, its cells, decoding, BatchNorm folding,
// its cost count and its file format.
#include "facerec/detect/detector_net.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <torch/torch.h>

namespace facerec::detect {
namespace {

TEST(DetectorNet, ScoresEveryCellOfTheThreeStridesInCellOrder) {
  DetectorNet net(DetectorNetOptions{4, 8});
  net->eval();
  const torch::Tensor raw = net->forward(torch::rand({2, 3, 96, 64}));
  const torch::Tensor cells = DetectorCells(96, 64);
  EXPECT_EQ(raw.size(0), 2);
  EXPECT_EQ(raw.size(1), 12 * 8 + 6 * 4 + 3 * 2);
  EXPECT_EQ(raw.size(2), kDetectorOutputs);
  ASSERT_EQ(cells.size(0), raw.size(1));
  // First cell of each level, and the second row of stride 8.
  EXPECT_FLOAT_EQ(cells[0][0].item<float>(), 4);
  EXPECT_FLOAT_EQ(cells[8][1].item<float>(), 12);
  EXPECT_FLOAT_EQ(cells[96][2].item<float>(), 16);
  EXPECT_FLOAT_EQ(cells[96][0].item<float>(), 8);
  EXPECT_FLOAT_EQ(cells[120][2].item<float>(), 32);
}

TEST(DecodeDetectorOutput, TurnsLogDistancesAndOffsetsIntoPhotoPixels) {
  const torch::Tensor cells = torch::tensor({{20.f, 28.f, 8.f}});
  torch::Tensor raw = torch::zeros({1, kDetectorOutputs});
  raw[0][0] = 0;                      // Score 0.5.
  raw[0][1] = std::log(2.0);          // Left edge 16 px left of the centre.
  raw[0][3] = std::log(0.5);          // Right edge 4 px right.
  raw[0][5] = 1.5;                    // First point 12 px right of the centre.
  const DecodedDetections d = DecodeDetectorOutput(raw, cells);
  EXPECT_NEAR(d.scores[0].item<float>(), 0.5, 1e-6);
  EXPECT_NEAR(d.boxes[0][0].item<float>(), 4, 1e-5);
  EXPECT_NEAR(d.boxes[0][1].item<float>(), 20, 1e-5);
  EXPECT_NEAR(d.boxes[0][2].item<float>(), 24, 1e-5);
  EXPECT_NEAR(d.boxes[0][3].item<float>(), 36, 1e-5);
  EXPECT_NEAR(d.points[0][0].item<float>(), 32, 1e-5);
  EXPECT_NEAR(d.points[0][1].item<float>(), 28, 1e-5);
}

TEST(DetectorNet, GivesTheSameOutputWithBatchNormFolded) {
  torch::manual_seed(3);
  DetectorNet net(DetectorNetOptions{4, 8});
  // A few training passes so the running statistics are not the identity.
  for (int i = 0; i < 3; ++i) net->forward(torch::rand({2, 3, 64, 64}));
  net->eval();
  const torch::Tensor x = torch::rand({1, 3, 64, 64});
  const torch::Tensor before = net->forward(x);
  net->FuseBatchNorm();
  EXPECT_TRUE(torch::allclose(net->forward(x), before, 1e-4, 1e-4));
}

TEST(MeasureDetectorNetCost, CountsParametersAndGrowsWithThePixels) {
  const DetectorNetOptions options;
  DetectorNet net(options);
  int64_t parameters = 0;
  for (const auto& p : net->parameters()) parameters += p.numel();
  const DetectorNetCost small = MeasureDetectorNetCost(options, 320, 320);
  const DetectorNetCost large = MeasureDetectorNetCost(options, 640, 640);
  EXPECT_EQ(small.parameters, parameters);
  EXPECT_EQ(large.multiply_adds, 4 * small.multiply_adds);
  // The stem alone: 3x3x3 -> 16 at 160x160.
  EXPECT_GT(small.multiply_adds, 160 * 160 * 16 * 27);
}

TEST(SaveDetectorNet, RoundTripsTheWeightsAndOptions) {
  torch::manual_seed(5);
  DetectorNet net(DetectorNetOptions{4, 12});
  net->eval();
  const std::string path = (std::filesystem::path(::testing::TempDir()) / "d" / "net.pt").string();
  ASSERT_TRUE(SaveDetectorNet(net, path).ok());
  auto loaded = LoadDetectorNet(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->options().width, 12);
  (*loaded)->eval();
  const torch::Tensor x = torch::rand({1, 3, 32, 32});
  EXPECT_TRUE(torch::equal(net->forward(x), (*loaded)->forward(x)));
  EXPECT_EQ(LoadDetectorNet(path + ".missing").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace facerec::detect
