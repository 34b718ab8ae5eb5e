#include "facerec/chain/face_embedder.h"

#include <torch/torch.h>

#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"

namespace facerec::chain {
namespace {

// The backbone moved to `device` once, in eval mode; each call copies the
// batch there and the embeddings back.
backbones::NetForward LibTorchForward(backbones::Backbone backbone, torch::Device device) {
  backbone->to(device);
  backbone->eval();
  return [backbone, device](const torch::Tensor& batch) {
    return backbone->forward(batch.to(device)).to(torch::kCPU);
  };
}

}  // namespace

absl::StatusOr<FaceEmbedder> FaceEmbedder::Load(const std::string& path, torch::Device device) {
  FACEREC_ASSIGN_OR_RETURN(backbones::EmbeddingNet net, backbones::LoadEmbeddingNet(path));
  FACEREC_ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(path));
  return FaceEmbedder(std::move(net), std::move(sha), device);
}

FaceEmbedder::FaceEmbedder(backbones::EmbeddingNet net, std::string model_sha256,
                           torch::Device device)
    : FaceEmbedder(LibTorchForward(net.backbone, device), net, std::move(model_sha256)) {}

FaceEmbedder::FaceEmbedder(backbones::NetForward forward, const backbones::EmbeddingNet& net,
                           std::string model_sha256)
    : forward_(std::move(forward)),
      options_(net.options),
      flip_test_(net.flip_test),
      model_sha256_(std::move(model_sha256)) {
  net.backbone->eval();
}

torch::Tensor FaceEmbedder::Embed(const std::vector<cv::Mat>& crops) {
  if (crops.empty()) return torch::zeros({0, options_.embedding_size});
  torch::NoGradGuard no_grad;
  data::AugmentOptions resize;
  resize.enabled = false;
  resize.output_height = options_.input_height;
  resize.output_width = options_.input_width;
  std::vector<cv::Mat> inputs;
  for (const cv::Mat& crop : crops) inputs.push_back(data::Augment(crop, resize, nullptr));
  const torch::Tensor batch = data::ImagesToBatch(inputs).contiguous();
  torch::Tensor e = forward_(batch);
  if (flip_test_) e = e + forward_(batch.flip({3}).contiguous());
  return torch::nn::functional::normalize(e, torch::nn::functional::NormalizeFuncOptions().dim(1));
}

}  // namespace facerec::chain
