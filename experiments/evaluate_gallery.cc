// Enroll and identify measured on LFW fold 1's people (experiment
// evaluate_gallery): everyone with at least --enroll_photos + 1 photos is enrolled
// from their first --enroll_photos photos (sorted by name; the largest face
// of each, templates averaged, as tools:enroll does), and their other
// photos are identified (the face nearest the centre, as LFW centres its
// person); everyone with fewer photos is never enrolled and their photos
// are identified as strangers. Recorded: rank-1 accuracy of the enrolled
// people's probes, the share of them accepted under the --far threshold
// (tools:identify's, from the recogniser's recorded celebA_ir evaluation),
// and the share of strangers' photos rejected as unknown.
//
//   tools/bazel run //experiments:evaluate_gallery
//
// Models: the store's (newest detector and landmark net, best recogniser).

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "absl/strings/str_cat.h"
#include "facerec/chain/face_chain.h"
#include "facerec/chain/gallery.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/tracking/run.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_int32(enroll_photos, 2, "Photos per enrolled person; people with more are enrolled.");
DEFINE_double(far, 1e-3, "False-accept rate the unknown threshold is chosen for.");
DEFINE_string(detector_model, "",
              "Our detector: a file or a registry name NAME[@ALIAS|:VERSION] (default: alias default of kind "
              "detector; pipeline/model_choice.h).");
DEFINE_string(landmark_model, "", "Landmark net: a file or a registry name (default: alias default).");
DEFINE_string(embedding_model, "", "Recogniser: a file or a registry name (default: alias default).");

namespace facerec {
namespace {

absl::Status EvaluateGallery(experiment::Experiment& e) {
  if (FLAGS_enroll_photos < 1) return experiment::FlagError("enroll_photos", FLAGS_enroll_photos, "must be >= 1");
  if (!(FLAGS_far > 0 && FLAGS_far < 1)) return experiment::FlagError("far", FLAGS_far, "must be in (0, 1)");
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  chain::FaceChainOptions options;
  FACEREC_ASSIGN_OR_RETURN(options.device, e.Device());
  const pipeline::StoreOpener open = pipeline::OpenedStore(*store);
  FACEREC_ASSIGN_OR_RETURN(const pipeline::ChosenModel detector,
                           pipeline::ChooseModel(open, tracking::ModelKind::kDetector, "detector_model",
                                                 FLAGS_detector_model));
  FACEREC_ASSIGN_OR_RETURN(const pipeline::ChosenModel landmarks,
                           pipeline::ChooseModel(open, tracking::ModelKind::kLandmarks, "landmark_model",
                                                 FLAGS_landmark_model));
  FACEREC_ASSIGN_OR_RETURN(const pipeline::ChosenModel recogniser,
                           pipeline::ChooseModel(open, tracking::ModelKind::kRecogniser, "embedding_model",
                                                 FLAGS_embedding_model));
  options.detector_model = detector.path;
  options.landmark_model = landmarks.path;
  options.embedding_model = recogniser.path;
  FACEREC_ASSIGN_OR_RETURN(const double threshold,
                           pipeline::RecogniserThreshold(*store, recogniser.sha256, FLAGS_far));
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(options));
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  const std::filesystem::path lfw = root / "lfw_fold1" / "lfw-deepfunneled";
  std::map<std::string, std::vector<std::string>> people;
  for (const auto& dir : std::filesystem::directory_iterator(lfw)) {
    if (!dir.is_directory()) continue;
    std::vector<std::string>& files = people[dir.path().filename().string()];
    for (const auto& f : std::filesystem::directory_iterator(dir.path())) files.push_back(f.path().string());
    std::sort(files.begin(), files.end());
  }
  if (people.empty()) return absl::NotFoundError(absl::StrCat(lfw.string(), ": no people"));

