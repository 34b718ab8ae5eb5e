// The trained models shipped in the repository's models/ folder, named by
// models/manifest.json: each file's kind, sha256, the run that trained it
// (in experiments/results_runs.tsv), its input contract, headline metrics
// and, for a recogniser, its false-accept-rate -> threshold table. A store
// registers them on first use, so a fresh clone can detect, align and
// identify before it has trained anything.
//
//   FACEREC_ASSIGN_OR_RETURN(std::vector<ShippedModel> shipped, ReadShippedModels(WorkspaceRoot()));
//   FACEREC_RETURN_IF_ERROR(RegisterShippedModels(store, shipped));
//
// Manifest (JSON): {"format": 1, "models": [{"name", "kind", "file" (workspace-
// relative), "sha256", "size_bytes", "run_uid", "command", "code_version",
// "description", "input": {...}, "metrics": {key: number},
// "thresholds_at_far": {"0.001": number, ...}}]}.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_PIPELINE_SHIPPED_MODELS_H_
#define FACEREC_PIPELINE_SHIPPED_MODELS_H_

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/model_registry.h"

namespace facerec::pipeline {

inline constexpr char kShippedManifest[] = "models/manifest.json";
// The registry metric holding a recogniser's similarity threshold at a
// false-accept rate: "threshold_at_far/0.001".
inline constexpr char kThresholdAtFarPrefix[] = "threshold_at_far/";

struct ShippedModel {
  tracking::ModelRegistration registration;  // metrics include the thresholds.
  std::map<std::string, std::string> input;  // The input contract, as text.
};

// The manifest under `workspace` (kShippedManifest). An empty list when the
// checkout has none; InvalidArgumentError naming the file and the entry
// when it is malformed.
absl::StatusOr<std::vector<ShippedModel>> ReadShippedModels(const std::filesystem::path& workspace);

// What a model of `kind` takes and gives, in words and numbers a program
// outside facerec can follow, with the training run's shape params
// (input_height, input_width, input_size, embedding_size) filled in.
std::map<std::string, std::string> InputContract(tracking::ModelKind kind,
                                                 const std::map<std::string, std::string>& run_params);

// Adds (or replaces, by name) one model in the manifest under `workspace`,
// written sorted by kind then name. The file must already be at
// `registration.path`; `command` and `code_version` say how it was made.
absl::Status WriteShippedModel(const std::filesystem::path& workspace, const ShippedModel& model,
                               const std::string& command, const std::string& code_version);

// Registers each model the registry does not hold yet (by sha256) under its
// manifest name and gives it alias "default" when no model of its kind has
// one. Does not read the files (ChooseModel checks the one it uses).
absl::Status RegisterShippedModels(tracking::ExperimentStore& store, const std::vector<ShippedModel>& shipped);

// The models of this checkout's manifest (WorkspaceRoot()), registered:
// what every tool that takes a model does before it looks one up.
absl::Status RegisterWorkspaceShippedModels(tracking::ExperimentStore& store);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_SHIPPED_MODELS_H_
