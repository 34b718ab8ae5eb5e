// The models trained here, found where the experiments record them: the
// artifact of the newest finished run of a given name.
//
//   FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore store, ...);
//   FACEREC_ASSIGN_OR_RETURN(std::string detector, LatestDetectorModel(store));
//   // An absolute path, resolved against the workspace root.
//
// Thread-safety: as the store.
#ifndef FACEREC_PIPELINE_TRAINED_MODELS_H_
#define FACEREC_PIPELINE_TRAINED_MODELS_H_

#include <string>

#include "absl/status/statusor.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::pipeline {

// The artifact of kind `kind` of the newest FINISHED run named `run_name` in
// `experiment`; NotFoundError ending with `how_to_make` when there is none.
absl::StatusOr<std::string> LatestRunArtifact(tracking::ExperimentStore& store,
                                              const std::string& experiment,
                                              const std::string& run_name,
                                              const std::string& kind,
                                              const std::string& how_to_make);

// Our detector: run "detector_net" of experiment "detector"
// (experiments/train_detector), artifact "detector_net".
absl::StatusOr<std::string> LatestDetectorModel(tracking::ExperimentStore& store);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_TRAINED_MODELS_H_
