// Which model a tool or an experiment uses, and why, for every flag that
// takes one (--detector_model, --landmark_model, --embedding_model): a file,
// or a registry reference NAME, NAME@ALIAS or NAME:VERSION
// (tracking/model_registry.h). Unset, the registry's "default" alias of the
// kind; only when no model of the kind has it, the old implicit rule (the
// newest trained detector or landmark net, the recogniser with the best
// validation accuracy), which says it is a fallback. The shipped models
// (shipped_models.h) are registered first, so a fresh store has defaults.
//
//   // `value`: the flag's value, e.g. "arcface-full@default", "nets/x.pt" or "".
//   FACEREC_ASSIGN_OR_RETURN(ChosenModel m, ChooseModel(OpenedStore(store), tracking::ModelKind::kRecogniser,
//                                                       "embedding_model", value));
//   // m.path: the file to load; m.reason: which model and why (also on stderr).
//
// Thread-safety: as the store the opener returns.
#ifndef FACEREC_PIPELINE_MODEL_CHOICE_H_
#define FACEREC_PIPELINE_MODEL_CHOICE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/model_registry.h"

namespace facerec::pipeline {

// The store, opened on first need. A file given by path needs none, but
// when the store opens, the file is matched against the registry (its name,
// and a copy of a shipped model its threshold table); when it cannot open,
// the file is used all the same.
using StoreOpener = std::function<absl::StatusOr<tracking::ExperimentStore*>()>;

struct ChosenModel {
  std::string path;    // Absolute.
  std::string sha256;  // Of the file, as read now.
  std::optional<tracking::RegisteredModel> registered;  // When the registry knows the file.
  std::string reason;  // One line: which model and why.
};

// See the file comment. Errors name the flag and the value: a file that is
// missing; a reference the registry does not have; a registered model of
// another kind; a registered file that is gone or no longer has its sha256.
// Prints the reason on stderr unless `quiet`.
absl::StatusOr<ChosenModel> ChooseModel(const StoreOpener& store, tracking::ModelKind kind, const std::string& flag,
                                        const std::string& value, bool quiet = false);

// The model path alone (ChooseModel(...).path).
absl::StatusOr<std::string> ChooseModelPath(const StoreOpener& store, tracking::ModelKind kind,
                                            const std::string& flag, const std::string& value);

// The chain's three models, each by ChooseModel from its flag's value
// (flags detector_model, landmark_model, embedding_model).
struct ChainModels {
  ChosenModel detector, landmarks, recogniser;
};
absl::StatusOr<ChainModels> ChooseChainModels(const StoreOpener& store, const std::string& detector_model,
                                              const std::string& landmark_model, const std::string& embedding_model);

// What a run records of them: <flag>_sha256 for each, and <flag>_registered
// (the registry's NAME:VERSION) when the registry knows the file; never a path.
std::map<std::string, std::string> ChainModelParams(const ChainModels& models);

// The similarity threshold at which the recogniser with this sha256 accepts
// a stranger at rate `far`: from its training run's celebA_ir evaluation
// when the store has the run (ThresholdAtFalseAcceptRate), else from the
// registry's threshold table of the model (metrics "threshold_at_far/<far>":
// that rate, or the largest listed rate below it). NotFoundError saying
// which is missing.
absl::StatusOr<double> RecogniserThreshold(tracking::ExperimentStore& store, const std::string& sha256, double far);

// An opener over a store the caller already has.
StoreOpener OpenedStore(tracking::ExperimentStore& store);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_MODEL_CHOICE_H_
