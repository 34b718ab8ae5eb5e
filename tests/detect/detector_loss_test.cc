// Target assignment against hand-placed faces, the IoU helpers against
// hand-worked boxes, and the loss as something a net can learn from.
#include "facerec/detect/detector_loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <torch/torch.h>

#include "facerec/detect/detector_net.h"

namespace facerec::detect {
namespace {

// The cells of a 64x64 input: 64 at stride 8, 16 at 16, 4 at 32.
constexpr int kSize = 64;

int64_t CellIndex(int stride, int row, int col) {
  int64_t begin = 0;
  for (int s : kDetectorStrides) {
    if (s == stride) return begin + row * (kSize / s) + col;
    begin += (kSize / s) * (kSize / s);
  }
  return -1;
}

TEST(AssignDetectorTargets, MakesTheCentreCellsOfTheRightLevelPositive) {
  const torch::Tensor cells = DetectorCells(kSize, kSize);
  ASSERT_EQ(cells.size(0), 84);
  // A 20 px face centred at (28, 28): stride 8 only (sides up to 64; 16
  // starts at 32). Cell centres 4, 12, 20, ...: inside the box [18, 38] and
  // within 12 px of 28 are 20, 28, 36 in x and y: 9 positives.
  TrainingFace face{{18, 18, 20, 20}};
  const DetectorTargets t = AssignDetectorTargets({{face}}, {true}, cells, DetectorLossOptions());
  EXPECT_EQ(t.positive.sum().item<int64_t>(), 9);
  for (int row : {2, 3, 4}) {
    for (int col : {2, 3, 4}) {
      const int64_t k = CellIndex(8, row, col);
      EXPECT_TRUE(t.positive[0][k].item<bool>()) << row << "," << col;
      EXPECT_FLOAT_EQ(t.boxes[0][k][2].item<float>(), 38);
    }
  }
  EXPECT_EQ(t.scored.sum().item<float>(), 84);  // Everything else is background.
}

TEST(AssignDetectorTargets, GivesAFaceSmallerThanAStrideItsNearestCell) {
  const torch::Tensor cells = DetectorCells(kSize, kSize);
  TrainingFace face{{5.5, 5.5, 2, 2}};  // Between the centres 4 and 12.
  const DetectorTargets t = AssignDetectorTargets({{face}}, {true}, cells, DetectorLossOptions());
  EXPECT_EQ(t.positive.sum().item<int64_t>(), 1);
  EXPECT_TRUE(t.positive[0][CellIndex(8, 0, 0)].item<bool>());
}

TEST(AssignDetectorTargets, GivesASharedCellToTheSmallerFace) {
  const torch::Tensor cells = DetectorCells(kSize, kSize);
  TrainingFace big{{0, 0, 60, 60}}, small{{22, 22, 12, 12}};
  const DetectorTargets t =
      AssignDetectorTargets({{big, small}}, {true}, cells, DetectorLossOptions());
  const int64_t k = CellIndex(8, 3, 3);  // Centre (28, 28): inside both.
  EXPECT_TRUE(t.positive[0][k].item<bool>());
  EXPECT_FLOAT_EQ(t.boxes[0][k][0].item<float>(), 22);
  // The big face is also learnt at strides 16 and 32, where the small one is not.
  EXPECT_TRUE(t.positive[0][CellIndex(16, 1, 1)].item<bool>());
}

TEST(AssignDetectorTargets, NeitherScoresIgnoredFacesNorUnreliableBackground) {
  const torch::Tensor cells = DetectorCells(kSize, kSize);
  TrainingFace ignored{{0, 0, 16, 16}, /*ignore=*/true};
  DetectorTargets t = AssignDetectorTargets({{ignored}}, {true}, cells, DetectorLossOptions());
  EXPECT_EQ(t.positive.sum().item<int64_t>(), 0);
  // Centres 4 and 12 in x and y at stride 8, 8 at stride 16, 16 (on the
  // edge, which counts as inside) at stride 32: 6 cells.
  EXPECT_EQ(t.scored.sum().item<float>(), 84 - 6);

  TrainingFace face{{40, 40, 16, 16}};
  t = AssignDetectorTargets({{face}}, {false}, cells, DetectorLossOptions());
  // Scored: the cells within one face side (16 px) of the box, [24, 72].
  const auto c = cells.accessor<float, 2>();
  for (int64_t k = 0; k < cells.size(0); ++k) {
    const bool near = c[k][0] >= 24 && c[k][1] >= 24;
    EXPECT_EQ(t.scored[0][k].item<float>(), near ? 1.0f : 0.0f) << k;
  }
}

TEST(AssignDetectorTargets, KeepsOnlyTheKnownPoints) {
  const torch::Tensor cells = DetectorCells(kSize, kSize);
  const double nan = std::nan("");
  TrainingFace face{{18, 18, 20, 20}, false, {{22, 24}, {34, 24}, {28, 30}, {nan, nan}, {nan, nan}}};
  const DetectorTargets t = AssignDetectorTargets({{face}}, {true}, cells, DetectorLossOptions());
  const int64_t k = CellIndex(8, 3, 3);
  EXPECT_FLOAT_EQ(t.points[0][k][2].item<float>(), 34);
  EXPECT_EQ(t.point_known[0][k].sum().item<float>(), 6);
}

TEST(PairedIou, MatchesHandWorkedBoxes) {
  const torch::Tensor a = torch::tensor({{0.f, 0.f, 10.f, 10.f}, {0.f, 0.f, 10.f, 10.f}});
  const torch::Tensor b = torch::tensor({{5.f, 0.f, 15.f, 10.f}, {20.f, 0.f, 30.f, 10.f}});
  const torch::Tensor iou = PairedIou(a, b);
  EXPECT_NEAR(iou[0].item<float>(), 50.0 / 150.0, 1e-6);
  EXPECT_NEAR(iou[1].item<float>(), 0.0, 1e-6);
  const torch::Tensor giou = PairedGeneralizedIou(a, b);
  EXPECT_NEAR(giou[0].item<float>(), 50.0 / 150.0, 1e-6);  // The hull is the union.
  // Hull 30x10 = 300, union 200: 0 - 100/300.
  EXPECT_NEAR(giou[1].item<float>(), -1.0 / 3.0, 1e-6);
}

TEST(ComputeDetectorLoss, FallsWhenANetLearnsOneImage) {
  torch::manual_seed(0);
  DetectorNet net(DetectorNetOptions{4, 8});
  const torch::Tensor cells = DetectorCells(kSize, kSize);
  torch::Tensor image = torch::zeros({1, 3, kSize, kSize});
  image.slice(2, 18, 38).slice(3, 18, 38).fill_(1);
  TrainingFace face{{18, 18, 20, 20}};
  const DetectorTargets t = AssignDetectorTargets({{face}}, {true}, cells, DetectorLossOptions());
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-2));
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    optimizer.zero_grad();
    DetectorLoss loss = ComputeDetectorLoss(net->forward(image), t, cells, DetectorLossOptions());
    ASSERT_TRUE(std::isfinite(loss.total.item<double>()));
    EXPECT_EQ(loss.positives, 9);
    if (step == 0) first = loss.total.item<double>();
    last = loss.total.item<double>();
    loss.total.backward();
    optimizer.step();
  }
  EXPECT_LT(last, 0.5 * first);
}

}  // namespace
}  // namespace facerec::detect
