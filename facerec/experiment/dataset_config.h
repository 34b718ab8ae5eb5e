// The --dataset flags every recognition experiment shares, mapped once onto
// pipeline::DatasetOptions (pipeline/recognition_datasets.h), whose fields
// hold the defaults.
//
//   FACEREC_ASSIGN_OR_RETURN(pipeline::DatasetOptions options, DatasetOptionsFromFlags(store));
//   FACEREC_ASSIGN_OR_RETURN(pipeline::LoadedDataset loaded,
//                            pipeline::LoadRecognitionDataset(data_root, options, threads));
//
// Flags defined here (see --help for each): dataset, aligned, split_file,
// eval_dataset, eval_aligned, multiple_faces, split_seed,
// held_out_identities, distractor_identities, val_photos, test_photos,
// face_cache, dataset_detector_model, dataset_landmark_model.
#ifndef FACEREC_EXPERIMENT_DATASET_CONFIG_H_
#define FACEREC_EXPERIMENT_DATASET_CONFIG_H_

#include "absl/status/statusor.h"
#include "facerec/pipeline/recognition_datasets.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::experiment {

// The flags as options, every value checked (the error names the flag).
// Paths are resolved against the workspace. The chain's models are chosen
// (pipeline/model_choice.h, from `store`'s registry) only when photos go
// through the chain.
absl::StatusOr<pipeline::DatasetOptions> DatasetOptionsFromFlags(tracking::ExperimentStore& store);

// The --help text that says what --dataset means for one experiment.
inline constexpr char kDatasetFlagsHelp[] =
    "--dataset=celeba500 (default) | folder:DIR (DIR/<person>/<photos>) | list:FILE ('<photo> <person>' lines); "
    "--aligned when the photos are aligned crops; --split_file and --eval_dataset (celeba_ir, folder:, list:).";

}  // namespace facerec::experiment

#endif  // FACEREC_EXPERIMENT_DATASET_CONFIG_H_
