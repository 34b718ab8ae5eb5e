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

LandmarkNetImpl::LandmarkNetImpl(const LandmarkNetOptions& options) : options_(options) {
  CHECK_EQ(options.input_size % 16, 0) << "input_size must be a multiple of 16";
  const int c = options.base_width;
  features_ = nn::Sequential();
  AddConvBnRelu(features_, 3, c, 2);
  int in = c;
  for (int stage = 1; stage <= 3; ++stage) {
    const int out = c << stage;
    AddConvBnRelu(features_, in, out, 1);
    AddConvBnRelu(features_, out, out, 1);
    features_->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
    in = out;
  }
  register_module("features", features_);
  const int side = options.input_size / 16;
  hidden_ = register_module("hidden", nn::Linear(in * side * side, options.hidden));
  output_ = register_module("output", nn::Linear(options.hidden, 10));
}

void LandmarkNetImpl::FuseBatchNorm() {
  if (fused_) return;
  features_ = replace_module("features", backbones::FuseConvBatchNorm(features_));
  fused_ = true;
  eval();
}

torch::Tensor LandmarkNetImpl::forward(torch::Tensor images) {
  CHECK(!(fused_ && is_training())) << "a net with fused BatchNorm is for inference only";
  torch::Tensor x = features_->forward((images - 0.5) / 0.5).flatten(1);
  x = torch::relu(hidden_->forward(x));
  // Centred on the crop: the net learns offsets from the middle.
  return (output_->forward(x) + 0.5).view({-1, 5, 2});
}

torch::Tensor WingLoss(const torch::Tensor& predicted, const torch::Tensor& truth, double w,
                       double epsilon) {
  const torch::Tensor d = (predicted - truth).abs();
  const double c = w - w * std::log(1.0 + w / epsilon);
  return torch::where(d < w, w * torch::log1p(d / epsilon), d - c).mean();
}

}  // namespace facerec::align
