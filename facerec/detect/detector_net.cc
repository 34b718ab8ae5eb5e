#include "facerec/detect/detector_net.h"

#include <cmath>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "facerec/backbones/batchnorm_fusion.h"
#include "glog/logging.h"

namespace facerec::detect {
namespace nn = torch::nn;
namespace F = torch::nn::functional;
namespace {

void AddConvBnRelu(nn::Sequential& s, int in, int out, int kernel, int stride, int groups) {
  s->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                              .stride(stride)
                              .padding(kernel / 2)
                              .groups(groups)
                              .bias(false)));
  s->push_back(nn::BatchNorm2d(out));
  s->push_back(nn::ReLU(nn::ReLUOptions().inplace(true)));
}

// Depthwise 3x3, then pointwise 1x1, each with BatchNorm and ReLU.
void AddSeparable(nn::Sequential& s, int in, int out) {
  AddConvBnRelu(s, in, in, 3, 1, in);
  AddConvBnRelu(s, in, out, 1, 1, 1);
}

void AddPool(nn::Sequential& s) { s->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2))); }

nn::Sequential Head(int width) {
  nn::Sequential s;
  AddSeparable(s, width, width);
  nn::Conv2d out(nn::Conv2dOptions(width, kDetectorOutputs, 1).bias(true));
  {
    torch::NoGradGuard no_grad;
    out->bias.zero_();
    // A prior of 1 % faces per cell, so the first steps are not spent
    // learning that almost every cell is background (RetinaNet's init).
    out->bias[0].fill_(-std::log(99.0));
    out->weight.normal_(0, 0.01);
  }
  s->push_back(out);
  return s;
}

// [N, 15, H, W] -> [N, H*W, 15], row by row.
torch::Tensor Flatten(const torch::Tensor& x) {
  return x.permute({0, 2, 3, 1}).reshape({x.size(0), -1, kDetectorOutputs});
}

torch::Tensor Upsampled(const torch::Tensor& coarse, const torch::Tensor& like) {
  return F::interpolate(coarse, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{like.size(2), like.size(3)})
                                    .mode(torch::kNearest));
}

// Multiply-adds of `s` on a `*h` x `*w` input; leaves the output size there.
void CountCost(const nn::Sequential& s, int64_t* h, int64_t* w, int64_t* macs) {
  for (const auto& child : *s) {
    if (auto* conv = child.ptr()->as<nn::Conv2d>()) {
      const auto& o = conv->options;
      const int64_t stride = o.stride()->at(0);
      *h = (*h + stride - 1) / stride;
      *w = (*w + stride - 1) / stride;
      *macs += *h * *w * o.out_channels() * (o.in_channels() / o.groups()) *
               o.kernel_size()->at(0) * o.kernel_size()->at(1);
    } else if (child.ptr()->as<nn::MaxPool2d>() != nullptr) {
      *h /= 2;
      *w /= 2;
    }
  }
}

}  // namespace

DetectorNetImpl::DetectorNetImpl(const DetectorNetOptions& options) : options_(options) {
  CHECK_GE(options.stem_width, 1);
  CHECK_GE(options.width, 1);
  const int c = options.stem_width, w = options.width;
  stem_ = nn::Sequential();
  AddConvBnRelu(stem_, 3, c, 3, 2, 1);
  AddSeparable(stem_, c, c);
  AddPool(stem_);
  AddSeparable(stem_, c, 2 * c);
  AddSeparable(stem_, 2 * c, 2 * c);
  stage8_ = nn::Sequential();
  AddPool(stage8_);
  AddSeparable(stage8_, 2 * c, w);
  AddSeparable(stage8_, w, w);
  stage16_ = nn::Sequential();
  AddPool(stage16_);
  AddSeparable(stage16_, w, w);
  AddSeparable(stage16_, w, w);
  stage32_ = nn::Sequential();
  AddPool(stage32_);
  AddSeparable(stage32_, w, w);
  AddSeparable(stage32_, w, w);
  lateral8_ = nn::Sequential();
  AddSeparable(lateral8_, w, w);
  lateral16_ = nn::Sequential();
  AddSeparable(lateral16_, w, w);
  lateral32_ = nn::Sequential();
  AddSeparable(lateral32_, w, w);
  head8_ = Head(w);
  head16_ = Head(w);
  head32_ = Head(w);
  register_module("stem", stem_);
  register_module("stage8", stage8_);
  register_module("stage16", stage16_);
  register_module("stage32", stage32_);
  register_module("lateral8", lateral8_);
  register_module("lateral16", lateral16_);
  register_module("lateral32", lateral32_);
  register_module("head8", head8_);
  register_module("head16", head16_);
  register_module("head32", head32_);
}

torch::Tensor DetectorNetImpl::forward(torch::Tensor images) {
  CHECK(!(fused_ && is_training())) << "a net with fused BatchNorm is for inference only";
  CHECK_EQ(images.size(2) % kDetectorInputMultiple, 0);
  CHECK_EQ(images.size(3) % kDetectorInputMultiple, 0);
  const torch::Tensor c4 = stem_->forward((images - 0.5) / 0.5);
  const torch::Tensor c8 = stage8_->forward(c4);
  const torch::Tensor c16 = stage16_->forward(c8);
  const torch::Tensor c32 = stage32_->forward(c16);
  const torch::Tensor p32 = lateral32_->forward(c32);
  const torch::Tensor p16 = lateral16_->forward(c16 + Upsampled(p32, c16));
  const torch::Tensor p8 = lateral8_->forward(c8 + Upsampled(p16, c8));
  return torch::cat({Flatten(head8_->forward(p8)), Flatten(head16_->forward(p16)),
                     Flatten(head32_->forward(p32))},
                    1);
}

