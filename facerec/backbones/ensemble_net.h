// Several trained recognisers as one backbone: each member's embedding is
// L2-normalised, then the members' are concatenated (scaled by 1/sqrt(K), so
// the result has unit length and the dot product of two is the mean of the
// members' cosines) or averaged.
//
//   FACEREC_ASSIGN_OR_RETURN(Backbone ensemble,
//                            MakeEnsemble({net_a, net_b, net_c}, EnsembleCombination::kConcatenate));
//   torch::Tensor e = ensemble->forward(batch);   // [N, 3, H, W] -> [N, 3 * 256]
//
// Concatenation is the score-level ensemble (the mean of the members'
// similarities) and works for any members. Averaging gives a member's width,
// but only means something when the members share one embedding space (a
// net and its fine-tuned copies): independently trained nets place the same
// face at unrelated coordinates, and their average mixes them.
//
// Every member sees the same input: they must have been trained at one input
// size (pipeline/ensembles.h checks that when it loads them).
//
// Thread-safety: a torch module; one forward pass at a time.
#ifndef FACEREC_BACKBONES_ENSEMBLE_NET_H_
#define FACEREC_BACKBONES_ENSEMBLE_NET_H_

#include <torch/torch.h>

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "facerec/backbones/backbone.h"

namespace facerec::backbones {

enum class EnsembleCombination { kConcatenate, kAverage };

// "concatenate" / "average", and back; the error lists what is allowed.
absl::StatusOr<EnsembleCombination> ParseEnsembleCombination(absl::string_view name);
const char* EnsembleCombinationName(EnsembleCombination combination);

// InvalidArgumentError for no members, a null member, or kAverage over
// members of different embedding sizes.
absl::StatusOr<Backbone> MakeEnsemble(std::vector<Backbone> members, EnsembleCombination combination);

}  // namespace facerec::backbones

#endif  // FACEREC_BACKBONES_ENSEMBLE_NET_H_