  tracking::RunOptions run_options;
  run_options.name = "lfw_gallery";
  // The models by sha256 (and registry label), never by path: a path is
  // this checkout's.
  run_options.params =
      experiment::FlagsDefinedIn("evaluate_gallery", {"detector_model", "landmark_model", "embedding_model"});
  for (const auto& [key, chosen] : {std::pair{"detector_model", &detector}, std::pair{"landmark_model", &landmarks},
                                    std::pair{"embedding_model", &recogniser}}) {
    run_options.params[absl::StrCat(key, "_sha256")] = chosen->sha256;
    if (chosen->registered) run_options.params[absl::StrCat(key, "_registered")] = chosen->registered->Label();
  }
  run_options.params["threshold"] = absl::StrCat(threshold);
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));

  // One photo's embedding, or none when no face is found.
  auto embed = [&](const std::string& path, bool largest) -> absl::StatusOr<std::optional<torch::Tensor>> {
    const cv::Mat photo = cv::imread(path, cv::IMREAD_COLOR);
    if (photo.empty()) return absl::DataLossError(absl::StrCat(path, ": cannot be read"));
    FACEREC_ASSIGN_OR_RETURN(const std::vector<detect::Detection> faces, chain->Detect(photo));
    const int k = largest ? chain::Largest(faces) : chain::NearestToCentre(faces, photo.size());
    if (k < 0) return std::optional<torch::Tensor>();
    FACEREC_ASSIGN_OR_RETURN(const chain::ChainFace face, chain->Describe(chain::ToRgb(photo), faces[k]));
    return std::optional<torch::Tensor>(face.embedding);
  };
  chain::Gallery gallery(chain->embedder().model_sha256(), chain->embedder().embedding_size());
  std::vector<std::pair<std::string, std::string>> known_probes;  // name, photo
  std::vector<std::string> stranger_probes;
  int no_face = 0;
  for (const auto& [name, files] : people) {
    if (static_cast<int>(files.size()) <= FLAGS_enroll_photos) {
      stranger_probes.insert(stranger_probes.end(), files.begin(), files.end());
      continue;
    }
    std::vector<torch::Tensor> embeddings;
    for (int i = 0; i < FLAGS_enroll_photos; ++i) {
      FACEREC_ASSIGN_OR_RETURN(const auto emb, embed(files[i], /*largest=*/true));
      if (emb) embeddings.push_back(*emb);
      else ++no_face;
    }
    if (!embeddings.empty()) FACEREC_RETURN_IF_ERROR(gallery.Add(name, torch::stack(embeddings)));
    for (size_t i = FLAGS_enroll_photos; i < files.size(); ++i) known_probes.push_back({name, files[i]});
  }
  int correct = 0, accepted = 0, rejected = 0, known_scored = 0, strangers_scored = 0;
  for (const auto& [name, path] : known_probes) {
    FACEREC_ASSIGN_OR_RETURN(const auto emb, embed(path, false));
    if (!emb) {
      ++no_face;
      continue;
    }
    const chain::GalleryMatch m = gallery.BestMatch(*emb);
    ++known_scored;
    correct += m.name == name;
    accepted += m.name == name && m.score >= threshold;
  }
  for (const std::string& path : stranger_probes) {
    FACEREC_ASSIGN_OR_RETURN(const auto emb, embed(path, false));
    if (!emb) {
      ++no_face;
      continue;
    }
    ++strangers_scored;
    rejected += gallery.BestMatch(*emb).score < threshold;
  }
  const double rank1 = known_scored ? static_cast<double>(correct) / known_scored : 0;
  const double accept = known_scored ? static_cast<double>(accepted) / known_scored : 0;
  const double reject = strangers_scored ? static_cast<double>(rejected) / strangers_scored : 0;
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, double>>{{"people_enrolled", gallery.size()},
                                                   {"known_probes", known_scored},
                                                   {"stranger_probes", strangers_scored},
                                                   {"photos_without_face", no_face},
                                                   {"rank1_accuracy", rank1},
                                                   {"known_accepted", accept},
                                                   {"unknown_rejected", reject},
                                                   {"threshold", threshold}}) {
    FACEREC_RETURN_IF_ERROR(run->LogMetric("eval/lfw_gallery/" + key, 0, value));
  }
  std::printf("\nLFW gallery: %zu people enrolled from %d photos each; %d probes of them, %d of %zu "
              "never-enrolled people; %d photos without a face.\n"
              "rank-1 accuracy %.3f; accepted and right at FAR %g (threshold %.3f): %.3f; "
              "strangers rejected as unknown: %.3f\n",
              gallery.size(), FLAGS_enroll_photos, known_scored, strangers_scored,
              people.size() - gallery.size(), no_face, rank1, FLAGS_far, threshold, accept, reject);
  std::fflush(stdout);
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kEvaluateGallery,
       .usage = "Enrolls LFW people and identifies their other photos and strangers.\n"
                "Usage: evaluate_gallery [--enroll_photos=2] [--far=1e-3]",
       .main = facerec::EvaluateGallery});
}
