#include "facerec/backbones/ensemble_net.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace facerec::backbones {
namespace {

namespace F = torch::nn::functional;

class EnsembleNetImpl : public BackboneImpl {
 public:
  EnsembleNetImpl(std::vector<Backbone> members, EnsembleCombination combination) : combination_(combination) {
    for (size_t i = 0; i < members.size(); ++i) {
      members_.push_back(register_module(absl::StrCat("member", i), std::move(members[i])));
    }
  }

  torch::Tensor forward(torch::Tensor images) override {
    std::vector<torch::Tensor> unit;
    for (const Backbone& member : members_) {
      unit.push_back(F::normalize(member->forward(images), F::NormalizeFuncOptions().p(2).dim(1)));
    }
    if (combination_ == EnsembleCombination::kAverage) return torch::stack(unit).mean(0);
    return torch::cat(unit, 1) / std::sqrt(static_cast<double>(unit.size()));
  }

  int embedding_size() const override {
    if (combination_ == EnsembleCombination::kAverage) return members_.front()->embedding_size();
    int total = 0;
    for (const Backbone& member : members_) total += member->embedding_size();
    return total;
  }

 private:
  const EnsembleCombination combination_;
  std::vector<Backbone> members_;
};

}  // namespace

absl::StatusOr<EnsembleCombination> ParseEnsembleCombination(absl::string_view name) {
  if (name == "concatenate") return EnsembleCombination::kConcatenate;
  if (name == "average") return EnsembleCombination::kAverage;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown ensemble combination '", name, "'; allowed: concatenate, average"));
}

const char* EnsembleCombinationName(EnsembleCombination combination) {
  return combination == EnsembleCombination::kAverage ? "average" : "concatenate";
}

absl::StatusOr<Backbone> MakeEnsemble(std::vector<Backbone> members, EnsembleCombination combination) {
  if (members.empty()) return absl::InvalidArgumentError("an ensemble needs at least one member");
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i] == nullptr) return absl::InvalidArgumentError(absl::StrCat("ensemble member ", i, " is null"));
    if (combination == EnsembleCombination::kAverage &&
        members[i]->embedding_size() != members[0]->embedding_size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "averaging needs one embedding size: member 0 has ", members[0]->embedding_size(), ", member ", i, " has ",
          members[i]->embedding_size(), " (concatenate them instead)"));
    }
  }
  return Backbone(std::make_shared<EnsembleNetImpl>(std::move(members), combination));
}

}  // namespace facerec::backbones