void DetectorNetImpl::FuseBatchNorm() {
  if (fused_) return;
  using backbones::FuseConvBatchNorm;
  stem_ = replace_module("stem", FuseConvBatchNorm(stem_));
  stage8_ = replace_module("stage8", FuseConvBatchNorm(stage8_));
  stage16_ = replace_module("stage16", FuseConvBatchNorm(stage16_));
  stage32_ = replace_module("stage32", FuseConvBatchNorm(stage32_));
  lateral8_ = replace_module("lateral8", FuseConvBatchNorm(lateral8_));
  lateral16_ = replace_module("lateral16", FuseConvBatchNorm(lateral16_));
  lateral32_ = replace_module("lateral32", FuseConvBatchNorm(lateral32_));
  head8_ = replace_module("head8", FuseConvBatchNorm(head8_));
  head16_ = replace_module("head16", FuseConvBatchNorm(head16_));
  head32_ = replace_module("head32", FuseConvBatchNorm(head32_));
  fused_ = true;
  eval();
}

DetectorNetCost MeasureDetectorNetCost(const DetectorNetOptions& options, int height, int width) {
  DetectorNet net(options);
  DetectorNetCost cost;
  for (const auto& p : net->parameters()) cost.parameters += p.numel();
  int64_t h = height, w = width;
  const auto children = net->named_children();
  auto count = [&](const char* name, int64_t* hh, int64_t* ww) {
    CountCost(nn::Sequential(std::dynamic_pointer_cast<nn::SequentialImpl>(children[name])), hh,
              ww, &cost.multiply_adds);
  };

  count("stem", &h, &w);
  count("stage8", &h, &w);
  int64_t h8 = h, w8 = w;
  count("stage16", &h, &w);
  int64_t h16 = h, w16 = w;
  count("stage32", &h, &w);
  int64_t h32 = h, w32 = w;
  for (auto [name, hh, ww] : {std::tuple{"lateral8", h8, w8}, std::tuple{"head8", h8, w8},
                              std::tuple{"lateral16", h16, w16}, std::tuple{"head16", h16, w16},
                              std::tuple{"lateral32", h32, w32}, std::tuple{"head32", h32, w32}}) {
    count(name, &hh, &ww);
  }
  return cost;
}

torch::Tensor DetectorCells(int height, int width) {
  CHECK_EQ(height % kDetectorInputMultiple, 0);
  CHECK_EQ(width % kDetectorInputMultiple, 0);
  std::vector<torch::Tensor> levels;
  for (const int stride : kDetectorStrides) {
    const int64_t rows = height / stride, cols = width / stride;
    const torch::Tensor y = (torch::arange(rows, torch::kFloat32) + 0.5) * stride;
    const torch::Tensor x = (torch::arange(cols, torch::kFloat32) + 0.5) * stride;
    const auto grid = torch::meshgrid({y, x}, "ij");
    levels.push_back(torch::stack({grid[1].reshape(-1), grid[0].reshape(-1),
                                   torch::full({rows * cols}, static_cast<float>(stride))},
                                  1));
  }
  return torch::cat(levels, 0);
}

torch::Tensor DecodeDetectorBoxes(const torch::Tensor& raw_box, const torch::Tensor& cells) {
  const torch::Tensor centre = cells.slice(1, 0, 2);
  const torch::Tensor stride = cells.slice(1, 2, 3);
  // Clamped so that an untrained or diverging net cannot overflow exp.
  const torch::Tensor d = torch::exp(raw_box.clamp(-10, 10)) * stride;
  return torch::cat({centre - d.slice(1, 0, 2), centre + d.slice(1, 2, 4)}, 1);
}

DecodedDetections DecodeDetectorOutput(const torch::Tensor& raw, const torch::Tensor& cells) {
  DecodedDetections d;
  d.scores = torch::sigmoid(raw.select(1, 0));
  d.boxes = DecodeDetectorBoxes(raw.slice(1, 1, 5), cells);
  const torch::Tensor centre = cells.slice(1, 0, 2).repeat({1, 5});
  d.points = centre + raw.slice(1, 5, 15) * cells.slice(1, 2, 3);
  return d;
}

absl::Status SaveDetectorNet(DetectorNet net, const std::string& path) {
  const std::string temporary = path + ".tmp";
  try {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    torch::serialize::OutputArchive archive;
    archive.write("options", torch::tensor({static_cast<int64_t>(net->options().stem_width),
                                            static_cast<int64_t>(net->options().width)}));
    net->save(archive);
    archive.save_to(temporary);
    std::filesystem::rename(temporary, path);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path, ": cannot save the detector net: ", e.what()));
  }
  return absl::OkStatus();
}

absl::StatusOr<DetectorNet> LoadDetectorNet(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such detector model"));
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    torch::Tensor options;
    archive.read("options", options);
    DetectorNetOptions o;
    o.stem_width = static_cast<int>(options[0].item<int64_t>());
    o.width = static_cast<int>(options[1].item<int64_t>());
    if (o.stem_width < 1 || o.width < 1) {
      return absl::DataLossError(absl::StrCat(path, ": detector model with invalid widths"));
    }
    DetectorNet net(o);
    net->load(archive);
    return net;
  } catch (const std::exception& e) {
    // LibTorch's messages go on with a backtrace: the first line says it.
    const absl::string_view reason(e.what());
    return absl::DataLossError(absl::StrCat(path, ": not a detector model: ", reason.substr(0, reason.find('\n'))));
  }
}

}  // namespace facerec::detect
