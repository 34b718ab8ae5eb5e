#include "facerec/export/onnx_export.h"

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/backbones/backbone.h"
#include "facerec/detect/detector_net.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/export/onnx_graph.h"

namespace facerec::exporting {
namespace nn = torch::nn;
namespace {

// x -> (x - 0.5) / 0.5, as the nets do first.
std::string Centre(OnnxGraph& g, const std::string& x) {
  const std::string half = g.AddInitializer("half", torch::tensor(0.5f));
  return g.AddNode("Div", {g.AddNode("Sub", {x, half}), half});
}

// One module of a Sequential: Conv2d (BatchNorm already folded in), ReLU or
// MaxPool2d. UnimplementedError for anything else.
absl::StatusOr<std::string> AddLayer(OnnxGraph& g, nn::Module& layer, const std::string& x,
                                     const std::string& prefix) {
  if (auto* conv = layer.as<nn::Conv2d>()) {
    const auto& o = conv->options;
    const auto k = o.kernel_size(), s = o.stride(), d = o.dilation();
    const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
    if (padding == nullptr) return absl::UnimplementedError("a convolution with string padding");
    std::vector<std::string> inputs = {x, g.AddInitializer(prefix + ".weight", conv->weight)};
    if (conv->bias.defined()) inputs.push_back(g.AddInitializer(prefix + ".bias", conv->bias));
    return g.AddNode("Conv", inputs,
                     {{"kernel_shape", std::vector<int64_t>{(*k)[0], (*k)[1]}},
                      {"strides", std::vector<int64_t>{(*s)[0], (*s)[1]}},
                      {"dilations", std::vector<int64_t>{(*d)[0], (*d)[1]}},
                      {"pads", std::vector<int64_t>{(**padding)[0], (**padding)[1], (**padding)[0], (**padding)[1]}},
                      {"group", o.groups()}});
  }
  if (layer.as<nn::ReLU>()) return g.AddNode("Relu", {x});
  if (auto* bn = layer.as<nn::BatchNorm2d>()) {
    return g.AddNode("BatchNormalization",
                     {x, g.AddInitializer(prefix + ".weight", bn->weight), g.AddInitializer(prefix + ".bias", bn->bias),
                      g.AddInitializer(prefix + ".running_mean", bn->running_mean),
                      g.AddInitializer(prefix + ".running_var", bn->running_var)},
                     {{"epsilon", static_cast<float>(bn->options.eps())}});
  }
  if (auto* prelu = layer.as<nn::PReLU>()) {
    // One slope per channel, shaped to broadcast over [N, C, H, W].
    const int64_t channels = prelu->weight.numel();
    return g.AddNode("PRelu", {x, g.AddInitializer(prefix + ".weight", prelu->weight.reshape({channels, 1, 1}))});
  }
  if (auto* pool = layer.as<nn::MaxPool2d>()) {
    const auto& o = pool->options;
    const auto k = o.kernel_size(), s = o.stride(), p = o.padding();
    if (o.ceil_mode() || (*o.dilation())[0] != 1 || (*o.dilation())[1] != 1) {
      return absl::UnimplementedError("a max pool with ceil mode or dilation");
    }
    return g.AddNode("MaxPool", {x},
                     {{"kernel_shape", std::vector<int64_t>{(*k)[0], (*k)[1]}},
                      {"strides", std::vector<int64_t>{(*s)[0], (*s)[1]}},
                      {"pads", std::vector<int64_t>{(*p)[0], (*p)[1], (*p)[0], (*p)[1]}}});
  }
  return absl::UnimplementedError(absl::StrCat("no ONNX export for module ", layer.name(), " (", prefix, ")"));
}

// The child module called `name`, or null.
std::shared_ptr<nn::Module> Child(const nn::Module& parent, const std::string& name) {
  for (const auto& child : parent.named_children()) {
    if (child.key() == name) return child.value();
  }
  return nullptr;
}

// A child as an AnyModule-like layer for AddLayer.
absl::StatusOr<std::string> AddChild(OnnxGraph& g, const nn::Module& parent, const std::string& name,
                                     const std::string& x, const std::string& prefix) {
  std::shared_ptr<nn::Module> child = Child(parent, name);
  if (child == nullptr) return absl::InternalError(absl::StrCat(prefix, ": no module ", name));
  return AddLayer(g, *child, x, prefix.empty() ? name : prefix + "." + name);
}

// A Sequential's layers in order.
absl::StatusOr<std::string> AddSequential(OnnxGraph& g, const nn::SequentialImpl& layers, std::string x,
                                          const std::string& prefix) {
  size_t i = 0;
  for (const nn::AnyModule& layer : layers) {
    FACEREC_ASSIGN_OR_RETURN(x, AddLayer(g, *layer.ptr(), x, absl::StrCat(prefix, ".", i++)));
  }
  return x;
}

std::string Gemm(OnnxGraph& g, const std::string& x, const nn::LinearImpl& linear, const std::string& prefix) {
  return g.AddNode("Gemm", {x, g.AddInitializer(prefix + ".weight", linear.weight),
                            g.AddInitializer(prefix + ".bias", linear.bias)},
                   {{"transB", int64_t{1}}});
}

}  // namespace

absl::StatusOr<onnx::ModelProto> LandmarkNetToOnnx(align::LandmarkNet net,
                                                   const std::map<std::string, std::string>& metadata) {
  net->FuseBatchNorm();
  const int64_t side = net->options().input_size;
  OnnxGraph g("facerec_landmark_net");
  g.AddInput("images", {-1, 3, side, side});
  std::string x = Centre(g, "images");
  const auto sequential = [&](const char* name) -> nn::SequentialImpl* {
    std::shared_ptr<nn::Module> child = Child(*net, name);
    return child ? child->as<nn::Sequential>() : nullptr;
  };
  nn::SequentialImpl* features = sequential("features");
  if (features == nullptr) return absl::InternalError("the landmark net has no features");
  FACEREC_ASSIGN_OR_RETURN(x, AddSequential(g, *features, x, "features"));
  if (net->options().head == align::LandmarkHead::kSoftArgmax) {
    nn::SequentialImpl* coarse = sequential("coarse");
    nn::SequentialImpl* heatmaps = sequential("heatmaps");
    if (coarse == nullptr || heatmaps == nullptr) {
      return absl::InternalError("the soft-argmax landmark net has not the layers its exporter knows");
    }
    FACEREC_ASSIGN_OR_RETURN(std::string c, AddSequential(g, *coarse, x, "coarse"));
    // Bilinear upsampling by 2 with half-pixel centres: LibTorch's
    // interpolate(align_corners = false) onto the finer map, exactly twice
    // the coarser one as the input side is a multiple of 16.
    c = g.AddNode("Resize", {c, "", g.AddInitializer("upsample_scales", torch::tensor({1.0f, 1.0f, 2.0f, 2.0f}))},
                  {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string("half_pixel")}});
    x = g.AddNode("Concat", {x, c}, {{"axis", int64_t{1}}});
    FACEREC_ASSIGN_OR_RETURN(x, AddSequential(g, *heatmaps, x, "heatmaps"));
    // SoftArgmax2d as a softmax over each map's cells and a product with the
    // cells' centres: [N * 5, H * W] x [H * W, 2] -> [N * 5, 2]. Stored as
    // [2, H * W] with transB and a zero bias, the fully connected layer's
    // form, which OpenCV's importer takes (it rejects the untransposed one).
    // Row-major cells: cell r * W + c sits at (centre c, centre r).
    const int64_t cells = side / 4;
    const torch::Tensor centre = align::SoftArgmaxCellCentres(cells, torch::kFloat32);
    const torch::Tensor centres = torch::stack({centre.repeat({cells}), centre.repeat_interleave(cells)}, 1);
    x = g.AddNode("Reshape", {x, g.AddInt64Initializer("maps_shape", {-1, cells * cells})});
    x = g.AddNode("Softmax", {x}, {{"axis", int64_t{1}}});
    x = g.AddNode("Gemm",
                  {x, g.AddInitializer("cell_centres", centres.t().contiguous()),
                   g.AddInitializer("cell_centres_bias", torch::zeros({2}))},
                  {{"transB", int64_t{1}}});
  } else {
    std::shared_ptr<nn::Module> hidden = Child(*net, "hidden"), output = Child(*net, "output");
    auto* hidden_linear = hidden ? hidden->as<nn::Linear>() : nullptr;
    auto* output_linear = output ? output->as<nn::Linear>() : nullptr;
    if (!hidden_linear || !output_linear) {
      return absl::InternalError("the landmark net has not the layers its exporter knows");
    }
    x = g.AddNode("Flatten", {x}, {{"axis", int64_t{1}}});
    x = g.AddNode("Relu", {Gemm(g, x, *hidden_linear, "hidden")});
    x = Gemm(g, x, *output_linear, "output");
    x = g.AddNode("Add", {x, g.AddInitializer("centre", torch::tensor(0.5f))});
  }
  x = g.AddNode("Reshape", {x, g.AddInt64Initializer("points_shape", {-1, 5, 2})});
  g.AddOutput(x, {-1, 5, 2});
  std::map<std::string, std::string> all = metadata;
  all["facerec.kind"] = "landmarks";
  all["facerec.input"] = absl::StrCat("images: float32 [N, 3, ", side, ", ", side,
                                      "], RGB in [0, 1], a square crop around the face");
  all["facerec.output"] = "[N, 5, 2]: (x, y) as fractions of the crop's side; left eye, right eye, nose, "
                          "left mouth corner, right mouth corner (as seen in the image)";
  all["facerec.opset"] = absl::StrCat(kOnnxOpset);
  all["facerec.input_size"] = absl::StrCat(side, "x", side);
  return g.Finish(all);
}

