#include "tools/chain_flags.h"

#include <algorithm>
#include <cstdio>
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
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/shipped_models.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/tracking/model_registry.h"
#include "gflags/gflags.h"

DEFINE_string(db, "results.db", "Experiment store the models are found in; relative to the workspace root.");
DEFINE_string(detector, "ours", "Detector by name: ours, haar, dlib_hog (detect/detectors.h).");
DEFINE_string(detector_model, "",
              "Our detector: a model file (relative to the workspace root) or a registry name "
              "NAME[@ALIAS|:VERSION] (tools:models); default: the registry's alias default of kind detector.");
DEFINE_double(score_threshold, std::numeric_limits<double>::quiet_NaN(),
              "Report faces scoring at least this; default: the detector's own default "
              "(detect/detectors.h DefaultScoreThreshold).");
DEFINE_int32(min_face_size, facerec::detect::FaceDetectorOptions().min_face_size,
             "Smallest face width searched for, pixels; 0: the detector's own (ours 8, haar and dlib_hog 20).");
DEFINE_string(backend, "libtorch",
              "Runtime of the nets: libtorch, or opencv_dnn (each model exported to ONNX in memory and run "
              "by OpenCV's dnn module; the same model files, so the same galleries).");
DEFINE_string(landmarks, "landmark_net",
              "Landmark stage: landmark_net or detector_points (chain/landmark_stage.h).");
DEFINE_string(landmark_model, "",
              "Landmark net: a file or a registry name NAME[@ALIAS|:VERSION]; default: the registry's "
              "alias default of kind landmarks.");
DEFINE_string(embedding_model, "",
              "Recogniser (an embedding_net.pt file) or a registry name NAME[@ALIAS|:VERSION]; default: the "
              "registry's alias default of kind recogniser (a gallery's own recogniser for tools:identify).");

namespace facerec::tools {
namespace {

using tracking::ModelKind;

// Opens --db into `*store` on first need.
pipeline::StoreOpener Opener(std::unique_ptr<tracking::ExperimentStore>* store) {
  return [store]() -> absl::StatusOr<tracking::ExperimentStore*> {
    if (*store == nullptr) {
      FACEREC_ASSIGN_OR_RETURN(*store, OpenStoreFromFlags());
    }
    return store->get();
  };
}

// The recogniser that made a gallery (by sha256): --embedding_model if it
// is given (FaceChain checks it is that file), else the registry's model or
// the store's run with that file.
absl::StatusOr<std::string> RecogniserOfGallery(const pipeline::StoreOpener& open, const std::string& sha256) {
  if (!FLAGS_embedding_model.empty()) {
    return pipeline::ChooseModelPath(open, ModelKind::kRecogniser, "embedding_model", FLAGS_embedding_model);
  }
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, open());
  // The shipped models count: a gallery made on a fresh clone uses one.
  FACEREC_RETURN_IF_ERROR(pipeline::RegisterWorkspaceShippedModels(*store));
  tracking::ModelRegistry registry(*store);
  FACEREC_ASSIGN_OR_RETURN(const std::optional<tracking::RegisteredModel> registered, registry.FindBySha256(sha256));
  if (registered.has_value()) {
    FACEREC_ASSIGN_OR_RETURN(const pipeline::ChosenModel chosen,
                             pipeline::ChooseModel(open, ModelKind::kRecogniser, "embedding_model",
                                                   registered->Label(), /*quiet=*/true));
    std::fprintf(stderr, "facerec: using recogniser %s (the one the gallery was made with)\n",
                 registered->Label().c_str());
    return chosen.path;
  }
  absl::StatusOr<pipeline::TrainedRecogniser> run = pipeline::RecogniserBySha256(*store, sha256);
  if (!run.ok()) {
    return absl::NotFoundError(absl::StrCat("the gallery was made with recogniser ", sha256.substr(0, 12),
                                            ", which neither the registry nor the runs of ", store->path(),
                                            " hold; pass it with --embedding_model"));
  }
  std::fprintf(stderr, "facerec: using recogniser %s of run %s (the one the gallery was made with)\n",
               WorkspaceRelative(run->model_path).c_str(), run->run_uid.substr(0, 8).c_str());
  return run->model_path;
}

absl::StatusOr<chain::FaceChainOptions> Options(bool whole_chain,
                                                std::unique_ptr<tracking::ExperimentStore>* store,
                                                const std::string& gallery_recogniser_sha256) {
  std::unique_ptr<tracking::ExperimentStore> local;
  if (store == nullptr) store = &local;
  chain::FaceChainOptions o;
  if (FLAGS_backend != "libtorch" && FLAGS_backend != "opencv_dnn") {
    return absl::InvalidArgumentError(
        absl::StrCat("--backend=", FLAGS_backend, ": unknown; known: libtorch, opencv_dnn"));
  }
  o.backend = FLAGS_backend;
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
    FACEREC_ASSIGN_OR_RETURN(o.detector_model, pipeline::ChooseModelPath(Opener(store), ModelKind::kDetector,
                                                                         "detector_model", FLAGS_detector_model));
  }
  if (!whole_chain) return o;
  o.landmarks = FLAGS_landmarks;
  const std::vector<std::string> stages = chain::KnownLandmarkStages();
  if (std::find(stages.begin(), stages.end(), FLAGS_landmarks) == stages.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--landmarks=", FLAGS_landmarks, ": unknown; known: ", absl::StrJoin(stages, ", ")));
  }
  if (o.landmarks == "landmark_net") {
    FACEREC_ASSIGN_OR_RETURN(o.landmark_model, pipeline::ChooseModelPath(Opener(store), ModelKind::kLandmarks,
                                                                         "landmark_model", FLAGS_landmark_model));
  }
  if (!gallery_recogniser_sha256.empty()) {
    FACEREC_ASSIGN_OR_RETURN(o.embedding_model, RecogniserOfGallery(Opener(store), gallery_recogniser_sha256));
  } else {
    FACEREC_ASSIGN_OR_RETURN(o.embedding_model, pipeline::ChooseModelPath(Opener(store), ModelKind::kRecogniser,
                                                                          "embedding_model", FLAGS_embedding_model));
  }
  return o;
}

}  // namespace

absl::StatusOr<std::unique_ptr<tracking::ExperimentStore>> OpenStoreFromFlags() {
  // Created when missing: a fresh clone's store holds the shipped models'
  // registry rows from its first use.
  const std::filesystem::path path = ResolveAgainstWorkspace(FLAGS_db);
  if (!std::filesystem::is_directory(path.parent_path())) {
    return absl::NotFoundError(absl::StrCat("--db=", FLAGS_db, ": no directory ", path.parent_path().string()));
  }
  absl::StatusOr<std::unique_ptr<tracking::ExperimentStore>> store = tracking::ExperimentStore::Open(path.string());
  if (!store.ok()) return absl::Status(store.status().code(), absl::StrCat("--db=", FLAGS_db, ": ", store.status().message()));
  return store;
}

absl::StatusOr<chain::FaceChainOptions> DetectorOptionsFromFlags() { return Options(false, nullptr, ""); }

absl::StatusOr<chain::FaceChainOptions> ChainOptionsFromFlags(std::unique_ptr<tracking::ExperimentStore>* store,
                                                              const std::string& gallery_recogniser_sha256) {
  return Options(true, store, gallery_recogniser_sha256);
}

}  // namespace facerec::tools
