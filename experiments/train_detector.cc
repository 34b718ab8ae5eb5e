// Trains our face detector (detect/detector_net.h) from scratch on the
// training side of the detection sets (detect/detector_examples.h), then
// evaluates it with the detection evaluation every detector shares
// (detect/detection_evaluation.h) on the validation sets, in the same run.
// The net is saved as the run's artifact "detector_net"; the tools and the
// pipeline use the newest one (pipeline/trained_models.h).
//
//   tools/bazel run //experiments:train_detector                    # --preset=quick
//   tools/bazel run //experiments:train_detector -- --preset=full
//   tools/bazel run //experiments:train_detector -- --seeds=1,2,3   # mean ± std, intervals
//
// Seeds in parallel: run each as its own process (--seed=N --threads=1),
// then --seeds=1,2,3 with the same flags at any --threads: each seed's
// finished run is found in the store and its net only evaluated again.
// --external_detections (a peer's, e.g. the SSD's) and --reference_detector
// (a net of ours, e.g. the shipped one) join that summary as variants, each
// paired with the seeds over the same photos.
//
// Presets are flagfiles in --config_dir/detector/. A run killed midway
// resumes from its last epoch's checkpoint when started again with the same
// flags (--resume). celeba_wild's boxes come from our landmark net
// (--landmark_model, default the newest in the store), so train_landmarks
// runs first.

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/detect/detection_evaluation.h"
#include "facerec/detect/detection_sets.h"
#include "facerec/detect/detector_examples.h"
#include "facerec/detect/detector_net.h"
#include "facerec/detect/external_detections.h"
#include "facerec/detect/our_detector.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/metrics/bootstrap.h"
#include "facerec/metrics/detection.h"
#include "facerec/pipeline/alignment.h"
#include "facerec/pipeline/seed_intervals.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "facerec/train/detector_trainer.h"
#include "facerec/tracking/experiment_names.h"
#include "facerec/tracking/model_registry.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

namespace {
const facerec::train::DetectorTrainOptions kTrain;
const facerec::detect::DetectorNetOptions kNet;
const facerec::detect::DetectorLossOptions kLoss;
const facerec::metrics::BootstrapOptions kBootstrap;
}  // namespace

DEFINE_string(preset, "quick",
              "quick (<= 30 min on 2 cores) or full; a file in --config_dir/detector.");
DEFINE_int64(seed, 1, "Seed for initialisation, order and augmentation.");
DEFINE_int32(epochs, kTrain.epochs, "Training epochs.");
DEFINE_int32(batch_size, kTrain.batch_size, "Photos per step.");
DEFINE_double(lr, kTrain.lr, "AdamW peak learning rate (cosine schedule, linear warm-up).");
DEFINE_double(weight_decay, kTrain.weight_decay, "AdamW decoupled weight decay.");
DEFINE_double(warmup_epochs, kTrain.warmup_epochs, "Epochs of linear learning-rate warm-up.");
DEFINE_int32(input_size, kTrain.augment.input_size, "Side of the square training crops (a multiple of 32).");
DEFINE_double(min_crop_scale, kTrain.augment.min_crop_scale,
              "Augmentation: smallest crop side over the photo's shorter side.");
DEFINE_double(max_crop_scale, kTrain.augment.max_crop_scale,
              "Augmentation: largest crop side over the photo's shorter side (> 1 pads).");
DEFINE_int32(stem_width, kNet.stem_width, "Detector net: channels at strides 2 and 4.");
DEFINE_int32(width, kNet.width, "Detector net: channels from stride 8 on.");
DEFINE_double(centre_radius, kLoss.centre_radius, "Positives: cells within this many strides of a face's centre.");
DEFINE_string(sources, "facemask_train,webfaces_train,celeba_wild,dlib_train",
              "Comma-separated training sources (detect/detector_examples.h).");
DEFINE_string(landmark_model, "",
              "Landmark net that finds celeba_wild's points: a file relative to the workspace root or a "
              "registry name NAME[@ALIAS|:VERSION] (default: the registry's alias default of kind landmarks).");
