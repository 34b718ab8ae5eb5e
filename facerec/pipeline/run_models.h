// What a training run produced, as a model registry entry
// (tracking/model_registry.h): the run's model artifact (detector_net,
// landmark_net or embedding_net gives the kind), its key metrics at the end
// of the run and, for a recogniser, its false-accept-rate -> similarity
// threshold table from the run's celebA_ir evaluation.
//
//   FACEREC_ASSIGN_OR_RETURN(tracking::ModelRegistration r,
//                            RegistrationOfRun(store, "440ad053", "arcface-full"));
//   FACEREC_ASSIGN_OR_RETURN(tracking::RegisteredModel m, tracking::ModelRegistry(store).Register(r));
//
// Thread-safety: as the store.
#ifndef FACEREC_PIPELINE_RUN_MODELS_H_
#define FACEREC_PIPELINE_RUN_MODELS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/model_registry.h"

namespace facerec::pipeline {

// The false-accept rates a recogniser's registry entry lists thresholds at.
inline constexpr double kRegisteredFars[] = {0.1, 0.01, 1e-3, 1e-4, 1e-5};

// The run (a uid or its first 8+ hex digits) must be FINISHED and hold one
// model artifact; its file must still be the one recorded (sha256).
// NotFoundError / FailedPreconditionError saying which of these fails.
absl::StatusOr<tracking::ModelRegistration> RegistrationOfRun(tracking::ExperimentStore& store,
                                                             const std::string& run_uid, const std::string& name);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_RUN_MODELS_H_
