#include "facerec/backbones/backbone.h"

#include <cmath>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace facerec::backbones {
namespace {

namespace nn = torch::nn;

int Scaled(int channels, double multiplier) {
  return std::max(8, static_cast<int>(std::lround(channels * multiplier / 8.0)) * 8);
}

nn::Conv2d Conv(int in, int out, int kernel, int stride, int groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                        .stride(stride)
                        .padding(kernel / 2)
                        .groups(groups)
                        .bias(false));
}

// Output size of a stride-2, padding-1, kernel-3 convolution.
int Halved(int size) { return (size - 1) / 2 + 1; }

// --- IResNet ---

class IBasicBlockImpl : public nn::Module {
 public:
  IBasicBlockImpl(int in, int out, int stride) {
    bn1_ = register_module("bn1", nn::BatchNorm2d(nn::BatchNorm2dOptions(in).eps(1e-5)));
    conv1_ = register_module("conv1", Conv(in, out, 3, 1));
    bn2_ = register_module("bn2", nn::BatchNorm2d(nn::BatchNorm2dOptions(out).eps(1e-5)));
    prelu_ = register_module("prelu", nn::PReLU(nn::PReLUOptions().num_parameters(out)));
    conv2_ = register_module("conv2", Conv(out, out, 3, stride));
    bn3_ = register_module("bn3", nn::BatchNorm2d(nn::BatchNorm2dOptions(out).eps(1e-5)));
    if (stride != 1 || in != out) {
      downsample_ = register_module(
          "downsample",
          nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                         nn::BatchNorm2d(out)));
    }
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor y = bn3_(conv2_(prelu_(bn2_(conv1_(bn1_(x))))));
    return y + (downsample_ ? downsample_->forward(x) : x);
  }

 private:
  nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  nn::PReLU prelu_{nullptr};
  nn::Sequential downsample_{nullptr};
};
TORCH_MODULE(IBasicBlock);

class IResNetImpl : public BackboneImpl {
 public:
  IResNetImpl(const std::vector<int>& units, const BackboneOptions& o)
      : embedding_size_(o.embedding_size) {
    const std::vector<int> widths = {Scaled(64, o.width_multiplier), Scaled(128, o.width_multiplier),
                                     Scaled(256, o.width_multiplier),
                                     Scaled(512, o.width_multiplier)};
    stem_ = register_module(
        "stem", nn::Sequential(Conv(3, widths[0], 3, o.stem_stride), nn::BatchNorm2d(widths[0]),
                               nn::PReLU(nn::PReLUOptions().num_parameters(widths[0]))));
    body_ = register_module("body", nn::Sequential());
    int in = widths[0], h = o.input_height, w = o.input_width;
    if (o.stem_stride == 2) {
      h = Halved(h);
      w = Halved(w);
    }
    for (size_t stage = 0; stage < units.size(); ++stage) {
      for (int u = 0; u < units[stage]; ++u) {
        body_->push_back(IBasicBlock(in, widths[stage], u == 0 ? 2 : 1));
        in = widths[stage];
      }
      h = Halved(h);
      w = Halved(w);
    }
    head_bn_ = register_module("head_bn", nn::BatchNorm2d(in));
    dropout_ = register_module("dropout", nn::Dropout(o.dropout));
    fc_ = register_module("fc", nn::Linear(in * h * w, o.embedding_size));
    features_ = register_module("features", nn::BatchNorm1d(o.embedding_size));
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<nn::Conv2d>()) {
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      }
    }
  }

  torch::Tensor forward(torch::Tensor x) override {
    x = body_->forward(stem_->forward((x - 0.5) / 0.5));
    x = dropout_(head_bn_(x)).flatten(1);
    return features_(fc_(x));
  }
  int embedding_size() const override { return embedding_size_; }

 private:
  const int embedding_size_;
  nn::Sequential stem_{nullptr}, body_{nullptr};
  nn::BatchNorm2d head_bn_{nullptr};
  nn::Dropout dropout_{nullptr};
  nn::Linear fc_{nullptr};
  nn::BatchNorm1d features_{nullptr};
};

// --- MobileFaceNet ---

// A module rather than a Sequential: Sequentials cannot nest in LibTorch.
class ConvBnPreluImpl : public nn::Module {
 public:
  ConvBnPreluImpl(int in, int out, int kernel, int stride, int groups) {
    conv_ = register_module("conv", Conv(in, out, kernel, stride, groups));
    bn_ = register_module("bn", nn::BatchNorm2d(out));
    prelu_ = register_module("prelu", nn::PReLU(nn::PReLUOptions().num_parameters(out)));
  }
  torch::Tensor forward(torch::Tensor x) { return prelu_(bn_(conv_(x))); }

 private:
  nn::Conv2d conv_{nullptr};
  nn::BatchNorm2d bn_{nullptr};
  nn::PReLU prelu_{nullptr};
};
TORCH_MODULE(ConvBnPrelu);

