#include "facerec/pipeline/model_choice.h"

#include <cstdio>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/shipped_models.h"
#include "facerec/pipeline/trained_models.h"

namespace facerec::pipeline {
namespace {

using tracking::ModelKind;
using tracking::ModelRegistry;
using tracking::RegisteredModel;

// A registered model's file, checked: it exists and is still the file that
// was registered.
absl::StatusOr<ChosenModel> Checked(const RegisteredModel& m, const std::string& what) {
  ChosenModel chosen;
  chosen.path = ResolveAgainstWorkspace(m.path).string();
  if (!std::filesystem::exists(chosen.path)) {
    return absl::NotFoundError(absl::StrCat(what, ": model ", m.Label(), "'s file ", m.path,
                                            " is gone (tools:models show ", m.name, ")"));
  }
  FACEREC_ASSIGN_OR_RETURN(chosen.sha256, Sha256OfFile(chosen.path));
  if (chosen.sha256 != m.sha256) {
    return absl::FailedPreconditionError(absl::StrCat(what, ": model ", m.Label(), "'s file ", m.path,
                                                      " has changed since it was registered (sha256 ",
                                                      chosen.sha256.substr(0, 12), ", registered ",
                                                      m.sha256.substr(0, 12), ")"));
  }
  chosen.registered = m;
  return chosen;
}

absl::StatusOr<std::string> ImplicitModel(tracking::ExperimentStore& store, ModelKind kind, std::string* rule) {
  switch (kind) {
    case ModelKind::kDetector:
      *rule = "the newest train_detector run";
      return LatestDetectorModel(store);
    case ModelKind::kLandmarks:
      *rule = "the newest train_landmarks run";
      return LatestLandmarkModel(store);
    case ModelKind::kRecogniser:
      *rule = "the compare_losses run with the best validation accuracy";
      return BestRecogniserModel(store);
  }
  return absl::InternalError("unknown model kind");
}

absl::StatusOr<ChosenModel> Choose(const StoreOpener& open, ModelKind kind, const std::string& flag,
                                   const std::string& value) {
  const std::string kind_name = tracking::ModelKindName(kind);
  const std::string what = absl::StrCat("--", flag, "=", value);
  if (!value.empty() && tracking::LooksLikeModelPath(value)) {
    ChosenModel chosen;
    chosen.path = ResolveAgainstWorkspace(value).string();
    if (!std::filesystem::is_regular_file(chosen.path)) {
      return absl::NotFoundError(absl::StrCat(what, ": no such file"));
    }
    FACEREC_ASSIGN_OR_RETURN(chosen.sha256, Sha256OfFile(chosen.path));
    chosen.reason = absl::StrCat(kind_name, " ", value, " (", what, ")");
    // Which registered model it is, if the store is at hand; not required.
    absl::StatusOr<tracking::ExperimentStore*> store = open();
    if (store.ok()) {
      // The shipped models first, so a copy of one is known by its name
      // (and its threshold table) in a fresh store too.
      FACEREC_RETURN_IF_ERROR(RegisterWorkspaceShippedModels(**store));
      ModelRegistry registry(**store);
      absl::StatusOr<std::optional<RegisteredModel>> known = registry.FindBySha256(chosen.sha256);
      if (known.ok() && known->has_value()) {
        if ((*known)->kind != kind) {
          return absl::InvalidArgumentError(absl::StrCat(what, ": the registry knows this file as ", (*known)->Label(),
                                                         ", a ", tracking::ModelKindName((*known)->kind),
                                                         " model, not a ", kind_name));
        }
        chosen.registered = **known;
      }
    }
    return chosen;
  }
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, open());
  FACEREC_RETURN_IF_ERROR(RegisterWorkspaceShippedModels(*store));
  ModelRegistry registry(*store);
  if (!value.empty()) {
    absl::StatusOr<RegisteredModel> m = registry.Find(value);
    if (!m.ok()) return absl::Status(m.status().code(), absl::StrCat(what, ": ", m.status().message()));
    if (m->kind != kind) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": model ", m->Label(), " is a ",
                                                     tracking::ModelKindName(m->kind), " model, not a ", kind_name));
    }
    FACEREC_ASSIGN_OR_RETURN(ChosenModel chosen, Checked(*m, what));
    chosen.reason = absl::StrCat(kind_name, " ", m->Label(), " (", what, ")");
    return chosen;
  }
  FACEREC_ASSIGN_OR_RETURN(const std::optional<RegisteredModel> by_default, registry.FindAlias(kind, "default"));
  if (by_default.has_value()) {
    FACEREC_ASSIGN_OR_RETURN(ChosenModel chosen,
                             Checked(*by_default, absl::StrCat("--", flag, " unset, alias default")));
    chosen.reason = absl::StrCat(kind_name, " ", by_default->Label(), " (alias default of kind ", kind_name,
                                 "; --", flag, " names another)");
    return chosen;
  }
  std::string rule;
  absl::StatusOr<std::string> path = ImplicitModel(*store, kind, &rule);
  if (!path.ok()) {
    return absl::Status(path.status().code(),
                        absl::StrCat("--", flag, " unset and no ", kind_name, " has alias default in the registry; ",
                                     path.status().message()));
  }
  ChosenModel chosen;
  chosen.path = *path;
  FACEREC_ASSIGN_OR_RETURN(chosen.sha256, Sha256OfFile(chosen.path));
  FACEREC_ASSIGN_OR_RETURN(chosen.registered, registry.FindBySha256(chosen.sha256));
  chosen.reason = absl::StrCat(kind_name, " ", WorkspaceRelative(chosen.path), " (fallback: no ", kind_name,
                               " has alias default in the registry, so ", rule, ")");
  return chosen;
}

}  // namespace

