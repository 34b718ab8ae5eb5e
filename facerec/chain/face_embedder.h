// The chain's fourth stage: aligned 83x100 crops -> unit-length embeddings,
// with a recogniser file (backbones/embedding_net.h) identified by sha256.
//
//   FACEREC_ASSIGN_OR_RETURN(FaceEmbedder embedder, FaceEmbedder::Load(path));
//   torch::Tensor e = embedder.Embed({crop});      // [1, D], |e| = 1
//   embedder.model_sha256();                       // what galleries record
//
// Crops are resized to the net's input as in training and evaluation
// (data::Augment, disabled), and embedded with the mirror image too when
// the recogniser was evaluated so; cosine similarity is then a dot product.
//
// Thread-safety: Embed may not be called concurrently; one per thread.
#ifndef FACEREC_CHAIN_FACE_EMBEDDER_H_
#define FACEREC_CHAIN_FACE_EMBEDDER_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/backbones/net_forward.h"

namespace facerec::chain {

class FaceEmbedder {
 public:
  // NotFoundError / DataLossError naming the file.
  static absl::StatusOr<FaceEmbedder> Load(const std::string& path,
                                           c10::Device device = c10::kCPU);
  FaceEmbedder(backbones::EmbeddingNet net, std::string model_sha256,
               c10::Device device = c10::kCPU);
  // The backbone of `net` computed by `forward` ([N, 3, H, W] -> [N, D];
  // another runtime, export/opencv_dnn.h), with the same resizing, mirror
  // and unit length. `net` gives the input size and flip_test only.
  FaceEmbedder(backbones::NetForward forward, const backbones::EmbeddingNet& net, std::string model_sha256);

  // 8-bit RGB crops of any size (resized to the net's input) -> [N, D] unit rows.
  at::Tensor Embed(const std::vector<cv::Mat>& crops);
  const std::string& model_sha256() const { return model_sha256_; }
  int embedding_size() const { return options_.embedding_size; }

 private:
  backbones::NetForward forward_;
  backbones::BackboneOptions options_;
  bool flip_test_;
  std::string model_sha256_;
};

}  // namespace facerec::chain

#endif  // FACEREC_CHAIN_FACE_EMBEDDER_H_
