// The trash search's flags (analysis/trash_search.h), mapped once onto its
// option structs, for every experiment that runs the search (find_trash,
// validate_trash_search). The fold recognisers take the recognition flags
// (recognition_config.h) with --loss naming a loss that has a head.
//
//   FACEREC_ASSIGN_OR_RETURN(TrashSearchConfig config, TrashSearchConfigFromFlags(
//       [&](const std::string& value) {
//         return pipeline::ChooseModelPath(pipeline::OpenedStore(*store), tracking::ModelKind::kDetector,
//                                          "face_check_model", value);
//       }));
//   FACEREC_ASSIGN_OR_RETURN(analysis::TrashReport report,
//       analysis::SearchTrash(items, config.training, config.search, device));
//   std::map<std::string, std::string> params = TrashSearchParams(config);
//
// Flags defined here: loss, folds, knn, min_centre_gap, max_label_probability, unusable_z, no_face_z, max_hamming,
// max_hamming_with_embedding, min_thumbnail_correlation, min_cosine,
// face_check, face_check_model.
#ifndef FACEREC_EXPERIMENT_TRASH_SEARCH_CONFIG_H_
#define FACEREC_EXPERIMENT_TRASH_SEARCH_CONFIG_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "facerec/analysis/trash_search.h"
#include "facerec/experiment/recognition_config.h"

namespace facerec::experiment {

struct TrashSearchConfig {
  RecognitionConfig recognition;     // The fold recognisers, as configured.
  analysis::FoldTraining training;   // The same, as the search takes it (no checkpoint_dir).
  analysis::TrashSearchOptions search;  // seed = the recognition seed; window unset.
  std::string face_check_model_sha256;  // Our detector's, when --face_check=ours.
};

// Every flag checked; errors name the flag ("--folds=1: must be >= 2").
// `choose_detector` maps --face_check_model's value (a file, a registry
// name, or empty for the default: pipeline/model_choice.h) to our
// detector's file for --face_check=ours (called only then; null: the flag
// must name a file).
absl::StatusOr<TrashSearchConfig> TrashSearchConfigFromFlags(
    const std::function<absl::StatusOr<std::string>(const std::string&)>& choose_detector = nullptr);

// The run's params: the recognition params, then one per flag defined here.
std::map<std::string, std::string> TrashSearchParams(const TrashSearchConfig& config);

}  // namespace facerec::experiment

#endif  // FACEREC_EXPERIMENT_TRASH_SEARCH_CONFIG_H_
