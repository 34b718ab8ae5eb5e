// A compact CNN that regresses the 5 face landmarks (data::kFivePointNames
// order) from a square face crop, and the Wing loss it is trained with.
//
//   LandmarkNet net(LandmarkNetOptions{});            // 64x64 input
//   torch::Tensor points = net->forward(crops);       // [N, 3, 64, 64] -> [N, 5, 2]
//   torch::Tensor loss = WingLoss(points * 64, truth * 64);
//
// Why direct regression and not heatmaps: for 5 sparse points on a 64x64
// crop a small regression net reaches the MTFL-era accuracy (TCDCN, ~8%
// NME on AFLW; ours: experiments/RESULTS.md) at a fraction of a heatmap
// net's cost (its time per face: benchmarks/README.md). Heatmaps pay for a decoder at
// high resolution and a soft-argmax to be sub-pixel. The Wing loss (Feng et
// al., CVPR 2018) keeps regression's weak spot in check: it is log-shaped for
// small errors, so the many nearly-right points still pull as hard as the
// few large ones (L2 lets the outliers dominate, L1 gives small errors a
// constant, weak gradient).
//
// Coordinates are in units of the crop side: (0, 0) top-left, (1, 1)
// bottom-right. Inputs are RGB in [0, 1].
#ifndef FACEREC_ALIGN_LANDMARK_NET_H_
#define FACEREC_ALIGN_LANDMARK_NET_H_

#include <torch/torch.h>

namespace facerec::align {

struct LandmarkNetOptions {
  int input_size = 64;  // Square crop side in pixels. Default 64.
  int base_width = 16;  // Stem channels; stages use 2x, 4x, 8x. Default 16.
  int hidden = 512;     // Width of the hidden fully connected layer. Default 512.
};

// Stem (3x3 stride 2) and three conv-conv-maxpool stages down to a 4x4 map
// (for a 64 input), then two fully connected layers: ~45 MFLOPs per face.
class LandmarkNetImpl : public torch::nn::Module {
 public:
  explicit LandmarkNetImpl(const LandmarkNetOptions& options);
  // [N, 3, S, S] in [0, 1] -> [N, 5, 2] (x, y) in crop units.
  torch::Tensor forward(torch::Tensor images);
  const LandmarkNetOptions& options() const { return options_; }

  // For inference only: folds each BatchNorm's running statistics into the
  // convolution before it and drops the BatchNorm (7 fewer ops a forward
  // pass; the outputs agree to float rounding). Puts the net in eval mode for
  // good: training it afterwards CHECK-fails. Used on a copy
  // (LandmarkDetector), never on a net still being trained.
  void FuseBatchNorm();

 private:
  LandmarkNetOptions options_;
  bool fused_ = false;
  torch::nn::Sequential features_{nullptr};
  torch::nn::Linear hidden_{nullptr}, output_{nullptr};
};
TORCH_MODULE(LandmarkNet);

// The crop side, in pixels, the Wing loss's w and epsilon are given for:
// coordinates in crop units are scaled to it before the loss, whatever the
// net's input size (64 since the start, so nets trained at 64 px train
// exactly as before; at 96 px, scaling by 96 gave the loss a 1.5x narrower
// log region).
inline constexpr double kWingLossCropSide = 64;

// The Wing loss, per coordinate and averaged:
// w * ln(1 + |d| / epsilon) for |d| < w, else |d| - C (C makes it
// continuous). `predicted` and `truth` are [N, 5, 2] in pixels; Feng et al.'s
// w = 10, epsilon = 2 are for 64-pixel crops.
torch::Tensor WingLoss(const torch::Tensor& predicted, const torch::Tensor& truth,
                       double w = 10.0, double epsilon = 2.0);

}  // namespace facerec::align

#endif  // FACEREC_ALIGN_LANDMARK_NET_H_