DEFINE_string(val_sets, "facemask_val,webfaces_val,dlib_test,afw",
              "Comma-separated detection sets evaluated after training (detect/detection_sets.h).");
DEFINE_int32(validate_every, 5, "facemask_val AP every N epochs (val/facemask_ap), and after the last.");
DEFINE_bool(resume, true, "Resume a killed run with the same flags from its checkpoint.");
DEFINE_string(run_name, "detector_net",
              "Run name in the store. The tools use the newest finished 'detector_net' run: give "
              "exploratory runs another name.");
DEFINE_string(seeds, "",
              "Comma-separated seeds: a net per seed (a seed already trained with these flags, at any "
              "--threads, is found in the store and only evaluated again), then each validation set's AP "
              "as mean ± std over the seeds with a bootstrap interval over photos, and the photo "
              "enlargement turned off, the floor of 20 px and any --external_detections as paired differences; "
              "recorded as one more run, 'detector_seeds'.");
DEFINE_string(external_detections, "",
              "With --seeds: NAME=FILE,... peers' detections on the validation photos (detect/external_detections.h; "
              "FILE relative to the workspace root), each scored as one more variant of the summary, so its "
              "difference from ours is paired over the same photos and resamples.");
DEFINE_string(reference_detector, "",
              "With --seeds: a trained detector of ours (a file relative to the workspace root or a registry "
              "name NAME[@ALIAS|:VERSION], e.g. facerec-detector@default) scored on the same photos as one more "
              "variant, 'reference_detector', so the seeds' difference from it is paired over photos (does a new "
              "recipe beat the shipped net?); empty: none. Recorded by sha256.");
DEFINE_int32(bootstrap_replicates, kBootstrap.replicates, "Bootstrap replicates of the --seeds intervals.");
DEFINE_double(bootstrap_confidence, kBootstrap.confidence, "Coverage of those intervals, in (0, 1).");
DEFINE_int32(curve_points, 200, "Points of each stored precision-recall curve.");

