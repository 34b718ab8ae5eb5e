// A trained embedding network as one self-describing file: the backbone's
// options, its weights, and how it was evaluated (flip_test), so a tool can
// embed faces with it knowing nothing of the run that trained it. Its
// sha256 identifies the recogniser (galleries record it).
//
//   FACEREC_RETURN_IF_ERROR(SaveEmbeddingNet({backbone, options, true}, "artifacts/x/embedding_net.pt"));
//   FACEREC_ASSIGN_OR_RETURN(EmbeddingNet net, LoadEmbeddingNet("artifacts/x/embedding_net.pt"));
//   torch::Tensor e = net.backbone->forward(batch);   // [N, 3, H, W] -> [N, D]
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_BACKBONES_EMBEDDING_NET_H_
#define FACEREC_BACKBONES_EMBEDDING_NET_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "facerec/backbones/backbone.h"

namespace facerec::backbones {

// A trained recogniser's net as saved and loaded: what an embedding_net
// artifact holds. Its relatives: pipeline::TrainedRecogniser is the store's
// record of one (file, sha256, training run); chain::FaceEmbedder embeds
// crops with one (resizing, mirror, unit length, no autograd);
// attacks::DifferentiableEmbedding is one's backbone as a function that
// attacks take gradients through.
struct EmbeddingNet {
  Backbone backbone;
  BackboneOptions options;
  // Embeddings are the sum of the face's and its mirror image's (the
  // recogniser was evaluated so).
  bool flip_test = false;
};

// Atomically (a temporary file, then rename).
absl::Status SaveEmbeddingNet(const EmbeddingNet& net, const std::string& path);
// NotFoundError / DataLossError naming the file. The backbone is in eval mode.
absl::StatusOr<EmbeddingNet> LoadEmbeddingNet(const std::string& path);

}  // namespace facerec::backbones

#endif  // FACEREC_BACKBONES_EMBEDDING_NET_H_
