#include "facerec/align/landmark_net.h"

#include <cmath>

#include "facerec/backbones/batchnorm_fusion.h"
#include "glog/logging.h"

namespace facerec::align {
namespace nn = torch::nn;
namespace {

void AddConvBnRelu(nn::Sequential& layers, int in, int out, int stride) {
  layers->push_back(
      nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
  layers->push_back(nn::BatchNorm2d(out));
  layers->push_back(nn::ReLU(nn::ReLUOptions().inplace(true)));
}

}  // namespace

std::optional<LandmarkHead> ParseLandmarkHead(const std::string& name) {
  if (name == "regression") return LandmarkHead::kRegression;
  if (name == "soft_argmax") return LandmarkHead::kSoftArgmax;
  return std::nullopt;
}

const char* LandmarkHeadName(LandmarkHead head) {
  switch (head) {
    case LandmarkHead::kRegression:
      return "regression";
    case LandmarkHead::kSoftArgmax:
      return "soft_argmax";
  }
  LOG(FATAL) << "unknown landmark head " << static_cast<int>(head);
}

LandmarkNetImpl::LandmarkNetImpl(const LandmarkNetOptions& options) : options_(options) {
  CHECK_EQ(options.input_size % 16, 0) << "input_size must be a multiple of 16";
  const int c = options.base_width;
  const bool soft_argmax = options.head == LandmarkHead::kSoftArgmax;
  features_ = nn::Sequential();
  AddConvBnRelu(features_, 3, c, 2);
  int in = c;
  // Stage s: two convolutions at 1/2^s scale, then a 2x pool. The
  // soft-argmax net makes its heatmaps from stage 2's map (1/4 scale), so
  // stage 2's pool and stage 3 go to coarse_, and stage 3 has no pool.
  for (int stage = 1; stage <= 3; ++stage) {
    const int out = c << stage;
    nn::Sequential& layers = (soft_argmax && stage == 3) ? coarse_ : features_;
    AddConvBnRelu(layers, in, out, 1);
    AddConvBnRelu(layers, out, out, 1);
    if (!soft_argmax || stage == 1) {
      layers->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
    } else if (stage == 2) {
      coarse_ = nn::Sequential();
      coarse_->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
    }
    in = out;
  }
  register_module("features", features_);
  if (soft_argmax) {
    register_module("coarse", coarse_);
    // Joined maps: stage 2 (4c channels) and the upsampled stage 3 (8c).
    heatmaps_ = nn::Sequential();
    AddConvBnRelu(heatmaps_, 12 * c, 4 * c, 1);
    heatmaps_->push_back(nn::Conv2d(nn::Conv2dOptions(4 * c, 5, 1)));
    register_module("heatmaps", heatmaps_);
    return;
  }
  const int side = options.input_size / 16;
  hidden_ = register_module("hidden", nn::Linear(in * side * side, options.hidden));
  output_ = register_module("output", nn::Linear(options.hidden, 10));
}

void LandmarkNetImpl::FuseBatchNorm() {
  if (fused_) return;
  features_ = replace_module("features", backbones::FuseConvBatchNorm(features_));
  if (options_.head == LandmarkHead::kSoftArgmax) {
    coarse_ = replace_module("coarse", backbones::FuseConvBatchNorm(coarse_));
    heatmaps_ = replace_module("heatmaps", backbones::FuseConvBatchNorm(heatmaps_));
  }
  fused_ = true;
  eval();
}

torch::Tensor LandmarkNetImpl::forward(torch::Tensor images) {
  CHECK(!(fused_ && is_training())) << "a net with fused BatchNorm is for inference only";
  const torch::Tensor centred = (images - 0.5) / 0.5;
  if (options_.head == LandmarkHead::kSoftArgmax) return SoftArgmaxForward(centred);
  torch::Tensor x = features_->forward(centred).flatten(1);
  x = torch::relu(hidden_->forward(x));
  // Centred on the crop: the net learns offsets from the middle.
  return (output_->forward(x) + 0.5).view({-1, 5, 2});
}

torch::Tensor LandmarkNetImpl::SoftArgmaxForward(const torch::Tensor& centred) {
  const torch::Tensor fine = features_->forward(centred);  // [N, 4c, S/4, S/4]
  const torch::Tensor coarse = torch::nn::functional::interpolate(
      coarse_->forward(fine), torch::nn::functional::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{fine.size(2), fine.size(3)})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
  return SoftArgmax2d(heatmaps_->forward(torch::cat({fine, coarse}, 1)));
}

torch::Tensor SoftArgmax2d(const torch::Tensor& logits) {
  CHECK_EQ(logits.dim(), 4) << "SoftArgmax2d takes [N, K, H, W] logits";
  const int64_t n = logits.size(0), k = logits.size(1), h = logits.size(2), w = logits.size(3);
  const torch::Tensor p = torch::softmax(logits.flatten(2), 2).view({n, k, h, w});
  const torch::Tensor x = (p.sum(2) * SoftArgmaxCellCentres(w, logits.options())).sum(2);  // Column marginals.
  const torch::Tensor y = (p.sum(3) * SoftArgmaxCellCentres(h, logits.options())).sum(2);  // Row marginals.
  return torch::stack({x, y}, 2);
}

torch::Tensor SoftArgmaxCellCentres(int64_t cells, const torch::TensorOptions& options) {
  // Cell j covers [j, j + 1) / cells of the map; it stands for its middle.
  return (torch::arange(cells, options) + 0.5) / static_cast<double>(cells);
}

torch::Tensor WingLoss(const torch::Tensor& predicted, const torch::Tensor& truth, double w,
                       double epsilon) {
  const torch::Tensor d = (predicted - truth).abs();
  const double c = w - w * std::log(1.0 + w / epsilon);
  return torch::where(d < w, w * torch::log1p(d / epsilon), d - c).mean();
}

}  // namespace facerec::align