namespace facerec {
namespace {

absl::Status ValidateFlags(const std::vector<std::string>& sources) {
  using experiment::FlagError;
  using experiment::AtLeast;
  FACEREC_RETURN_IF_ERROR(experiment::CheckFlagBounds({
      AtLeast("seed", 0),
      AtLeast("stem_width", 1),
      AtLeast("width", 1),
      experiment::Above("centre_radius", 0),
      AtLeast("validate_every", 1),
      AtLeast("curve_points", 2),
      AtLeast("bootstrap_replicates", 1),
      experiment::Open("bootstrap_confidence", 0, 1),
  }));
  if (FLAGS_run_name.empty()) return FlagError("run_name", "''", "must not be empty");
  if (sources.empty()) return FlagError("sources", "''", "must name at least one source");
  return absl::OkStatus();
}

train::DetectorTrainOptions TrainOptionsFromFlags(torch::Device device) {
  train::DetectorTrainOptions o;
  o.epochs = FLAGS_epochs;
  o.batch_size = FLAGS_batch_size;
  o.lr = FLAGS_lr;
  o.weight_decay = FLAGS_weight_decay;
  o.warmup_epochs = FLAGS_warmup_epochs;
  o.augment.input_size = FLAGS_input_size;
  o.augment.min_crop_scale = FLAGS_min_crop_scale;
  o.augment.max_crop_scale = FLAGS_max_crop_scale;
  o.loss.centre_radius = FLAGS_centre_radius;
  o.seed = static_cast<uint64_t>(FLAGS_seed);
  o.device = device;
  return o;
}

// What every seed trains on and is scored on.
struct DetectorData {
  std::vector<detect::TrainingPhoto> photos;
  std::vector<detect::DetectionSet> sets;
  std::string landmark_model_sha256;  // "" without celeba_wild.
};

absl::StatusOr<DetectorData> LoadData(experiment::Experiment& e, const std::vector<std::string>& sources,
                                      const std::vector<std::string>& val_sets, torch::Device device) {
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  DetectorData d;
  std::unique_ptr<align::LandmarkDetector> landmarks;
  if (absl::c_linear_search(sources, "celeba_wild")) {
    FACEREC_ASSIGN_OR_RETURN(const std::string model,
                             pipeline::ChooseModelPath([&] { return e.Store(); }, tracking::ModelKind::kLandmarks,
                                                       "landmark_model", FLAGS_landmark_model));
    absl::StatusOr<align::LandmarkDetector> loaded = align::LandmarkDetector::Load(model, device);
    if (!loaded.ok()) return experiment::AsFlagError("landmark_model", loaded.status());
    landmarks = std::make_unique<align::LandmarkDetector>(std::move(*loaded));
    FACEREC_ASSIGN_OR_RETURN(d.landmark_model_sha256, Sha256OfFile(model));
  }
  const int threads = std::max(1, torch::get_num_threads());
  FACEREC_ASSIGN_OR_RETURN(d.photos, detect::LoadDetectorTrainingPhotos(root, sources, landmarks.get(), threads));
  for (const std::string& name : val_sets) {
    FACEREC_ASSIGN_OR_RETURN(detect::DetectionSet set, detect::LoadDetectionSet(root, name));
    d.sets.push_back(std::move(set));
  }
  std::map<std::string, int> per_source;
  int64_t faces = 0;
  for (const detect::TrainingPhoto& p : d.photos) {
    ++per_source[p.source];
    faces += static_cast<int64_t>(p.faces.size());
  }
  LOG(INFO) << "detector training: " << d.photos.size() << " photos, " << faces << " faces ("
            << absl::StrJoin(per_source, ", ", absl::PairFormatter(" ")) << ")";
  return d;
}

// What a run with `seed` trains, as the store records it. Not params: where
// things are, how often it is watched, and the seeds summary's own flags.
std::map<std::string, std::string> TrainingParams(const DetectorData& data, int64_t seed) {
  std::map<std::string, std::string> params = experiment::FlagsDefinedIn(
      "train_detector", {"run_name", "landmark_model", "resume", "val_sets", "validate_every", "curve_points",
                         "seeds", "bootstrap_replicates", "bootstrap_confidence", "external_detections",
                         "reference_detector"});
  params["seed"] = absl::StrCat(seed);
  params["threads"] = absl::StrCat(torch::get_num_threads());
  // The boxes the landmark net makes are training data: the net that made
  // them is part of the configuration, by content.
  if (!data.landmark_model_sha256.empty()) params["landmark_model_sha256"] = data.landmark_model_sha256;
  return params;
}

// Trains one net with `seed`, scores it on every set and records it all as
// one run. Returns the run and the saved net.
absl::StatusOr<pipeline::TrainedRun> TrainOneSeed(experiment::Experiment& e, const DetectorData& data,
                                                  int64_t seed, torch::Device device) {
  train::DetectorTrainOptions options = TrainOptionsFromFlags(device);
  options.seed = static_cast<uint64_t>(seed);
  tracking::RunOptions run_options;
  run_options.name = FLAGS_run_name;
  run_options.params = TrainingParams(data, seed);
  run_options.seed = seed;
  // Its runs record no data fingerprint.
  const std::filesystem::path dir = e.CheckpointDir("detector", run_options.params, "");
  options.checkpoint_path = (dir / "checkpoint.pt").string();
  if (!FLAGS_resume) std::filesystem::remove(options.checkpoint_path);
  detect::DetectorNetOptions net_options;
  net_options.stem_width = FLAGS_stem_width;
  net_options.width = FLAGS_width;
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
  const detect::DetectorNetCost cost = detect::MeasureDetectorNetCost(net_options, 480, 640);
  FACEREC_RETURN_IF_ERROR(run->LogMetric("net/parameters", 0, cost.parameters));
  FACEREC_RETURN_IF_ERROR(run->LogMetric("net/mmac_640x480", 0, cost.multiply_adds / 1e6));
  LOG(INFO) << absl::StrFormat("detector net: %d parameters, %.1f M multiply-adds at 640x480",
                               cost.parameters, cost.multiply_adds / 1e6);

  // Seeded before the net exists: its initial weights come from this seed.
  torch::manual_seed(seed);
  detect::DetectorNet net(net_options);
  detect::FaceDetectorOptions detector_options;  // Every candidate: what AP needs.
  const detect::DetectionEvaluationOptions evaluation;
  const detect::DetectionSet* facemask_val = nullptr;
  for (const detect::DetectionSet& s : data.sets) {
    if (s.name == "facemask_val") facemask_val = &s;
  }
  auto validate = [&](int epoch) -> absl::Status {
    if (facemask_val == nullptr ||
        !train::IsValidationEpoch(epoch, FLAGS_validate_every, FLAGS_epochs)) {
      return absl::OkStatus();
    }
    detect::OurDetector detector(net, detector_options, device);
    FACEREC_ASSIGN_OR_RETURN(const detect::DetectorEvaluation r,
                             detect::EvaluateDetector(detector, *facemask_val, evaluation));
    net->train();
    LOG(INFO) << absl::StrFormat("epoch %d validation: facemask_val AP %.3f (faces >= %g px: %.3f)",
                                 epoch + 1, r.all.average_precision, evaluation.min_face_side,
                                 r.large.average_precision);
    FACEREC_RETURN_IF_ERROR(run->LogMetric("val/facemask_ap", epoch, r.all.average_precision));
    return run->LogMetric("val/facemask_ap_large", epoch, r.large.average_precision);
  };
  FACEREC_RETURN_IF_ERROR(train::TrainDetectorNet(net, data.photos, options, run, validate));
  const std::filesystem::path model = dir / "detector_net.pt";
  FACEREC_RETURN_IF_ERROR(detect::SaveDetectorNet(net, model.string()));
  FACEREC_RETURN_IF_ERROR(run->LogArtifact("detector_net", model.string()));

  detect::OurDetector detector(net, detector_options, device);
  std::printf("\n%-14s %6s %6s %8s %8s %10s %8s\n", "set", "photos", "faces", "AP",
              absl::StrCat("AP>=", evaluation.min_face_side).c_str(), "recall@1FP", "ms");
  std::vector<detect::DetectorEvaluation> results;
  for (const detect::DetectionSet& set : data.sets) {
    FACEREC_ASSIGN_OR_RETURN(detect::DetectorEvaluation r, detect::EvaluateDetector(detector, set, evaluation));
    FACEREC_RETURN_IF_ERROR(detect::LogDetectorEvaluation(set.name, r, FLAGS_curve_points, run));
    std::printf("%-14s %6lld %6lld %8.3f %8.3f %10.3f %8.1f%s\n", set.name.c_str(),
                static_cast<long long>(r.photos), static_cast<long long>(r.all.faces),
                r.all.average_precision, r.large.average_precision,
                r.all.recall_at_false_positive_rate, r.median_ms_per_photo,
                set.recall_only ? "  (recall only)" : "");
    results.push_back(std::move(r));
  }
  const std::vector<detect::OperatingPointRecall> recalls = detect::RecallsAtOperatingPoint(data.sets, results);
  for (const detect::OperatingPointRecall& r : recalls) {
    std::printf("%s\n", detect::DescribeOperatingPointRecall(r).c_str());
  }
  FACEREC_RETURN_IF_ERROR(detect::LogOperatingPointRecalls(recalls, run));
  std::printf("\nModel: %s (%lld parameters, %.0f M multiply-adds at 640x480)\n",
              WorkspaceRelative(model.string()).c_str(), static_cast<long long>(cost.parameters),
              cost.multiply_adds / 1e6);
  std::fflush(stdout);
  // Finished here, not by the frame at exit: a later seed that fails must
  // not take this one's run with it, and --seeds started again finds it.
  FACEREC_RETURN_IF_ERROR(run->Finish());
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord record, store->GetRun(run->id()));
  FACEREC_ASSIGN_OR_RETURN(const std::string sha256, Sha256OfFile(model.string()));
  return pipeline::TrainedRun{record.uid, model.string(), sha256};
}

// The detection options a seeds summary compares: every candidate kept (what
// AP needs) as the defaults enlarge the photo; without the enlargement; and
// with the floor of 20 px (ours before issue 35; Haar's and dlib HOG's) at
// the same enlargement.
constexpr int kPreviousSmallestFace = 20;
std::vector<std::pair<std::string, detect::FaceDetectorOptions>> EvaluationVariants() {
  const detect::FaceDetectorOptions as_flagged;
  std::vector<std::pair<std::string, detect::FaceDetectorOptions>> variants = {{"as_flagged", as_flagged}};
  const double enlargement = detect::OurInputScale(as_flagged);
  if (enlargement != 1) {
    detect::FaceDetectorOptions o = as_flagged;
    o.input_scale = as_flagged.input_scale / enlargement;
    variants.push_back({"no_enlargement", o});
  }
  if (detect::kOurSmallestFace != kPreviousSmallestFace) {
    detect::FaceDetectorOptions o = as_flagged;
    o.min_face_size = kPreviousSmallestFace;
    o.input_scale = enlargement / detect::OurInputScale(o) * as_flagged.input_scale;
    variants.push_back({absl::StrCat("smallest_face_", kPreviousSmallestFace), o});
  }
  return variants;
}

// One of the scores of `matched` under photo multiplicities.
metrics::UnitStatistic ScoreOf(std::shared_ptr<const metrics::MatchedDetections> matched,
                               double metrics::DetectionScores::*score) {
  return [matched, score](const std::vector<int>& multiplicity) {
    return metrics::ScoreMatchedDetections(*matched, multiplicity).*score;
  };
}

// --reference_detector, chosen and loaded before the data (a bad value fails
// at once).
struct ReferenceDetector {
  pipeline::ChosenModel model;
  std::unique_ptr<detect::OurDetector> detector;  // With the default options.
};

absl::StatusOr<std::optional<ReferenceDetector>> LoadReferenceDetector(experiment::Experiment& e,
                                                                       torch::Device device) {
  if (FLAGS_reference_detector.empty()) return std::nullopt;
  if (FLAGS_seeds.empty()) {
    return experiment::FlagError("reference_detector", FLAGS_reference_detector, "is scored only with --seeds");
  }
  ReferenceDetector reference;
  FACEREC_ASSIGN_OR_RETURN(reference.model, pipeline::ChooseModel([&] { return e.Store(); }, tracking::ModelKind::kDetector,
                                                                  "reference_detector", FLAGS_reference_detector));
  absl::StatusOr<std::unique_ptr<detect::OurDetector>> loaded =
      detect::OurDetector::Load(reference.model.path, detect::FaceDetectorOptions(), device);
  if (!loaded.ok()) return experiment::AsFlagError("reference_detector", loaded.status());
  reference.detector = std::move(*loaded);
  return reference;
}

// --seeds: each seed trained (or found finished in the store: alone, at any
// thread count), then every validation set's AP (a recall-only set's recall
// at 1 FP per photo and at the operating point, detect::RecallsAtOperatingPoint)
// per evaluation variant as mean ± std over the seeds with a bootstrap
// interval over photos, and the variant's paired difference from the default;
// recorded as one more run, "detector_seeds".
absl::Status TrainSeeds(experiment::Experiment& e, const DetectorData& data, const std::vector<int64_t>& seeds,
                        torch::Device device, const std::optional<ReferenceDetector>& reference) {
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  // Read (and so checked) before any seed trains.
  absl::StatusOr<std::vector<detect::NamedExternalDetections>> read_peers =
      detect::ReadNamedExternalDetections(FLAGS_external_detections, WorkspaceRoot());
  if (!read_peers.ok()) {
    return absl::Status(read_peers.status().code(), absl::StrCat("--external_detections=", FLAGS_external_detections,
                                                                 ": ", read_peers.status().message()));
  }
  const std::vector<detect::NamedExternalDetections> peers = std::move(*read_peers);
  FACEREC_ASSIGN_OR_RETURN(
      const std::vector<pipeline::TrainedRun> trained,
      pipeline::FindOrTrainSeeds(
          *store, tracking::kTrainDetector, seeds, [&](int64_t seed) { return TrainingParams(data, seed); }, "", "detector_net",
          [&](int64_t seed) { return TrainOneSeed(e, data, seed, device); }));
  metrics::BootstrapOptions bootstrap;
  bootstrap.replicates = FLAGS_bootstrap_replicates;
  bootstrap.confidence = FLAGS_bootstrap_confidence;
  pipeline::SeedIntervals intervals(bootstrap);
  const detect::DetectionEvaluationOptions evaluation;
  // One seed's scores of `variant` on every set (`results` in data.sets' order).
  const auto add = [&](const std::string& variant, std::vector<detect::DetectorEvaluation> results) -> absl::Status {
    // The recall-only sets at the operating score this seed's variant has on
    // detect::kOperatingPointSet; the score stays fixed under the bootstrap.
    std::map<std::string, double> operating_score;
    for (const detect::OperatingPointRecall& r : detect::RecallsAtOperatingPoint(data.sets, results)) {
      operating_score[r.set] = r.operating_score;
    }
    for (size_t i = 0; i < data.sets.size(); ++i) {
      const detect::DetectionSet& set = data.sets[i];
      const auto photos = static_cast<int32_t>(results[i].photos);
      auto all = std::make_shared<const metrics::MatchedDetections>(std::move(results[i].matched_all));
      auto large = std::make_shared<const metrics::MatchedDetections>(std::move(results[i].matched_large));
      if (set.recall_only) {
        FACEREC_RETURN_IF_ERROR(intervals.Add(variant, set.name, "recall_at_1fp", photos,
                                              ScoreOf(all, &metrics::DetectionScores::recall_at_false_positive_rate)));
        const auto cut = operating_score.find(set.name);
        if (cut == operating_score.end()) continue;
        FACEREC_RETURN_IF_ERROR(intervals.Add(variant, set.name, "recall_at_operating_point", photos,
                                              [all, score = cut->second](const std::vector<int>& multiplicity) {
                                                return metrics::RecallAtScore(*all, score, multiplicity);
                                              }));
        continue;
      }
      FACEREC_RETURN_IF_ERROR(intervals.Add(variant, set.name, "ap", photos,
                                            ScoreOf(all, &metrics::DetectionScores::average_precision)));
      FACEREC_RETURN_IF_ERROR(intervals.Add(variant, set.name, "ap_large", photos,
                                            ScoreOf(large, &metrics::DetectionScores::average_precision)));
    }
    return absl::OkStatus();
  };
  // The reference net's detections, like a peer's, are the same for every
  // seed: scored once, added once per seed.
  std::vector<detect::DetectorEvaluation> reference_results;
  if (reference) {
    LOG(INFO) << "scoring the reference detector";
    for (const detect::DetectionSet& set : data.sets) {
      FACEREC_ASSIGN_OR_RETURN(detect::DetectorEvaluation r,
                               detect::EvaluateDetector(*reference->detector, set, evaluation));
      reference_results.push_back(std::move(r));
    }
  }
  for (size_t k = 0; k < trained.size(); ++k) {
    for (const auto& [variant, options] : EvaluationVariants()) {
      LOG(INFO) << "seed " << seeds[k] << ": scoring " << variant;
      FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<detect::OurDetector> detector,
                               detect::OurDetector::Load(trained[k].model_path, options, device));
      std::vector<detect::DetectorEvaluation> results;
      for (const detect::DetectionSet& set : data.sets) {
        FACEREC_ASSIGN_OR_RETURN(detect::DetectorEvaluation r, detect::EvaluateDetector(*detector, set, evaluation));
        results.push_back(std::move(r));
      }
      FACEREC_RETURN_IF_ERROR(add(variant, std::move(results)));
    }
    if (reference) FACEREC_RETURN_IF_ERROR(add("reference_detector", reference_results));
    // A peer's detections are the same for every seed: as a variant they
    // pair its score with the seeds' mean of ours, photo by photo.
    for (const detect::NamedExternalDetections& peer : peers) {
      std::vector<detect::DetectorEvaluation> results;
      for (const detect::DetectionSet& set : data.sets) {
        FACEREC_ASSIGN_OR_RETURN(detect::DetectorEvaluation r,
                                 detect::EvaluateExternalDetections(peer.detections, set, root, evaluation));
        results.push_back(std::move(r));
      }
      FACEREC_RETURN_IF_ERROR(add(peer.name, std::move(results)));
    }
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<pipeline::SeedIntervalRow> rows, intervals.Summarise());
  tracking::RunOptions run_options;
  run_options.name = "detector_seeds";
  run_options.params = TrainingParams(data, seeds.front());
  run_options.params.erase("seed");
  run_options.params["seeds"] = absl::StrJoin(seeds, ",");
  run_options.params["val_sets"] = FLAGS_val_sets;
  for (size_t k = 0; k < seeds.size(); ++k) {
    run_options.params[absl::StrCat("run/seed", seeds[k])] = trained[k].run_uid;
  }
  for (const detect::NamedExternalDetections& peer : peers) {
    run_options.params[absl::StrCat("external/", peer.name, "/detections_sha256")] = peer.sha256;
  }
  if (reference) {
    run_options.params["reference_detector_sha256"] = reference->model.sha256;
    if (reference->model.registered) {
      run_options.params["reference_detector_registered"] = reference->model.registered->Label();
    }
  }
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
  FACEREC_RETURN_IF_ERROR(pipeline::RecordSeedIntervals(rows, bootstrap, run));
  std::printf("\nDetector over seeds %s (runs %s):\n%s", absl::StrJoin(seeds, ",").c_str(),
              absl::StrJoin(trained, ", ",
                            [](std::string* out, const pipeline::TrainedRun& t) {
                              absl::StrAppend(out, t.run_uid.substr(0, 8));
                            })
                  .c_str(),
              pipeline::SeedIntervalTable(rows, /*percent=*/false).c_str());
  std::fflush(stdout);
  return absl::OkStatus();
}

