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
#include <optional>
#include <random>
#include <set>
#include <tuple>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "absl/strings/str_cat.h"
#include "facerec/chain/face_chain.h"
#include "facerec/chain/gallery.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/person_photos.h"
#include "facerec/experiment/dataset_config.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/core/statistics.h"
#include "facerec/pipeline/calibration.h"
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
DEFINE_double(fpir, 0.01,
              "The open-set rate calibrated on strangers: the share of never-enrolled people's photos named as "
              "somebody (tools:identify --fpir).");
DEFINE_double(calibration_share, 0.5,
              "Share of the never-enrolled people (by person, seeded by --calibration_seed) whose photos calibrate "
              "the thresholds; the others' photos measure them. 0: no calibration.");
DEFINE_int64(calibration_seed, 1, "Seed of the calibration people's draw.");

namespace facerec {
namespace {

absl::Status EvaluateGallery(experiment::Experiment& e) {
  if (FLAGS_enroll_photos < 1) return experiment::FlagError("enroll_photos", FLAGS_enroll_photos, "must be >= 1");
  if (!(FLAGS_far > 0 && FLAGS_far < 1)) return experiment::FlagError("far", FLAGS_far, "must be in (0, 1)");
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  chain::FaceChainOptions options;
  FACEREC_ASSIGN_OR_RETURN(options.device, e.Device());
  const pipeline::StoreOpener open = pipeline::OpenedStore(*store);
  FACEREC_ASSIGN_OR_RETURN(const pipeline::ChainModels models,
                           pipeline::ChooseChainModels(open, FLAGS_detector_model, FLAGS_landmark_model,
                                                       FLAGS_embedding_model));
  const pipeline::ChosenModel& recogniser = models.recogniser;
  options.detector_model = models.detector.path;
  options.landmark_model = models.landmarks.path;
  options.embedding_model = recogniser.path;
  FACEREC_ASSIGN_OR_RETURN(const double threshold,
                           pipeline::RecogniserThreshold(*store, recogniser.sha256, FLAGS_far));
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(options));
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  if (!(FLAGS_calibration_share >= 0 && FLAGS_calibration_share < 1)) {
    return experiment::FlagError("calibration_share", FLAGS_calibration_share, "must be in [0, 1)");
  }
  if (!(FLAGS_fpir > 0 && FLAGS_fpir < 1)) return experiment::FlagError("fpir", FLAGS_fpir, "must be in (0, 1)");
  // The people: LFW fold 1's by default, or --dataset's (photos by person, in path order).
  FACEREC_ASSIGN_OR_RETURN(const pipeline::DatasetOptions dataset, experiment::DatasetOptionsFromFlags(*store));
  const bool lfw = dataset.dataset.kind == pipeline::DatasetSpec::Kind::kCeleba500;
  if (dataset.dataset.kind == pipeline::DatasetSpec::Kind::kCelebaIr) {
    return experiment::FlagError("dataset", "celeba_ir", "evaluate_gallery enrols people from photos: folder: or list:");
  }
  const std::string people_source =
      lfw ? (root / "lfw_fold1" / "lfw-deepfunneled").string() : dataset.dataset.location;
  absl::StatusOr<data::PersonPhotos> photos =
      lfw || dataset.dataset.kind == pipeline::DatasetSpec::Kind::kFolder ? data::ReadPhotoFolder(people_source)
                                                                          : data::ReadPhotoList(people_source);
  if (!photos.ok()) return experiment::AsFlagError("dataset", photos.status());
  std::map<std::string, std::vector<std::string>> people;
  for (const data::PersonPhoto& p : photos->photos) people[p.person].push_back(p.path);

