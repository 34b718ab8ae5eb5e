#include "facerec/experiment/trash_search_config.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/detect/detectors.h"
#include "facerec/detect/haar_detector.h"
#include "facerec/experiment/flag_values.h"
#include "gflags/gflags.h"

namespace {
const facerec::analysis::TrashSearchOptions kSearch;
}  // namespace

DEFINE_string(loss, "ce", "The fold recognisers' loss (one with a classification head: ce, arcface, cosface).");
DEFINE_int32(folds, kSearch.folds, "Stratified folds: each image is scored by the model that did not train on it.");
DEFINE_int32(knn, kSearch.knn, "Neighbours for the k-NN label agreement.");
DEFINE_double(min_centre_gap, kSearch.min_centre_gap,
              "Flag an image wrong_identity when another identity's centre is nearer than its own by at least "
              "this cosine (out of fold) ...");
DEFINE_double(max_label_probability, kSearch.max_label_probability,
              "... and its label's out-of-fold probability is under this.");
DEFINE_double(unusable_z, kSearch.unusable_z, "Robust z at which an image is flagged unusable.");
DEFINE_double(no_face_z, kSearch.no_face_z,
              "Robust z an image gets when --face_check finds no face in it (at --unusable_z or above, no face "
              "flags it alone).");
DEFINE_int32(max_hamming, kSearch.duplicates.max_hamming,
             "Near duplicate by a close perceptual hash (bits of 64) whose embeddings agree (--min_cosine).");
DEFINE_int32(max_hamming_with_embedding, kSearch.duplicates.max_hamming_with_embedding,
             "Near duplicate when the thumbnails also agree (--min_thumbnail_correlation), and the embeddings "
             "(--min_cosine).");
DEFINE_double(min_thumbnail_correlation, kSearch.duplicates.min_thumbnail_correlation,
              "See --max_hamming_with_embedding: the 16x16 grey thumbnails' correlation.");
DEFINE_string(face_check, "ours",
              "Face check for the unusable score, run on each whole image: a detector by name (ours: our trained "
              "detector, --face_check_model, else the registry's default; haar: OpenCV's frontal cascade, which "
              "misses more real faces, so lower --no_face_z with it; dlib_hog; detect/detectors.h) or none.");
DEFINE_string(face_check_model, "",
              "Our detector for --face_check=ours: a file relative to the workspace root or a registry name "
              "NAME[@ALIAS|:VERSION] (default: the registry's alias default of kind detector).");
DEFINE_double(min_cosine, kSearch.duplicates.min_cosine,
              "The embeddings' cosine every near duplicate needs (the fold-0 recogniser's flip-summed embeddings).");

