// Embedding networks ("backbones"), built by name from a registry.
//
//   BackboneOptions options;
//   options.name = "ir18";            // see KnownBackbones()
//   options.embedding_size = 256;
//   options.input_height = 64;
//   options.input_width = 56;
//   FACEREC_ASSIGN_OR_RETURN(Backbone net, MakeBackbone(options));
//   torch::Tensor embeddings = net->forward(images);   // [N, 3, H, W] -> [N, 256]
//
// Families:
//   ir<depth>  insightface's improved residual net (IResNet): BN-Conv-BN-PReLU-
//              Conv-BN units, a stride-1 stem, four stride-2 stages, and an
//              output block BN -> dropout -> flatten -> FC -> BN1d, which keeps
//              the spatial layout the FC sees instead of pooling it away.
//              ir18/ir34/ir50/ir100, plus ir_mini (1-2-2-1 units) for CPU runs.
//   mobilefacenet  Chen et al. 2018: depthwise-separable bottlenecks and a
//              global depthwise conv (GDC) head sized to the input.
// width_multiplier scales every channel count (0.5 halves the widths).
// Inputs are RGB in [0, 1], normalised inside the net ((x - 0.5) / 0.5).
#ifndef FACEREC_BACKBONES_BACKBONE_H_
#define FACEREC_BACKBONES_BACKBONE_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec::backbones {

struct BackboneOptions {
  std::string name = "ir18";   // A name from KnownBackbones().
  int embedding_size = 256;    // Default 256.
  int input_height = 64;       // Default 64x56 (the 100x83 ID-rate window, scaled).
  int input_width = 56;
  double width_multiplier = 1.0;  // Default 1.0.
  double dropout = 0.0;           // Before the embedding FC. Default 0.
  // IResNet stem stride. insightface uses 1 at 112x112; at 64x56 on a CPU a
  // stride-2 stem runs the net several times faster (benchmarks/README.md).
  // Default 1.
  int stem_stride = 1;
};

// The common interface of every backbone.
class BackboneImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor images) = 0;
  virtual int embedding_size() const = 0;
};
using Backbone = std::shared_ptr<BackboneImpl>;

// InvalidArgumentError listing the known names for an unknown one, or for
// sizes the net cannot take (input smaller than 16 px, embedding_size < 1).
absl::StatusOr<Backbone> MakeBackbone(const BackboneOptions& options);

std::vector<std::string> KnownBackbones();

}  // namespace facerec::backbones

#endif  // FACEREC_BACKBONES_BACKBONE_H_