  tracking::RunOptions run_options;
  run_options.name = lfw ? "lfw_gallery" : absl::StrCat(dataset.dataset.Name(), "_gallery");
  const std::string prefix = lfw ? "eval/lfw_gallery/" : absl::StrCat("eval/", run_options.name, "/");
  // The models by sha256 (and registry label), never by path: a path is
  // this checkout's.
  run_options.params =
      experiment::FlagsDefinedIn("evaluate_gallery", {"detector_model", "landmark_model", "embedding_model"});
  for (const auto& [key, value] : pipeline::ChainModelParams(models)) run_options.params[key] = value;
  run_options.params["threshold"] = absl::StrCat(threshold);
  if (!lfw) run_options.params["dataset"] = dataset.dataset.Name();
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));

  // One photo's embedding, or none when no face is found.
  auto embed = [&](const std::string& path, bool largest) -> absl::StatusOr<std::optional<torch::Tensor>> {
    const cv::Mat photo = cv::imread(path, cv::IMREAD_COLOR);
    if (photo.empty()) return absl::DataLossError(absl::StrCat(path, ": cannot be read"));
    FACEREC_ASSIGN_OR_RETURN(const std::vector<detect::Detection> faces, chain->Detect(photo));
    // LFW centres its named person; other photos are enrolment-like (largest face).
    const int k = largest || !lfw ? chain::Largest(faces) : chain::NearestToCentre(faces, photo.size());
    if (k < 0) return std::optional<torch::Tensor>();
    FACEREC_ASSIGN_OR_RETURN(const chain::ChainFace face, chain->Describe(chain::ToRgb(photo), faces[k]));
    return std::optional<torch::Tensor>(face.embedding);
  };
  chain::Gallery gallery(chain->embedder().model_sha256(), chain->embedder().embedding_size());
  std::vector<std::pair<std::string, std::string>> known_probes;  // name, photo
  std::vector<std::string> stranger_probes;
  std::vector<std::pair<std::string, std::string>> calibration_photos;  // person, photo
  // Never-enrolled people drawn for calibration, by person: their photos
  // never measure the thresholds they set.
  std::vector<std::string> strangers;
  for (const auto& [name, files] : people) {
    if (static_cast<int>(files.size()) <= FLAGS_enroll_photos) strangers.push_back(name);
  }
  std::set<std::string> calibration_people;
  {
    std::mt19937_64 rng(static_cast<uint64_t>(FLAGS_calibration_seed));
    for (size_t i = strangers.size(); i > 1; --i) std::swap(strangers[i - 1], strangers[rng() % i]);
    const auto n = static_cast<size_t>(FLAGS_calibration_share * strangers.size());
    calibration_people.insert(strangers.begin(), strangers.begin() + n);
  }
  int no_face = 0;
  for (const auto& [name, files] : people) {
    if (static_cast<int>(files.size()) <= FLAGS_enroll_photos) {
      if (calibration_people.count(name)) {
        for (const std::string& f : files) calibration_photos.push_back({name, f});
      } else {
        stranger_probes.insert(stranger_probes.end(), files.begin(), files.end());
      }
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
  // The calibration: per pair (FAR) and against this gallery (FPIR), on
  // the calibration people's photos (pipeline/calibration.h).
  std::optional<double> far_threshold, fpir_threshold;
  int64_t calibration_faces = 0;
  if (!calibration_photos.empty()) {
    pipeline::CalibrationSet set;
    set.name = "calibration people";
    std::vector<torch::Tensor> rows;
    for (const auto& [name, path] : calibration_photos) {
      FACEREC_ASSIGN_OR_RETURN(const auto emb, embed(path, false));
      if (!emb) {
        ++no_face;
        continue;
      }
      rows.push_back(*emb);
      set.persons.push_back(name);
    }
    calibration_faces = static_cast<int64_t>(rows.size());
    if (!rows.empty()) {
      set.embeddings = torch::stack(rows);
      absl::StatusOr<double> far = pipeline::PairThresholdAtFar(set, FLAGS_far);
      if (far.ok()) far_threshold = *far;
      else LOG(WARNING) << "no per-pair calibration: " << far.status().message();
      absl::StatusOr<pipeline::GalleryCalibration> fpir = pipeline::GalleryThresholdAtFpir(set, gallery, FLAGS_fpir);
      if (fpir.ok()) fpir_threshold = fpir->threshold;
      else LOG(WARNING) << "no FPIR calibration: " << fpir.status().message();
    }
  }
  int correct = 0, accepted = 0, rejected = 0, known_scored = 0, strangers_scored = 0;
  int accepted_far = 0, accepted_fpir = 0, strangers_far = 0, strangers_fpir = 0;
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
    accepted_far += far_threshold && m.name == name && m.score >= *far_threshold;
    accepted_fpir += fpir_threshold && m.name == name && m.score >= *fpir_threshold;
  }
  for (const std::string& path : stranger_probes) {
    FACEREC_ASSIGN_OR_RETURN(const auto emb, embed(path, false));
    if (!emb) {
      ++no_face;
      continue;
    }
    ++strangers_scored;
    const double score = gallery.BestMatch(*emb).score;
    rejected += score < threshold;
    strangers_far += far_threshold && score >= *far_threshold;
    strangers_fpir += fpir_threshold && score >= *fpir_threshold;
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
    FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + key, 0, value));
  }
  // The calibrated thresholds on the strangers they never saw: the share
  // accepted with its 95% Wilson interval, beside the rate asked for.
  auto share = [&](int k, int n) { return n > 0 ? static_cast<double>(k) / n : 0.0; };
  std::vector<std::tuple<std::string, std::optional<double>, int, int>> rows = {
      {absl::StrCat("celeba_ir_far_", FLAGS_far), threshold, strangers_scored - rejected, accepted},
      {absl::StrCat("calibrated_far_", FLAGS_far), far_threshold, strangers_far, accepted_far},
      {absl::StrCat("calibrated_fpir_", FLAGS_fpir), fpir_threshold, strangers_fpir, accepted_fpir}};
  if (!calibration_photos.empty()) {
    FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + "calibration_faces", 0, static_cast<double>(calibration_faces)));
    std::printf("\nthresholds on the %d photos of never-enrolled people not used to calibrate (calibrated on %lld "
                "photos of %zu other never-enrolled people):\n%-28s %9s %16s %22s %14s\n",
                strangers_scored, static_cast<long long>(calibration_faces), calibration_people.size(), "threshold",
                "value", "strangers named", "95% interval", "known named");
    for (const auto& [name, t, k, known_k] : rows) {
      if (!t) continue;
      const auto [low, high] = WilsonInterval(k, strangers_scored, 0.95);
      FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + name + "/threshold", 0, *t));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + name + "/strangers_accepted", 0, share(k, strangers_scored)));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + name + "/strangers_accepted_low", 0, low));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + name + "/strangers_accepted_high", 0, high));
      FACEREC_RETURN_IF_ERROR(run->LogMetric(prefix + name + "/known_accepted", 0, share(known_k, known_scored)));
      std::printf("%-28s %9.4f %9.3f (%3d) %10.3f - %.3f %14.3f\n", name.c_str(), *t, share(k, strangers_scored), k,
                  low, high, share(known_k, known_scored));
    }
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
       .usage = "Enrolls LFW people (or --dataset's) and identifies their other photos and strangers, with the "
                "unknown threshold from celebA_ir (--far) and calibrated on other strangers (--fpir, --far).\n"
                "Usage: evaluate_gallery [--enroll_photos=2] [--far=1e-3] [--fpir=0.01] [--dataset=folder:DIR]\n"
                "--dataset: the people enrolled and probed (default: LFW fold 1's); photos through the chain.",
       .main = facerec::EvaluateGallery});
}
