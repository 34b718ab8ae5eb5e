// Writes an untrained landmark net and two untrained recognisers (different
// seeds, so different sha256) for tests of the photo-to-identity tools'
// plumbing: what they do with files, flags and bad photos, not how well
// they recognise.
//
//   make_untrained_models OUT_DIR   # landmark_net.pt, embedding_a.pt, embedding_b.pt
#include <cstdio>
#include <string>
#include <torch/torch.h>

#include "facerec/align/landmark_detector.h"
#include "facerec/backbones/embedding_net.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_untrained_models OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  torch::manual_seed(1);
  if (!facerec::align::SaveLandmarkNet(facerec::align::LandmarkNet(facerec::align::LandmarkNetOptions{}),
                                       dir + "/landmark_net.pt")
           .ok()) {
    return 1;
  }
  facerec::backbones::BackboneOptions options;
  options.name = "ir_mini";
  options.width_multiplier = 0.25;
  options.stem_stride = 2;
  options.embedding_size = 32;
  for (const char* name : {"embedding_a.pt", "embedding_b.pt"}) {
    auto backbone = facerec::backbones::MakeBackbone(options);
    if (!backbone.ok() ||
        !facerec::backbones::SaveEmbeddingNet({*backbone, options, false}, dir + "/" + name).ok()) {
      return 1;
    }
  }
  return 0;
}