absl::StatusOr<onnx::ModelProto> EmbeddingNetToOnnx(const backbones::EmbeddingNet& net,
                                                    const std::map<std::string, std::string>& metadata) {
  const backbones::BackboneOptions& o = net.options;
  if (o.name.rfind("ir", 0) != 0) {
    return absl::UnimplementedError(absl::StrCat("ONNX export of backbone '", o.name,
                                                 "' is not implemented (the IResNet family is)"));
  }
  torch::NoGradGuard no_grad;
  net.backbone->eval();
  const nn::Module& backbone = *net.backbone;
  OnnxGraph g("facerec_recogniser");
  g.AddInput("images", {-1, 3, o.input_height, o.input_width});
  std::string x = Centre(g, "images");
  auto* stem = Child(backbone, "stem") ? Child(backbone, "stem")->as<nn::Sequential>() : nullptr;
  auto* body = Child(backbone, "body") ? Child(backbone, "body")->as<nn::Sequential>() : nullptr;
  auto fc_module = Child(backbone, "fc");
  auto features_module = Child(backbone, "features");
  auto* fc = fc_module ? fc_module->as<nn::Linear>() : nullptr;
  auto* features = features_module ? features_module->as<nn::BatchNorm1d>() : nullptr;
  if (!stem || !body || !fc || !features || !Child(backbone, "head_bn")) {
    return absl::InternalError("the IResNet has not the layers its exporter knows");
  }
  FACEREC_ASSIGN_OR_RETURN(x, AddSequential(g, *stem, x, "stem"));
  size_t b = 0;
  for (const nn::AnyModule& block_any : *body) {
    const nn::Module& block = *block_any.ptr();
    const std::string prefix = absl::StrCat("body.", b++);
    // y = bn3(conv2(prelu(bn2(conv1(bn1(x)))))) + shortcut(x).
    std::string y = x;
    for (const char* name : {"bn1", "conv1", "bn2", "prelu", "conv2", "bn3"}) {
      FACEREC_ASSIGN_OR_RETURN(y, AddChild(g, block, name, y, prefix));
    }
    std::string shortcut = x;
    if (auto downsample = Child(block, "downsample")) {
      auto* layers = downsample->as<nn::Sequential>();
      if (!layers) return absl::InternalError(prefix + ".downsample is not a Sequential");
      FACEREC_ASSIGN_OR_RETURN(shortcut, AddSequential(g, *layers, x, prefix + ".downsample"));
    }
    x = g.AddNode("Add", {y, shortcut});
  }
  FACEREC_ASSIGN_OR_RETURN(x, AddChild(g, backbone, "head_bn", x, ""));
  x = g.AddNode("Flatten", {x}, {{"axis", int64_t{1}}});  // Dropout: the identity at inference.
  // features (BatchNorm1d) folded into fc: one Gemm.
  const torch::Tensor scale = features->weight / torch::sqrt(features->running_var + features->options.eps());
  const torch::Tensor weight = fc->weight * scale.unsqueeze(1);
  const torch::Tensor bias = (fc->bias - features->running_mean) * scale + features->bias;
  x = g.AddNode("Gemm", {x, g.AddInitializer("fc.weight", weight), g.AddInitializer("fc.bias", bias)},
                {{"transB", int64_t{1}}});
  g.AddOutput(x, {-1, o.embedding_size});
  std::map<std::string, std::string> all = metadata;
  all["facerec.kind"] = "recogniser";
  all["facerec.backbone"] = o.name;
  all["facerec.input"] = absl::StrCat("images: float32 [N, 3, ", o.input_height, ", ", o.input_width,
                                      "], RGB in [0, 1], the face aligned by its 5 points (facerec models/manifest.json)");
  all["facerec.output"] = absl::StrCat(
      "[N, ", o.embedding_size, "] raw embedding", net.flip_test ? "; add the mirrored crop's embedding" : "",
      ", then L2-normalise; compare two faces by cosine similarity");
  all["facerec.flip_test"] = net.flip_test ? "true" : "false";
  all["facerec.opset"] = absl::StrCat(kOnnxOpset);
  all["facerec.input_size"] = absl::StrCat(o.input_height, "x", o.input_width);
  return g.Finish(all);
}

