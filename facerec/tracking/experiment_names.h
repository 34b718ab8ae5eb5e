// The experiment names the store records runs under: each binary records
// under its own name, so `runs list --experiment=train_detector` finds what
// `bazel run //experiments:train_detector` wrote. Code that writes or looks up
// a binary's runs uses these constants, never the string.
//
//   tracking::RunOptions options;
//   options.experiment = tracking::kTrainLandmarks;
//   options.name = "landmark_net";
//
// Stores and exports written before the names matched their binaries (schema
// version 3 and older) are renamed on the way in: the store migration 3 -> 4
// (schema.h) and ExperimentStore::InsertRecordedRun (every import) both map an
// old (experiment, run name) through CurrentExperimentName.
#ifndef FACEREC_TRACKING_EXPERIMENT_NAMES_H_
#define FACEREC_TRACKING_EXPERIMENT_NAMES_H_

#include <string>
#include <vector>

namespace facerec::tracking {

// One per binary in experiments/ that records runs.
inline constexpr char kAttackRecogniser[] = "attack_recogniser";
inline constexpr char kAuditLandmarkLabels[] = "audit_landmark_labels";
inline constexpr char kCompareLosses[] = "compare_losses";
inline constexpr char kDataReport[] = "data_report";
inline constexpr char kDlibLandmarks[] = "dlib_landmarks";
inline constexpr char kEvaluateEnsemble[] = "evaluate_ensemble";
inline constexpr char kEvaluateClustering[] = "evaluate_clustering";
inline constexpr char kEvaluateDetectors[] = "evaluate_detectors";
inline constexpr char kEvaluateGallery[] = "evaluate_gallery";
inline constexpr char kEvaluatePipeline[] = "evaluate_pipeline";
inline constexpr char kFindTrash[] = "find_trash";
inline constexpr char kSweep[] = "sweep";
inline constexpr char kTrainDetector[] = "train_detector";
inline constexpr char kTrainLandmarks[] = "train_landmarks";
inline constexpr char kValidateTrashSearch[] = "validate_trash_search";
// One per tool in tools/ that records runs.
inline constexpr char kClusterFaces[] = "cluster_faces";

// Not a binary: compare_losses' summary over seeds, one run per comparison
// (pipeline/seed_comparison.h). Kept apart from compare_losses' runs because
// every reader of those takes each run as one trained recogniser.
inline constexpr char kLossComparison[] = "loss_comparison";

// A name the store used before version 4: runs of `experiment` (and, when
// `run_name` is not empty, of that run name only) belong to `renamed_to`.
struct LegacyExperimentName {
  std::string experiment;
  std::string run_name;
  std::string renamed_to;
};

// Every rename, the ones naming a run before the experiment-wide ones. Fixed:
// migration 3 -> 4 is made from it, and migrations never change.
const std::vector<LegacyExperimentName>& LegacyExperimentNames();

// `experiment` as recorded today: its new name when a legacy rename covers
// (experiment, run_name), else `experiment` itself.
std::string CurrentExperimentName(const std::string& experiment, const std::string& run_name);

// The SQL of migration 3 -> 4: moves every legacy run to its binary's
// experiment and drops the experiments left empty.
std::string LegacyExperimentRenameSql();

}  // namespace facerec::tracking

#endif  // FACEREC_TRACKING_EXPERIMENT_NAMES_H_