class BottleneckImpl : public nn::Module {
 public:
  BottleneckImpl(int in, int out, int stride, int expansion)
      : residual_(stride == 1 && in == out) {
    const int hidden = in * expansion;
    body_ = register_module(
        "body", nn::Sequential(ConvBnPrelu(in, hidden, 1, 1, 1),
                               ConvBnPrelu(hidden, hidden, 3, stride, hidden),
                               Conv(hidden, out, 1, 1), nn::BatchNorm2d(out)));
  }
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor y = body_->forward(x);
    return residual_ ? x + y : y;
  }

 private:
  const bool residual_;
  nn::Sequential body_{nullptr};
};
TORCH_MODULE(Bottleneck);

class MobileFaceNetImpl : public BackboneImpl {
 public:
  explicit MobileFaceNetImpl(const BackboneOptions& o) : embedding_size_(o.embedding_size) {
    const int c64 = Scaled(64, o.width_multiplier), c128 = Scaled(128, o.width_multiplier),
              c512 = Scaled(512, o.width_multiplier);
    int h = Halved(o.input_height), w = Halved(o.input_width);
    body_ = register_module("body", nn::Sequential(ConvBnPrelu(3, c64, 3, 2, 1),
                                                   ConvBnPrelu(c64, c64, 3, 1, c64)));
    // (expansion, out, repeats, stride) from the paper's Table 1.
    const std::vector<std::array<int, 4>> spec = {
        {2, c64, 5, 2}, {4, c128, 1, 2}, {2, c128, 6, 1}, {4, c128, 1, 2}, {2, c128, 2, 1}};
    int in = c64;
    for (const auto& [expansion, out, repeats, stride] : spec) {
      for (int r = 0; r < repeats; ++r) {
        body_->push_back(Bottleneck(in, out, r == 0 ? stride : 1, expansion));
        in = out;
      }
      if (stride == 2) {
        h = Halved(h);
        w = Halved(w);
      }
    }
    body_->push_back(ConvBnPrelu(in, c512, 1, 1, 1));
    // Global depthwise conv over the whole remaining map.
    gdc_ = register_module(
        "gdc", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(c512, c512, {h, w})
                                             .groups(c512)
                                             .bias(false)),
                              nn::BatchNorm2d(c512)));
    dropout_ = register_module("dropout", nn::Dropout(o.dropout));
    fc_ = register_module("fc", nn::Linear(nn::LinearOptions(c512, o.embedding_size).bias(false)));
    features_ = register_module("features", nn::BatchNorm1d(o.embedding_size));
  }

  torch::Tensor forward(torch::Tensor x) override {
    x = gdc_->forward(body_->forward((x - 0.5) / 0.5)).flatten(1);
    return features_(fc_(dropout_(x)));
  }
  int embedding_size() const override { return embedding_size_; }

 private:
  const int embedding_size_;
  nn::Sequential body_{nullptr}, gdc_{nullptr};
  nn::Dropout dropout_{nullptr};
  nn::Linear fc_{nullptr};
  nn::BatchNorm1d features_{nullptr};
};

using Factory = std::function<Backbone(const BackboneOptions&)>;

const std::map<std::string, Factory>& Registry() {
  static const auto* registry = new std::map<std::string, Factory>{
      {"ir_mini", [](const BackboneOptions& o) { return std::make_shared<IResNetImpl>(std::vector<int>{1, 2, 2, 1}, o); }},
      {"ir18", [](const BackboneOptions& o) { return std::make_shared<IResNetImpl>(std::vector<int>{2, 2, 2, 2}, o); }},
      {"ir34", [](const BackboneOptions& o) { return std::make_shared<IResNetImpl>(std::vector<int>{3, 4, 6, 3}, o); }},
      {"ir50", [](const BackboneOptions& o) { return std::make_shared<IResNetImpl>(std::vector<int>{3, 4, 14, 3}, o); }},
      {"ir100", [](const BackboneOptions& o) { return std::make_shared<IResNetImpl>(std::vector<int>{3, 13, 30, 3}, o); }},
      {"mobilefacenet", [](const BackboneOptions& o) { return std::make_shared<MobileFaceNetImpl>(o); }},
  };
  return *registry;
}

}  // namespace

std::vector<std::string> KnownBackbones() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : Registry()) names.push_back(name);
  return names;
}

absl::StatusOr<Backbone> MakeBackbone(const BackboneOptions& options) {
  const auto it = Registry().find(options.name);
  if (it == Registry().end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown backbone '", options.name,
                                                   "'; known: ", absl::StrJoin(KnownBackbones(), ", ")));
  }
  if (options.input_height < 16 || options.input_width < 16) {
    return absl::InvalidArgumentError(absl::StrCat("backbone input ", options.input_height, "x",
                                                   options.input_width, " is below 16x16"));
  }
  if (options.embedding_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("embedding_size must be >= 1, got ", options.embedding_size));
  }
  if (options.stem_stride != 1 && options.stem_stride != 2) {
    return absl::InvalidArgumentError("stem_stride must be 1 or 2");
  }
  if (options.width_multiplier <= 0) {
    return absl::InvalidArgumentError("width_multiplier must be > 0");
  }
  return it->second(options);
}

}  // namespace facerec::backbones