absl::StatusOr<onnx::ModelProto> DetectorNetToOnnx(detect::DetectorNet net, int height, int width,
                                                   const std::map<std::string, std::string>& metadata) {
  if (height <= 0 || width <= 0 || height % detect::kDetectorInputMultiple != 0 ||
      width % detect::kDetectorInputMultiple != 0) {
    return absl::InvalidArgumentError(absl::StrCat("detector input ", width, "x", height, ": both sides must be ",
                                                   "positive multiples of ", detect::kDetectorInputMultiple));
  }
  torch::NoGradGuard no_grad;
  net->FuseBatchNorm();
  OnnxGraph g("facerec_detector");
  g.AddInput("images", {-1, 3, height, width});
  std::map<std::string, nn::SequentialImpl*> parts;
  for (const char* name : {"stem", "stage8", "stage16", "stage32", "lateral8", "lateral16", "lateral32", "head8",
                           "head16", "head32"}) {
    std::shared_ptr<nn::Module> child = Child(*net, name);
    parts[name] = child ? child->as<nn::Sequential>() : nullptr;
    if (parts[name] == nullptr) return absl::InternalError(absl::StrCat("the detector net has no ", name));
  }
  auto run = [&](const char* name, const std::string& x) { return AddSequential(g, *parts[name], x, name); };
  // Nearest-neighbour upsampling by 2: the coarser map is exactly half the
  // finer one, as inputs are multiples of 32.
  const std::string scales = g.AddInitializer("upsample_scales", torch::tensor({1.0f, 1.0f, 2.0f, 2.0f}));
  auto upsampled = [&](const std::string& x) {
    return g.AddNode("Resize", {x, "", scales}, {{"mode", std::string("nearest")},
                                                 {"coordinate_transformation_mode", std::string("asymmetric")},
                                                 {"nearest_mode", std::string("floor")}});
  };
  FACEREC_ASSIGN_OR_RETURN(const std::string c4, run("stem", Centre(g, "images")));
  FACEREC_ASSIGN_OR_RETURN(const std::string c8, run("stage8", c4));
  FACEREC_ASSIGN_OR_RETURN(const std::string c16, run("stage16", c8));
  FACEREC_ASSIGN_OR_RETURN(const std::string c32, run("stage32", c16));
  FACEREC_ASSIGN_OR_RETURN(const std::string p32, run("lateral32", c32));
  FACEREC_ASSIGN_OR_RETURN(const std::string p16, run("lateral16", g.AddNode("Add", {c16, upsampled(p32)})));
  FACEREC_ASSIGN_OR_RETURN(const std::string p8, run("lateral8", g.AddNode("Add", {c8, upsampled(p16)})));
  // Each head's [N, 15, h, w] -> [N, h*w, 15], row by row; then stride 8, 16, 32.
  const std::string cells_shape = g.AddInt64Initializer("cells_shape", {0, -1, detect::kDetectorOutputs});
  std::vector<std::string> levels;
  for (const auto& [head, p] : {std::pair{"head8", p8}, std::pair{"head16", p16}, std::pair{"head32", p32}}) {
    FACEREC_ASSIGN_OR_RETURN(const std::string raw, run(head, p));
    levels.push_back(g.AddNode(
        "Reshape", {g.AddNode("Transpose", {raw}, {{"perm", std::vector<int64_t>{0, 2, 3, 1}}}), cells_shape}));
  }
  const std::string out = g.AddNode("Concat", levels, {{"axis", int64_t{1}}});
  int64_t cells = 0;
  for (int stride : detect::kDetectorStrides) cells += (height / stride) * (width / stride);
  g.AddOutput(out, {-1, cells, detect::kDetectorOutputs});
  std::map<std::string, std::string> all = metadata;
  all["facerec.kind"] = "detector";
  all["facerec.input"] = absl::StrCat("images: float32 [N, 3, ", height, ", ", width,
                                      "], RGB in [0, 1] (pad the photo at the right and bottom)");
  all["facerec.output"] =
      "[N, A, 15] per cell of strides 8, 16, 32 (each map row by row): face logit; log(distance / stride) from "
      "the cell centre to the box's left, top, right, bottom; the 5 points' (x, y) offsets from the cell "
      "centre in strides";
  all["facerec.opset"] = absl::StrCat(kOnnxOpset);
  all["facerec.input_size"] = absl::StrCat(width, "x", height);
  return g.Finish(all);
}

absl::StatusOr<onnx::ModelProto> ExportModelToOnnx(tracking::ModelKind kind, const std::string& path,
                                                   int detector_height, int detector_width) {
  FACEREC_ASSIGN_OR_RETURN(const std::string sha256, Sha256OfFile(path));
  const std::map<std::string, std::string> metadata = {{"facerec.source_sha256", sha256}};
  switch (kind) {
    case tracking::ModelKind::kLandmarks: {
      FACEREC_ASSIGN_OR_RETURN(align::LandmarkNet net, align::LoadLandmarkNet(path));
      return LandmarkNetToOnnx(net, metadata);
    }
    case tracking::ModelKind::kRecogniser: {
      FACEREC_ASSIGN_OR_RETURN(const backbones::EmbeddingNet net, backbones::LoadEmbeddingNet(path));
      return EmbeddingNetToOnnx(net, metadata);
    }
    case tracking::ModelKind::kDetector: {
      FACEREC_ASSIGN_OR_RETURN(detect::DetectorNet net, detect::LoadDetectorNet(path));
      return DetectorNetToOnnx(net, detector_height, detector_width, metadata);
    }
  }
  return absl::InternalError("unknown model kind");
}

}  // namespace facerec::exporting