absl::StatusOr<ChosenModel> ChooseModel(const StoreOpener& store, ModelKind kind, const std::string& flag,
                                        const std::string& value, bool quiet) {
  FACEREC_ASSIGN_OR_RETURN(ChosenModel chosen, Choose(store, kind, flag, value));
  if (!quiet) std::fprintf(stderr, "facerec: using %s\n", chosen.reason.c_str());
  return chosen;
}

absl::StatusOr<std::string> ChooseModelPath(const StoreOpener& store, ModelKind kind, const std::string& flag,
                                            const std::string& value) {
  FACEREC_ASSIGN_OR_RETURN(ChosenModel chosen, ChooseModel(store, kind, flag, value));
  return chosen.path;
}

absl::StatusOr<double> RecogniserThreshold(tracking::ExperimentStore& store, const std::string& sha256, double far) {
  absl::StatusOr<TrainedRecogniser> run = RecogniserBySha256(store, sha256);
  if (run.ok()) return ThresholdAtFalseAcceptRate(store, run->run_id, far);
  ModelRegistry registry(store);
  FACEREC_ASSIGN_OR_RETURN(const std::optional<RegisteredModel> m, registry.FindBySha256(sha256));
  if (!m.has_value()) {
    return absl::NotFoundError(absl::StrCat("recogniser ", sha256.substr(0, 12),
                                            " has neither a run nor a registry entry in ", store.path(),
                                            "; give --threshold"));
  }
  std::optional<std::pair<double, double>> best;  // (rate, threshold): the largest rate <= far.
  for (const auto& [key, value] : m->metrics) {
    if (!absl::StartsWith(key, kThresholdAtFarPrefix)) continue;
    double rate = 0;
    if (!absl::SimpleAtod(key.substr(std::string(kThresholdAtFarPrefix).size()), &rate)) continue;
    if (rate <= far * (1 + 1e-9) && (!best || rate > best->first)) best = {rate, value};
  }
  if (!best) {
    return absl::NotFoundError(absl::StrCat("model ", m->Label(), " lists no threshold at a false-accept rate <= ",
                                            far, "; give --threshold"));
  }
  return best->second;
}

absl::StatusOr<ChainModels> ChooseChainModels(const StoreOpener& store, const std::string& detector_model,
                                              const std::string& landmark_model, const std::string& embedding_model) {
  ChainModels m;
  FACEREC_ASSIGN_OR_RETURN(m.detector,
                           ChooseModel(store, tracking::ModelKind::kDetector, "detector_model", detector_model));
  FACEREC_ASSIGN_OR_RETURN(m.landmarks,
                           ChooseModel(store, tracking::ModelKind::kLandmarks, "landmark_model", landmark_model));
  FACEREC_ASSIGN_OR_RETURN(m.recogniser,
                           ChooseModel(store, tracking::ModelKind::kRecogniser, "embedding_model", embedding_model));
  return m;
}

std::map<std::string, std::string> ChainModelParams(const ChainModels& models) {
  std::map<std::string, std::string> params;
  for (const auto& [key, chosen] : {std::pair{"detector_model", &models.detector},
                                    std::pair{"landmark_model", &models.landmarks},
                                    std::pair{"embedding_model", &models.recogniser}}) {
    params[absl::StrCat(key, "_sha256")] = chosen->sha256;
    if (chosen->registered) params[absl::StrCat(key, "_registered")] = chosen->registered->Label();
  }
  return params;
}

StoreOpener OpenedStore(tracking::ExperimentStore& store) {
  return [&store]() -> absl::StatusOr<tracking::ExperimentStore*> { return &store; };
}

}  // namespace facerec::pipeline
