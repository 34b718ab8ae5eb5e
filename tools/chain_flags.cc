#include "tools/chain_flags.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <filesystem>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/chain/landmark_stage.h"
#include "facerec/core/data_root.h"
#include "facerec/core/status_macros.h"
#include "facerec/detect/detectors.h"
#include "facerec/pipeline/alignment.h"
#include "facerec/pipeline/trained_models.h"
#include "gflags/gflags.h"

DEFINE_string(db, "results.db", "Experiment store the models are found in; relative to the workspace root.");
DEFINE_string(detector, "ours", "Detector by name: ours, haar, dlib_hog (detect/detectors.h).");
DEFINE_string(detector_model, "",
              "Our detector's model file (relative to the workspace root); default: the newest "
              "trained in the store (experiments:train_detector).");
DEFINE_double(score_threshold, std::numeric_limits<double>::quiet_NaN(),
              "Report faces scoring at least this; default: the detector's own default "
              "(detect/detectors.h DefaultScoreThreshold).");
DEFINE_int32(min_face_size, 20, "Smallest face width searched for, pixels.");
DEFINE_string(landmarks, "landmark_net",
              "Landmark stage: landmark_net or detector_points (chain/landmark_stage.h).");
DEFINE_string(landmark_model, "",
              "Landmark net file (relative to the workspace root); default: the newest in the store.");
DEFINE_string(embedding_model, "",
              "TrainedRecogniser file, an embedding_net.pt (relative to the workspace root); default: the "
              "store's best by validation accuracy.");

namespace facerec::tools {
namespace {

// The flag's model, else what `from_store` finds in the --db store, opened
// into `*store` on first need.
absl::StatusOr<std::string> ModelPath(
    const char* flag, const std::string& value, std::unique_ptr<tracking::ExperimentStore>* store,
    const std::function<absl::StatusOr<std::string>(tracking::ExperimentStore&)>& from_store) {
  return pipeline::ModelFromFlagOrStore(flag, value, [&]() -> absl::StatusOr<std::string> {
    if (*store == nullptr) {
      FACEREC_ASSIGN_OR_RETURN(*store, OpenStoreFromFlags());
    }
    return from_store(**store);
  });
}

absl::StatusOr<chain::FaceChainOptions> Options(bool whole_chain,
                                                std::unique_ptr<tracking::ExperimentStore>* store) {
  std::unique_ptr<tracking::ExperimentStore> local;
  if (store == nullptr) store = &local;
  chain::FaceChainOptions o;
  o.detector = FLAGS_detector;
  o.detection.min_face_size = FLAGS_min_face_size;
  o.detection.score_threshold = std::isnan(FLAGS_score_threshold)
                                    ? detect::DefaultScoreThreshold(FLAGS_detector)
                                    : FLAGS_score_threshold;
  if (absl::Status s = detect::ValidateFaceDetectorOptions(o.detection); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--", s.message()));
  }
  const std::vector<std::string> detectors = detect::KnownFaceDetectors();
  if (std::find(detectors.begin(), detectors.end(), FLAGS_detector) == detectors.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--detector=", FLAGS_detector, ": unknown face detector '", FLAGS_detector,
                     "'; known: ", absl::StrJoin(detectors, ", ")));
  }
  if (o.detector == "ours") {
    FACEREC_ASSIGN_OR_RETURN(o.detector_model,
                             ModelPath("detector_model", FLAGS_detector_model, store,
                                       pipeline::LatestDetectorModel));
  }
  if (!whole_chain) return o;
  o.landmarks = FLAGS_landmarks;
  const std::vector<std::string> stages = chain::KnownLandmarkStages();
  if (std::find(stages.begin(), stages.end(), FLAGS_landmarks) == stages.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--landmarks=", FLAGS_landmarks, ": unknown; known: ", absl::StrJoin(stages, ", ")));
  }
  if (o.landmarks == "landmark_net") {
    FACEREC_ASSIGN_OR_RETURN(o.landmark_model,
                             ModelPath("landmark_model", FLAGS_landmark_model, store,
                                       pipeline::LatestLandmarkModel));
  }
  FACEREC_ASSIGN_OR_RETURN(
      o.embedding_model,
      ModelPath("embedding_model", FLAGS_embedding_model, store, pipeline::BestRecogniserModel));
  return o;
}

}  // namespace

absl::StatusOr<std::unique_ptr<tracking::ExperimentStore>> OpenStoreFromFlags() {
  const std::string path = ResolveAgainstWorkspace(FLAGS_db).string();
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat(
        "--db=", FLAGS_db, ": no experiment store there; train the models first (README) or "
        "name each model with its flag"));
  }
  return tracking::ExperimentStore::Open(path);
}

absl::StatusOr<chain::FaceChainOptions> DetectorOptionsFromFlags() { return Options(false, nullptr); }

absl::StatusOr<chain::FaceChainOptions> ChainOptionsFromFlags(
    std::unique_ptr<tracking::ExperimentStore>* store) {
  return Options(true, store);
}

}  // namespace facerec::tools