namespace facerec::experiment {

absl::StatusOr<TrashSearchConfig> TrashSearchConfigFromFlags(
    const std::function<absl::StatusOr<std::string>(const std::string&)>& choose_detector) {
  TrashSearchConfig c;
  analysis::TrashSearchOptions& o = c.search;
  o.folds = FLAGS_folds;
  o.knn = FLAGS_knn;
  o.unusable_z = FLAGS_unusable_z;
  o.min_centre_gap = FLAGS_min_centre_gap;
  if (!(o.min_centre_gap >= -2 && o.min_centre_gap <= 2)) {
    return FlagError("min_centre_gap", FLAGS_min_centre_gap, "must be in [-2, 2]");
  }
  o.max_label_probability = FLAGS_max_label_probability;
  if (!(o.max_label_probability >= 0 && o.max_label_probability <= 1)) {
    return FlagError("max_label_probability", FLAGS_max_label_probability, "must be in [0, 1]");
  }
  o.duplicates.max_hamming = FLAGS_max_hamming;
  o.duplicates.max_hamming_with_embedding = FLAGS_max_hamming_with_embedding;
  o.duplicates.min_thumbnail_correlation = FLAGS_min_thumbnail_correlation;
  o.duplicates.min_cosine = FLAGS_min_cosine;
  if (o.folds < 2) return FlagError("folds", FLAGS_folds, "must be >= 2");
  if (o.knn < 1) return FlagError("knn", FLAGS_knn, "must be >= 1");
  if (!(o.unusable_z > 0)) return FlagError("unusable_z", FLAGS_unusable_z, "must be > 0");
  o.no_face_z = FLAGS_no_face_z;
  if (!(o.no_face_z >= 0)) return FlagError("no_face_z", FLAGS_no_face_z, "must be >= 0");
  if (o.duplicates.max_hamming < 0 || o.duplicates.max_hamming > 64) {
    return FlagError("max_hamming", FLAGS_max_hamming, "must be in [0, 64]");
  }
  if (o.duplicates.max_hamming_with_embedding < 0 || o.duplicates.max_hamming_with_embedding > 64) {
    return FlagError("max_hamming_with_embedding", FLAGS_max_hamming_with_embedding, "must be in [0, 64]");
  }
  if (!(o.duplicates.min_thumbnail_correlation >= -1 && o.duplicates.min_thumbnail_correlation <= 1)) {
    return FlagError("min_thumbnail_correlation", FLAGS_min_thumbnail_correlation, "must be in [-1, 1]");
  }
  if (!(o.duplicates.min_cosine >= -1 && o.duplicates.min_cosine <= 1)) {
    return FlagError("min_cosine", FLAGS_min_cosine, "must be in [-1, 1]");
  }
  if (FLAGS_loss == "triplet") {
    return FlagError("loss", FLAGS_loss, "has no classification head; use ce, arcface or cosface");
  }
  if (FLAGS_face_check != "none") {
    const std::vector<std::string> known = detect::KnownFaceDetectors();
    if (std::find(known.begin(), known.end(), FLAGS_face_check) == known.end()) {
      return FlagError("face_check", FLAGS_face_check,
                       absl::StrCat("must be none or a detector: ", absl::StrJoin(known, ", ")));
    }
    // Haar: every candidate the cascade keeps counts as a face (it has no
    // score); the others at the threshold their libraries report faces at.
    detect::FaceDetectorOptions options;
    if (FLAGS_face_check != "haar") options.score_threshold = detect::DefaultScoreThreshold(FLAGS_face_check);
    std::string model;
    if (FLAGS_face_check == "ours") {
      if (choose_detector) {
        absl::StatusOr<std::string> chosen = choose_detector(FLAGS_face_check_model);
        if (!chosen.ok()) {
          return FlagError("face_check", FLAGS_face_check,
                           absl::StrCat(chosen.status().message(), " (here: --face_check_model)"));
        }
        model = *chosen;
      } else if (!FLAGS_face_check_model.empty()) {
        model = ResolveAgainstWorkspace(FLAGS_face_check_model).string();
      } else {
        return FlagError("face_check", FLAGS_face_check, "needs --face_check_model");
      }
      absl::StatusOr<std::string> sha = Sha256OfFile(model);
      if (!sha.ok()) return FlagError("face_check_model", FLAGS_face_check_model, sha.status().message());
      c.face_check_model_sha256 = *sha;
    }
    absl::StatusOr<std::unique_ptr<detect::FaceDetector>> made =
        detect::MakeFaceDetector(FLAGS_face_check, options, model);
    if (!made.ok()) return AsFlagError("face_check", made.status());
    std::shared_ptr<detect::FaceDetector> detector = std::move(*made);
    o.has_face = [detector](const cv::Mat& rgb) {
      cv::Mat bgr;
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
      const absl::StatusOr<std::vector<detect::Detection>> faces = detector->Detect(bgr);
      return faces.ok() && !faces->empty();
    };
  }
  FACEREC_ASSIGN_OR_RETURN(c.recognition, RecognitionConfigFromFlags(FLAGS_loss));
  c.training.backbone = c.recognition.backbone;
  c.training.loss = c.recognition.loss;
  c.training.sampler = c.recognition.sampler;
  c.training.augment = c.recognition.augment;
  c.training.train = c.recognition.train;
  c.training.loader_workers = c.recognition.loader_workers;
  o.seed = static_cast<uint64_t>(c.recognition.seed);
  return c;
}

std::map<std::string, std::string> TrashSearchParams(const TrashSearchConfig& config) {
  std::map<std::string, std::string> params = RecognitionParams(config.recognition);
  for (const auto& [key, value] : FlagsDefinedIn("trash_search_config", {"face_check_model"})) {
    params[key] = value;
  }
  // The detector by content, not by where this checkout keeps it.
  if (!config.face_check_model_sha256.empty()) params["face_check_model_sha256"] = config.face_check_model_sha256;
  params["loss"] = config.recognition.loss.name;
  return params;
}

}  // namespace facerec::experiment
