#include "facerec/pipeline/trained_models.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "facerec/core/data_root.h"
#include "facerec/core/status_macros.h"

namespace facerec::pipeline {

absl::StatusOr<std::string> LatestRunArtifact(tracking::ExperimentStore& store,
                                              const std::string& experiment,
                                              const std::string& run_name,
                                              const std::string& kind,
                                              const std::string& how_to_make) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::RunRecord> runs, store.ListRuns(experiment));
  for (const tracking::RunRecord& run : runs) {  // Newest first.
    if (run.name != run_name || run.status != tracking::RunStatus::kFinished) continue;
    FACEREC_ASSIGN_OR_RETURN(std::vector<tracking::ArtifactRecord> artifacts,
                             store.GetArtifacts(run.id));
    for (const tracking::ArtifactRecord& a : artifacts) {
      if (a.kind == kind) return ResolveAgainstWorkspace(a.path).string();
    }
  }
  return absl::NotFoundError(absl::StrCat("no ", kind, " in the store: ", how_to_make));
}

absl::StatusOr<std::string> LatestDetectorModel(tracking::ExperimentStore& store) {
  return LatestRunArtifact(store, "detector", "detector_net", "detector_net",
                           "train one with `tools/bazel run //experiments:train_detector`, or "
                           "pass --detector_model");
}

}  // namespace facerec::pipeline
