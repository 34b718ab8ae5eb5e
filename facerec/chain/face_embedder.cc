#include "facerec/chain/face_embedder.h"

#include <torch/torch.h>

#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"

namespace facerec::chain {

absl::StatusOr<FaceEmbedder> FaceEmbedder::Load(const std::string& path, torch::Device device) {
  FACEREC_ASSIGN_OR_RETURN(backbones::EmbeddingNet net, backbones::LoadEmbeddingNet(path));
  FACEREC_ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(path));
  return FaceEmbedder(std::move(net), std::move(sha), device);
}

FaceEmbedder::FaceEmbedder(backbones::EmbeddingNet net, std::string model_sha256,
                           torch::Device device)
    : net_(std::move(net)), model_sha256_(std::move(model_sha256)), device_(device) {
  net_.backbone->to(device_);
  net_.backbone->eval();
}

torch::Tensor FaceEmbedder::Embed(const std::vector<cv::Mat>& crops) {
  if (crops.empty()) return torch::zeros({0, net_.options.embedding_size});
  torch::NoGradGuard no_grad;
  data::AugmentOptions resize;
  resize.enabled = false;
  resize.output_height = net_.options.input_height;
  resize.output_width = net_.options.input_width;
  std::vector<cv::Mat> inputs;
  for (const cv::Mat& crop : crops) inputs.push_back(data::Augment(crop, resize, nullptr));
  const torch::Tensor batch = data::ImagesToBatch(inputs).to(device_);
  torch::Tensor e = net_.backbone->forward(batch);
  if (net_.flip_test) e = e + net_.backbone->forward(batch.flip({3}));
  return torch::nn::functional::normalize(e, torch::nn::functional::NormalizeFuncOptions().dim(1))
      .cpu();
}

}  // namespace facerec::chain
