// A compact CNN that regresses the 5 face landmarks (data::kFivePointNames
// order) from a square face crop, and the Wing loss it is trained with.
//
//   LandmarkNet net(LandmarkNetOptions{});            // 64x64 input
//   torch::Tensor points = net->forward(crops);       // [N, 3, 64, 64] -> [N, 5, 2]
//   torch::Tensor loss = WingLoss(points * 64, truth * 64);
//
// Two heads read the same convolutional trunk (LandmarkHead):
// - kRegression: two fully connected layers on the last,
//   1/16-scale feature map regress the 10 coordinates. Cheap, and the
//   layers see the whole face at once, so they carry a shape prior.
// - kSoftArgmax (the default; integral regression, Sun et al., ECCV 2018): the stage-3
//   map, upsampled, joins the stage-2 map at 1/4 scale; a small head turns it
//   into one heatmap per point, and each point is the heatmap's softmax-
//   weighted mean position. The coordinates keep the spatial layout of the
//   features instead of flattening it away, at a decoder's extra cost (its
//   time per face: benchmarks/README.md); the mean makes them sub-pixel and
//   differentiable, so the same loss trains both heads.
// The Wing loss (Feng et
// al., CVPR 2018) keeps regression's weak spot in check: it is log-shaped for
// small errors, so the many nearly-right points still pull as hard as the
// few large ones (L2 lets the outliers dominate, L1 gives small errors a
// constant, weak gradient).
//
// Coordinates are in units of the crop side: (0, 0) top-left, (1, 1)
// bottom-right. Inputs are RGB in [0, 1].
#ifndef FACEREC_ALIGN_LANDMARK_NET_H_
#define FACEREC_ALIGN_LANDMARK_NET_H_

#include <optional>
#include <string>
#include <torch/torch.h>

namespace facerec::align {

// How the net turns features into points (see the top of this file).
enum class LandmarkHead {
  kRegression = 0,  // Fully connected layers on the 1/16-scale map.
  kSoftArgmax = 1,  // Heatmaps at 1/4 scale, softmax-weighted mean positions.
};

// "regression" or "soft_argmax" (flag values and run params); nullopt for
// any other name.
std::optional<LandmarkHead> ParseLandmarkHead(const std::string& name);
const char* LandmarkHeadName(LandmarkHead head);

struct LandmarkNetOptions {
  int input_size = 64;  // Square crop side in pixels. Default 64.
  int base_width = 16;  // Stem channels; stages use 2x, 4x, 8x. Default 16.
  int hidden = 512;     // kRegression: width of the hidden fully connected layer. Default 512.
  // Default kSoftArgmax: on held-out MTFL faces it more than halves the
  // regression head's error at the same budget (issue 35;
  // experiments/results_notes.md).
  LandmarkHead head = LandmarkHead::kSoftArgmax;
};

// Stem (3x3 stride 2) and three conv-conv-maxpool stages down to a 4x4 map
// (for a 64 input), then two fully connected layers: ~45 MFLOPs per face.
// With kSoftArgmax the trunk stops before the last pool and the heatmap head
// (3x3 conv on the joined 1/4-scale maps, then 1x1 to 5 maps) replaces the
// fully connected layers.
//
// Thread-safety: a torch::nn::Module; forward() on one instance from one
// thread at a time (BatchNorm updates its statistics in training mode).
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
  torch::Tensor SoftArgmaxForward(const torch::Tensor& centred);

  LandmarkNetOptions options_;
  bool fused_ = false;
  // kRegression: the whole trunk. kSoftArgmax: stem, stage 1 and stage 2
  // up to (not including) its pool, i.e. the 1/4-scale map.
  torch::nn::Sequential features_{nullptr};
  torch::nn::Linear hidden_{nullptr}, output_{nullptr};  // kRegression only.
  // kSoftArgmax only: stage 2's pool and stage 3 (the 1/8-scale map), and the
  // heatmap head on both maps joined.
  torch::nn::Sequential coarse_{nullptr}, heatmaps_{nullptr};
};
TORCH_MODULE(LandmarkNet);

// Each of K maps' softmax-weighted mean position: [N, K, H, W] logits ->
// [N, K, 2] (x, y) in map units, (0, 0) the top-left corner and (1, 1) the
// bottom-right one, cell (r, c) standing for its centre ((c + 0.5) / W,
// (r + 0.5) / H). A uniform map gives (0.5, 0.5); a map peaked on one cell,
// that cell's centre. Differentiable.
torch::Tensor SoftArgmax2d(const torch::Tensor& logits);

// The positions SoftArgmax2d gives a map's cells along one axis of `cells`:
// (j + 0.5) / cells for j = 0 .. cells - 1, a 1-D tensor. The ONNX export
// builds its product with the same positions.
torch::Tensor SoftArgmaxCellCentres(int64_t cells, const torch::TensorOptions& options = {});

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
