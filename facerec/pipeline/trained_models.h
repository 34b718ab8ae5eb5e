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

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::pipeline {

// The artifact of kind `kind` of the newest FINISHED run named `run_name` in
// `experiment` whose file is on disk: a store that imported an export holds
// runs whose files stayed on another machine, and the next older run serves.
// NotFoundError ending with `how_to_make` when there is none (naming the
// newest missing file when runs exist but no file does).
absl::StatusOr<std::string> LatestRunArtifact(tracking::ExperimentStore& store,
                                              const std::string& experiment,
                                              const std::string& run_name,
                                              const std::string& kind,
                                              const std::string& how_to_make);

// A model some run trained, found by what it was trained with.
struct TrainedRun {
  std::string run_uid;
  std::string model_path;  // Its artifact, absolute.
  std::string sha256;      // Of that file, as recorded and as on disk.
};
// The newest FINISHED run of `experiment` with `seed` and
// `dataset_fingerprint` whose params equal `params` once the execution
// params are left out of both (tracking::WithoutExecutionParams: a run at
// another thread count trained the same thing), whose artifact `kind` is
// still on disk with its recorded sha256; a run with exactly `params` (the
// same thread count) before any other. NotFoundError when there is none.
// How --seeds finds a seed trained before, alone or by an earlier --seeds.
absl::StatusOr<TrainedRun> FinishedRunOfConfig(tracking::ExperimentStore& store, const std::string& experiment,
                                               const std::map<std::string, std::string>& params, int64_t seed,
                                               const std::string& dataset_fingerprint, const std::string& kind);

// --seeds for a stage: per seed, the run FinishedRunOfConfig finds for
// `params(seed)`, or else what `train(seed)` trains (logged either way).
// Errors other than NotFound from the lookup, and train's errors, end it.
absl::StatusOr<std::vector<TrainedRun>> FindOrTrainSeeds(
    tracking::ExperimentStore& store, const std::string& experiment, const std::vector<int64_t>& seeds,
    const std::function<std::map<std::string, std::string>(int64_t)>& params, const std::string& dataset_fingerprint,
    const std::string& kind, const std::function<absl::StatusOr<TrainedRun>(int64_t)>& train);

// The landmark net of the newest FINISHED run "landmark_net" of experiment
// train_landmarks (experiments/train_landmarks); NotFoundError saying how to
// make one.
absl::StatusOr<std::string> LatestLandmarkModel(tracking::ExperimentStore& store);

// Our detector: run "detector_net" of experiment train_detector
// (experiments/train_detector), artifact "detector_net".
absl::StatusOr<std::string> LatestDetectorModel(tracking::ExperimentStore& store);

// The store's record of a recogniser trained by experiments:compare_losses:
// its embedding_net file (backbones::EmbeddingNet once loaded) and the run
// that trained and evaluated it.
struct TrainedRecogniser {
  std::string model_path;  // Its embedding_net artifact, absolute.
  std::string sha256;      // Of that file.
  int64_t run_id = 0;
  std::string run_uid;
  std::string run_name;     // The loss it was trained with ("arcface", ...).
  double val_accuracy = 0;  // Its last val/nn_accuracy.
};

// Every FINISHED compare_losses run's recogniser, newest first.
absl::StatusOr<std::vector<TrainedRecogniser>> TrainedRecognisers(tracking::ExperimentStore& store);
// The FINISHED compare_losses run with an embedding_net artifact and the
// highest final validation accuracy (val/nn_accuracy: CelebA-500's val
// split, never celebA_ir or LFW, so choosing does not tune on the test
// sets). NotFoundError saying how to make one.
absl::StatusOr<TrainedRecogniser> BestRecogniser(tracking::ExperimentStore& store);
// BestRecogniser's model file.
absl::StatusOr<std::string> BestRecogniserModel(tracking::ExperimentStore& store);
// The run whose embedding_net artifact has this sha256; NotFoundError when
// the store has none (a recogniser trained elsewhere).
absl::StatusOr<TrainedRecogniser> RecogniserBySha256(tracking::ExperimentStore& store,
                                              const std::string& sha256);

// A compare_losses run's training checkpoint (backbone, head and optimiser
// state: train/trainer.h), to fine-tune its recogniser from.
struct TrainingCheckpoint {
  std::string path;       // Absolute.
  TrainedRecogniser recogniser;  // The run and its embedding net (whose sha256 names the start).
};
// The checkpoint of the FINISHED compare_losses run with this uid (or a
// prefix of at least 8 hex digits). NotFoundError when there is no such run
// or checkpoint; FailedPreconditionError when the file is no longer the one
// the run recorded (its sha256 differs: a later run of the same
// configuration rewrote it).
absl::StatusOr<TrainingCheckpoint> TrainingCheckpointOfRun(tracking::ExperimentStore& store,
                                                           const std::string& uid_or_prefix);

// The similarity threshold at which the recogniser's recorded celebA_ir
// identification-rate evaluation accepts a false pair at rate `far`: the
// exact point when `far` is one of metrics::kCourseFprs, else the ROC point
// with the largest FPR not above `far`. NotFoundError when the run has no
// such evaluation (or none that low).
absl::StatusOr<double> ThresholdAtFalseAcceptRate(tracking::ExperimentStore& store,
                                                  int64_t run_id, double far);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_TRAINED_MODELS_H_