absl::Status TrainDetector(experiment::Experiment& e) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> sources,
                           experiment::ParseNameList("sources", FLAGS_sources,
                                                     detect::KnownDetectorTrainingSources()));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> val_sets,
                           experiment::ParseNameList("val_sets", FLAGS_val_sets,
                                                     detect::KnownDetectionSets()));
  for (const std::string& set : val_sets) {
    if (absl::EndsWith(set, "_train")) {
      return experiment::FlagError("val_sets", FLAGS_val_sets,
                                   absl::StrCat(set, " is a training set"));
    }
  }
  FACEREC_RETURN_IF_ERROR(ValidateFlags(sources));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<int64_t> seeds, experiment::ParseSeedList("seeds", FLAGS_seeds));
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  if (absl::Status s = train::ValidateDetectorTrainOptions(TrainOptionsFromFlags(device)); !s.ok()) {
    const std::string m(s.message());
    return experiment::AsFlagError(m.substr(0, m.find('=')), s);
  }
  FACEREC_ASSIGN_OR_RETURN(const std::optional<ReferenceDetector> reference, LoadReferenceDetector(e, device));
  FACEREC_ASSIGN_OR_RETURN(const DetectorData data, LoadData(e, sources, val_sets, device));
  if (!seeds.empty()) return TrainSeeds(e, data, seeds, device, reference);
  return TrainOneSeed(e, data, FLAGS_seed, device).status();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kTrainDetector,
       .usage = "Trains our face detector and evaluates it on the detection sets' validation "
                "photos.\nUsage: train_detector [--preset=quick|full] [--any_flag=value]",
       .layer_flags = "--preset",
       .default_layers = [] { return std::vector<std::string>{"detector/" + FLAGS_preset}; },
       .main = facerec::TrainDetector});
}
