// Trains the 5-point landmark net on MTFL's training faces and evaluates it
// on MTFL's AFLW test faces and on AFW (68 points reduced to 5): NME,
// failure rate (NME > 10%), the CED, the systematic offset and the NME with
// it removed (pipeline/landmarks.h), all recorded in the store. The net
// is saved as an artifact of the run; the alignment experiments find it there.
//
//   tools/bazel run //experiments:train_landmarks
//   tools/bazel run //experiments:train_landmarks -- --epochs=5 --base_width=8
//   tools/bazel run //experiments:train_landmarks -- --seeds=1,2,3   # mean ± std, intervals
//   tools/bazel run //experiments:train_landmarks -- --model=models/facerec-landmarks.pt
//       # a saved net scored, and its test-time variants paired over faces
//
// A killed run started again with the same flags resumes after its last
// finished epoch (--resume; artifacts/landmarks/<hash of flags and data>/);
// one with other evaluation flags only (--refine_passes, --flip_average,
// --upright_refinement, --validate_every) finds the trained net and scores it.
// Seeds in parallel: run each as its own process (--seed=N --threads=1),
// then --seeds=1,2,3 with the same flags at any --threads: each seed's
// finished run is found in the store and its net only evaluated again.
// The seeds summary also scores dlib's 68-point predictor (the peer,
// experiments/dlib_landmarks.cc) on the same faces as the variant "dlib_68",
// so "ours at least as good as dlib" is a difference paired over faces
// (--reference_dlib_model; empty: not scored).
//
// One face in 20 of the training list (every 20th row) is held out for the
// per-epoch validation NME, so the test sets are only used once, at the end.

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "facerec/align/dlib_landmarks.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/align/landmark_examples.h"
#include "facerec/align/landmark_net.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/landmarks.h"
#include "facerec/metrics/bootstrap.h"
#include "facerec/pipeline/landmarks.h"
#include "facerec/pipeline/seed_intervals.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "facerec/train/landmark_trainer.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

namespace {
// The option structs' defaults, so no flag has a default of its own.
const facerec::train::LandmarkTrainOptions kTrain;
const facerec::align::LandmarkNetOptions kNet;
const facerec::align::LandmarkDetectorOptions kDetector;
const facerec::metrics::BootstrapOptions kBootstrap;
}  // namespace

DEFINE_int64(seed, 1, "Seed for initialisation, order and augmentation.");
DEFINE_int32(epochs, kTrain.epochs, "Training epochs.");
DEFINE_int32(batch_size, kTrain.batch_size, "Batch size.");
DEFINE_double(lr, kTrain.lr, "AdamW peak learning rate (cosine schedule, 1 epoch warm-up).");
DEFINE_double(weight_decay, kTrain.weight_decay, "AdamW decoupled weight decay.");
DEFINE_int32(input_size, kNet.input_size, "Square net input in pixels (a multiple of 16).");
DEFINE_int32(base_width, kNet.base_width, "Stem channels of the landmark net (stages use 2x, 4x, 8x).");
DEFINE_int32(hidden, kNet.hidden, "Hidden fully connected width (--head=regression).");
DEFINE_string(head, facerec::align::LandmarkHeadName(kNet.head),
              "How the net turns features into points: regression (fully connected layers) or "
              "soft_argmax (heatmaps, softmax-weighted mean positions); align/landmark_net.h.");
DEFINE_double(max_rotation, kTrain.augment.max_rotation_degrees,
              "Augmentation: rotation range in degrees.");
DEFINE_double(min_eye_mouth_fraction, kTrain.augment.min_eye_mouth_fraction,
              "Augmentation: smallest eye-to-mouth distance / crop side (crops framed around the points).");
DEFINE_double(max_eye_mouth_fraction, kTrain.augment.max_eye_mouth_fraction,
              "Augmentation: largest eye-to-mouth distance / crop side.");
DEFINE_double(max_shift, kTrain.augment.max_shift,
              "Augmentation: crop centre offset from the points' mean, x side.");
DEFINE_double(tight_crop_probability, kTrain.augment.tight_crop_probability,
              "Augmentation: share of crops with edges cut and refilled by replication.");
DEFINE_int32(refine_passes, kDetector.refine_passes,
             "Evaluation: re-crops around the predicted points (align/landmark_detector.h).");
DEFINE_bool(flip_average, kDetector.flip_average,
            "Evaluation: average each prediction with the one on the mirrored crop "
            "(align/landmark_detector.h).");
DEFINE_bool(upright_refinement, kDetector.upright_refinement,
            "Evaluation: turn each refinement crop so the previous pass's eyes lie level "
            "(align/landmark_detector.h).");
DEFINE_string(model, "",
              "Evaluate this saved landmark net (a landmark_net.pt, relative to the workspace "
              "root) instead of training one; the net's own options replace --input_size, "
              "--base_width, --hidden and --head.");
DEFINE_string(shifted_mtfl_rows, "drop",
              "MTFL's 2,350 training rows with y coordinates 28 px short (data::IsShiftedMtflRow), "
              "a yaw series from -60 to +60 degrees: 'drop' (train without them) or 'correct' "
              "(train on them, y + data::kShiftedMtflRowOffsetY). Either way every "
              "--holdout_every-th of them, corrected, is held out and scored as mtfl_holdout_pose.");
DEFINE_string(run_name, "landmark_net",
              "Run name in the store. The alignment experiments, tools:align_faces and "
              "tools:results use the newest finished 'landmark_net' run: give exploratory "
              "runs another name. Evaluate-only runs get '_eval' appended.");
DEFINE_string(seeds, "",
              "Comma-separated seeds: a net per seed (a seed already trained with these flags, at any "
              "--threads, is found in the store and only evaluated again), then each set's NME and "
              "failure rate as mean ± std over the seeds with a bootstrap interval over the faces, and "
              "the refinement pass and flip averaging each turned off as paired differences; recorded as "
              "one more run, 'landmark_seeds'.");
DEFINE_int32(bootstrap_replicates, kBootstrap.replicates, "Bootstrap replicates of the intervals (--seeds, and --model's evaluation variants).");
DEFINE_double(bootstrap_confidence, kBootstrap.confidence, "Coverage of those intervals, in (0, 1).");
DEFINE_string(reference_dlib_model, "/usr/share/dlib/shape_predictor_68_face_landmarks.dat",
              "With --seeds: dlib's 68-point shape predictor, scored on the same faces as the "
              "variant dlib_68 (its difference from the net's paired over faces); empty: none. "
              "Recorded by sha256.");
DEFINE_bool(resume, true, "Resume a killed run with the same flags from its last epoch's checkpoint.");
DEFINE_int32(validate_every, 5, "Validation NME on the held-out training faces every N epochs.");
DEFINE_int32(holdout_every, 20, "Every Nth training face is held out for validation.");

namespace facerec {
namespace {

align::LandmarkDetectorOptions DetectorOptions() {
  align::LandmarkDetectorOptions options;
  options.refine_passes = FLAGS_refine_passes;
  options.flip_average = FLAGS_flip_average;
  options.upright_refinement = FLAGS_upright_refinement;
  return options;
}

// Every flag checked before anything is loaded or recorded.
absl::Status ValidateFlags() {
  using experiment::FlagError;
  if (FLAGS_shifted_mtfl_rows != "drop" && FLAGS_shifted_mtfl_rows != "correct") {
    return FlagError("shifted_mtfl_rows", FLAGS_shifted_mtfl_rows, "allowed: drop, correct");
  }
  using experiment::AtLeast;
  FACEREC_RETURN_IF_ERROR(experiment::CheckFlagBounds({
      AtLeast("epochs", 1),
      AtLeast("batch_size", 1),
      experiment::Above("lr", 0),
      AtLeast("weight_decay", 0),
      AtLeast("base_width", 1),
      AtLeast("hidden", 1),
      experiment::Closed("max_rotation", 0, 180),
      experiment::Open("min_eye_mouth_fraction", 0, 1),
      experiment::HalfOpen("max_shift", 0, 0.5),
      experiment::Closed("tight_crop_probability", 0, 1),
      experiment::Closed("refine_passes", 0, 10),
      AtLeast("validate_every", 1),
      AtLeast("seed", 0),
      AtLeast("bootstrap_replicates", 1),
      experiment::Open("bootstrap_confidence", 0, 1),
  }));
  if (!align::ParseLandmarkHead(FLAGS_head).has_value()) {
    return FlagError("head", FLAGS_head, "allowed: regression, soft_argmax");
  }
  if (FLAGS_input_size < 16 || FLAGS_input_size % 16 != 0) {
    return FlagError("input_size", FLAGS_input_size, "must be a positive multiple of 16");
  }
  if (!(FLAGS_max_eye_mouth_fraction >= FLAGS_min_eye_mouth_fraction &&
        FLAGS_max_eye_mouth_fraction < 1)) {
    return FlagError("max_eye_mouth_fraction", FLAGS_max_eye_mouth_fraction,
                     "must be in [--min_eye_mouth_fraction, 1)");
  }
  if (FLAGS_holdout_every < 0 || FLAGS_holdout_every == 1) {
    return FlagError("holdout_every", FLAGS_holdout_every, "must be 0 (none) or >= 2");
  }
  if (FLAGS_run_name.empty()) return FlagError("run_name", "''", "must not be empty");
  return absl::OkStatus();
}

// The faces every run of this experiment loads: the training rows split into
// trained and held out, and the test sets.
struct LandmarkData {
  std::vector<align::LandmarkExample> train;
  // Scored in every run, held-out training faces first: their protocol is
  // the one the net learnt, so the gap to the test sets shows.
  std::vector<pipeline::LandmarkSet> eval_sets;
  std::string fingerprint;
};

absl::StatusOr<LandmarkData> LoadData(const std::filesystem::path& root) {
  const int threads = std::max(1, torch::get_num_threads());
  FACEREC_ASSIGN_OR_RETURN(
      std::vector<align::LandmarkExample> all,
      align::LoadMtflExamples(root, "new_training.txt", threads, [](const data::LandmarkFace& face) {
        return !data::IsShiftedMtflRow(face.image_path);
      }));
  FACEREC_ASSIGN_OR_RETURN(pipeline::LandmarkSet pose,
                           pipeline::LoadLandmarkSet(root, "mtfl_train_pose", threads));
  // The test sets; mtfl_test_minus1px is mtfl_test's faces with the labels
  // moved (pipeline/landmarks.h), scored from the same predictions.
  FACEREC_ASSIGN_OR_RETURN(
      std::vector<pipeline::LandmarkSet> test_sets,
      pipeline::LoadLandmarkSets(root, "mtfl_test,mtfl_test_minus1px,afw", threads));
  LandmarkData d;
  FACEREC_ASSIGN_OR_RETURN(
      d.fingerprint,
      pipeline::LandmarkDataFingerprint(root, {"new_training.txt", "new_testing.txt"},
                                        {&all, &pose.examples, &test_sets[0].examples, &test_sets[2].examples}));
  std::vector<align::LandmarkExample> holdout, pose_train, pose_holdout;
  pipeline::SplitEveryNth(all, FLAGS_holdout_every, &d.train, &holdout);
  pipeline::SplitEveryNth(pose.examples, FLAGS_holdout_every, &pose_train, &pose_holdout);
  if (FLAGS_shifted_mtfl_rows == "correct") {
    d.train.insert(d.train.end(), pose_train.begin(), pose_train.end());
  }
  LOG(INFO) << "landmark faces: train " << d.train.size() << " (" << FLAGS_shifted_mtfl_rows
            << " the " << pose.examples.size() << " shifted rows), held out " << holdout.size()
            << " + " << pose_holdout.size() << " pose, MTFL test " << test_sets[0].examples.size()
            << ", AFW " << test_sets[2].examples.size();
  if (!holdout.empty()) d.eval_sets.push_back({"mtfl_holdout", std::move(holdout)});
  if (!pose_holdout.empty()) d.eval_sets.push_back({"mtfl_holdout_pose", std::move(pose_holdout)});
  d.eval_sets.insert(d.eval_sets.end(), test_sets.begin(), test_sets.end());
  return d;
}

// What a run with `seed` trains: the flags, as the store records them. Not
// params: where things are (the run's name does not change the net, nor its
// artifact path; a saved net is identified by its sha256) and the seeds
// summary's own flags.
std::map<std::string, std::string> TrainingParams(int64_t seed) {
  std::map<std::string, std::string> params = experiment::FlagsDefinedIn(
      "train_landmarks",
      {"run_name", "model", "resume", "seeds", "bootstrap_replicates", "bootstrap_confidence",
       "reference_dlib_model"});
  params["seed"] = absl::StrCat(seed);
  params["threads"] = absl::StrCat(torch::get_num_threads());
  return params;
}

// Every face of every set predicted by `net` with `options` (sets with the
// same faces predicted once).
std::vector<std::vector<std::vector<data::Point2>>> PredictSets(align::LandmarkNet net, torch::Device device,
                                                                const align::LandmarkDetectorOptions& options,
                                                                const std::vector<pipeline::LandmarkSet>& sets) {
  align::LandmarkDetector detector(net, device, options);
  return pipeline::PredictOncePerFaceSet(sets, [&detector](const std::vector<align::LandmarkExample>& examples) {
    return pipeline::PredictLandmarks(detector, examples);
  });
}

absl::StatusOr<std::vector<pipeline::SeedIntervalRow>> ScoreVariants(
    const std::vector<std::string>& model_paths, const LandmarkData& data, torch::Device device,
    const metrics::BootstrapOptions& bootstrap, align::DlibLandmarkPredictor* reference = nullptr);

// Trains one net with `seed` (or evaluates --model), scores it on every set
// and records it all as one run. Returns the run and the saved net.
absl::StatusOr<pipeline::TrainedRun> TrainOneSeed(experiment::Experiment& e, const LandmarkData& data,
                                                  int64_t seed, torch::Device device) {
  const bool evaluate_only = !FLAGS_model.empty();
  std::filesystem::path model;
  std::string model_sha256;
  if (evaluate_only) {
    model = ResolveAgainstWorkspace(FLAGS_model);
    absl::StatusOr<std::string> sha = Sha256OfFile(model.string());
    if (!sha.ok()) return experiment::FlagError("model", FLAGS_model, sha.status().message());
    model_sha256 = *sha;
  }
  tracking::RunOptions run_options;
  run_options.experiment = tracking::kTrainLandmarks;
  // Evaluations of a saved net are named apart, so the newest "landmark_net"
  // run stays the newest trained net (tools:results, pipeline::LatestLandmarkModel).
  run_options.name = evaluate_only ? FLAGS_run_name + "_eval" : FLAGS_run_name;
  run_options.params = TrainingParams(seed);
  if (evaluate_only) run_options.params["model_sha256"] = model_sha256;
  run_options.seed = seed;
  run_options.dataset_fingerprint = data.fingerprint;
  align::LandmarkNetOptions net_options;
  net_options.input_size = FLAGS_input_size;
  net_options.base_width = FLAGS_base_width;
  net_options.hidden = FLAGS_hidden;
  net_options.head = *align::ParseLandmarkHead(FLAGS_head);
  // Seeded before the net exists: its initial weights come from this seed.
  torch::manual_seed(seed);
  align::LandmarkNet net(net_options);
  if (evaluate_only) {
    absl::StatusOr<align::LandmarkNet> loaded = align::LoadLandmarkNet(model.string());
    if (!loaded.ok()) return experiment::AsFlagError("model", loaded.status());
    net = *loaded;
    // The params say what was evaluated: the saved net's shape, not the flags'.
    run_options.params["input_size"] = absl::StrCat(net->options().input_size);
    run_options.params["base_width"] = absl::StrCat(net->options().base_width);
    run_options.params["hidden"] = absl::StrCat(net->options().hidden);
    run_options.params["head"] = align::LandmarkHeadName(net->options().head);
  }
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
  if (!evaluate_only) {
    train::LandmarkTrainOptions options;
    options.epochs = FLAGS_epochs;
    options.batch_size = FLAGS_batch_size;
    options.lr = FLAGS_lr;
    options.weight_decay = FLAGS_weight_decay;
    options.augment.max_rotation_degrees = FLAGS_max_rotation;
    options.augment.min_eye_mouth_fraction = FLAGS_min_eye_mouth_fraction;
    options.augment.max_eye_mouth_fraction = FLAGS_max_eye_mouth_fraction;
    options.augment.max_shift = FLAGS_max_shift;
    options.augment.tight_crop_probability = FLAGS_tight_crop_probability;
    options.seed = static_cast<uint64_t>(seed);
    options.device = device;
    // A checkpoint belongs to one training configuration and one set of
    // faces; how the net is evaluated and watched does not change it, so a
    // run with other evaluation flags finds the trained net and only scores it.
    std::map<std::string, std::string> training_key = run_options.params;
    for (const char* flag : {"refine_passes", "flip_average", "upright_refinement", "validate_every"}) {
      training_key.erase(flag);
    }
    const std::filesystem::path dir =
        e.CheckpointDir("landmarks", training_key, run_options.dataset_fingerprint);
    options.checkpoint_path = (dir / "checkpoint.pt").string();
    if (!FLAGS_resume) std::filesystem::remove(options.checkpoint_path);
    const std::vector<align::LandmarkExample>* holdout =
        !data.eval_sets.empty() && data.eval_sets[0].name == "mtfl_holdout" ? &data.eval_sets[0].examples : nullptr;
    auto validate = [&](int epoch) -> absl::Status {
      if (!train::IsValidationEpoch(epoch, FLAGS_validate_every, FLAGS_epochs)) {
        return absl::OkStatus();
      }
      if (holdout == nullptr) return absl::OkStatus();
      align::LandmarkDetector detector(net, device, DetectorOptions());
      std::vector<std::vector<data::Point2>> truth;
      for (const auto& example : *holdout) truth.push_back(example.points);
      const metrics::LandmarkSummary s = metrics::SummariseLandmarkErrors(
          metrics::NormalisedMeanErrors(pipeline::PredictLandmarks(detector, *holdout), truth));
      LOG(INFO) << absl::StrFormat("epoch %d validation: NME %.2f%%, failures %.1f%%", epoch + 1,
                                   100 * s.mean_nme, 100 * s.failure_rate);
      return run->LogMetric("val/nme", epoch, s.mean_nme);
    };
    FACEREC_RETURN_IF_ERROR(train::TrainLandmarkNet(net, data.train, options, run, validate));
    model = dir / "landmark_net.pt";
    FACEREC_RETURN_IF_ERROR(align::SaveLandmarkNet(net, model.string()));
    FACEREC_RETURN_IF_ERROR(run->LogArtifact("landmark_net", model.string()));
    FACEREC_ASSIGN_OR_RETURN(model_sha256, Sha256OfFile(model.string()));
  }

  std::printf("\n%-18s %6s %8s %10s %8s %10s %10s %16s\n", "dataset", "faces", "NME %",
              "median %", "fail %", "offset x %", "offset y %", "NME-offset %");
  const auto predicted = PredictSets(net, device, DetectorOptions(), data.eval_sets);
  for (size_t i = 0; i < data.eval_sets.size(); ++i) {
    const pipeline::LandmarkSet& set = data.eval_sets[i];
    absl::StatusOr<pipeline::LandmarkScores> s =
        pipeline::RecordLandmarkErrors(set.name, predicted[i], set.examples, run);
    FACEREC_RETURN_IF_ERROR(s.status());
    std::printf("%-18s %6zu %8.2f %10.2f %8.2f %10.2f %10.2f %16.2f\n", set.name.c_str(),
                set.examples.size(), 100 * s->summary.mean_nme, 100 * s->summary.median_nme,
                100 * s->summary.failure_rate, 100 * s->offset.x, 100 * s->offset.y,
                100 * s->offset_removed_nme);
  }
  std::printf("\nNME: mean point error / eye-centre distance; fail: NME > 10%%; offset: mean "
              "signed error (predicted - annotated), %% of the eye-centre distance; NME-offset: NME "
              "with each set's offset removed (cross-fitted over halves). Model: %s\n",
              WorkspaceRelative(model.string()).c_str());
  if (evaluate_only) {
    // A saved net's test-time choices, paired over the faces of each set.
    metrics::BootstrapOptions bootstrap;
    bootstrap.replicates = FLAGS_bootstrap_replicates;
    bootstrap.confidence = FLAGS_bootstrap_confidence;
    FACEREC_ASSIGN_OR_RETURN(const std::vector<pipeline::SeedIntervalRow> rows,
                             ScoreVariants({model.string()}, data, device, bootstrap));
    FACEREC_RETURN_IF_ERROR(pipeline::RecordSeedIntervals(rows, bootstrap, run));
    std::printf("\nEvaluation variants of this net, paired over faces:\n%s",
                pipeline::SeedIntervalTable(rows, /*percent=*/true).c_str());
  }
  std::fflush(stdout);
  // Finished here, not by the frame at exit: a later seed that fails must
  // not take this one's run with it, and --seeds started again finds it.
  FACEREC_RETURN_IF_ERROR(run->Finish());
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord record, store->GetRun(run->id()));
  return pipeline::TrainedRun{record.uid, model.string(), model_sha256};
}

// The evaluation options a seeds summary compares: as flagged first, then
// each test-time step the flags turn on, turned off, and the refinement crops
// turned upright or not, whichever the flags do not.
std::vector<std::pair<std::string, align::LandmarkDetectorOptions>> EvaluationVariants() {
  std::vector<std::pair<std::string, align::LandmarkDetectorOptions>> variants = {{"as_flagged", DetectorOptions()}};
  if (DetectorOptions().refine_passes > 0) {
    align::LandmarkDetectorOptions o = DetectorOptions();
    o.refine_passes = 0;
    variants.push_back({"no_refinement", o});
  }
  if (DetectorOptions().flip_average) {
    align::LandmarkDetectorOptions o = DetectorOptions();
    o.flip_average = false;
    variants.push_back({"no_flip_averaging", o});
  }
  if (DetectorOptions().refine_passes > 0) {  // Turned crops, on or off: whichever the flags are not.
    align::LandmarkDetectorOptions o = DetectorOptions();
    o.upright_refinement = !o.upright_refinement;
    variants.push_back({o.upright_refinement ? "upright_refinement" : "no_upright_refinement", o});
  }
  return variants;
}

// Every set's NME and failure rate for each net in `model_paths` (one per
// seed) under each evaluation variant, with intervals over the faces and each
// variant's paired difference from the flags' evaluation on the same nets.
// With `reference`, dlib's predictions on the same faces join as the variant
// "dlib_68": one deterministic prediction, counted once per seed, so its
// difference from the nets pairs each seed's net with it on the same faces
// and resamples.
absl::StatusOr<std::vector<pipeline::SeedIntervalRow>> ScoreVariants(
    const std::vector<std::string>& model_paths, const LandmarkData& data, torch::Device device,
    const metrics::BootstrapOptions& bootstrap, align::DlibLandmarkPredictor* reference) {
  pipeline::SeedIntervals intervals(bootstrap);
  const auto add = [&](const std::string& variant, const pipeline::LandmarkSet& set,
                       const std::vector<std::vector<data::Point2>>& predicted) -> absl::Status {
    std::vector<std::vector<data::Point2>> truth;
    for (const auto& example : set.examples) truth.push_back(example.points);
    const std::vector<double> nme = metrics::NormalisedMeanErrors(predicted, truth);
    std::vector<double> failed;
    for (double x : nme) failed.push_back(x > metrics::LandmarkSummary().failure_threshold ? 1.0 : 0.0);
    const auto faces = static_cast<int32_t>(nme.size());
    FACEREC_RETURN_IF_ERROR(intervals.Add(variant, set.name, "nme", faces, metrics::MeanOverUnits(nme)));
    return intervals.Add(variant, set.name, "fail", faces, metrics::MeanOverUnits(failed));
  };
  const auto variants = EvaluationVariants();
  for (const std::string& path : model_paths) {
    FACEREC_ASSIGN_OR_RETURN(align::LandmarkNet net, align::LoadLandmarkNet(path));
    for (const auto& [variant, options] : variants) {
      LOG(INFO) << WorkspaceRelative(path) << ": scoring " << variant;
      const auto predicted = PredictSets(net, device, options, data.eval_sets);
      for (size_t i = 0; i < data.eval_sets.size(); ++i) {
        FACEREC_RETURN_IF_ERROR(add(variant, data.eval_sets[i], predicted[i]));
      }
    }
  }
  if (reference != nullptr) {
    LOG(INFO) << "scoring dlib_68 on the same faces";
    const std::vector<align::DlibPredictions> predicted = pipeline::PredictOncePerFaceSet(
        data.eval_sets,
        [reference](const std::vector<align::LandmarkExample>& examples) { return reference->Predict(examples); });
    for (size_t seed = 0; seed < model_paths.size(); ++seed) {
      for (size_t i = 0; i < data.eval_sets.size(); ++i) {
        FACEREC_RETURN_IF_ERROR(add("dlib_68", data.eval_sets[i], predicted[i].points));
      }
    }
  }
  return intervals.Summarise();
}

// --seeds: each seed trained (or found finished in the store: alone, at any
// thread count), then every set's NME and failure rate per evaluation
// variant as mean ± std over the seeds with a bootstrap interval over the
// faces, and each variant's paired difference from the flags' evaluation;
// recorded as one more run, "landmark_seeds".
// `reference_sha256`: --reference_dlib_model's, empty when dlib is not scored.
absl::Status TrainSeeds(experiment::Experiment& e, const LandmarkData& data, const std::vector<int64_t>& seeds,
                        torch::Device device, const std::string& reference_sha256) {
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  FACEREC_ASSIGN_OR_RETURN(
      const std::vector<pipeline::TrainedRun> trained,
      pipeline::FindOrTrainSeeds(*store, tracking::kTrainLandmarks, seeds, TrainingParams, data.fingerprint, "landmark_net",
                                 [&](int64_t seed) { return TrainOneSeed(e, data, seed, device); }));
  metrics::BootstrapOptions bootstrap;
  bootstrap.replicates = FLAGS_bootstrap_replicates;
  bootstrap.confidence = FLAGS_bootstrap_confidence;
  std::vector<std::string> model_paths;
  for (const pipeline::TrainedRun& t : trained) model_paths.push_back(t.model_path);
  std::optional<align::DlibLandmarkPredictor> dlib;
  if (!reference_sha256.empty()) {
    absl::StatusOr<align::DlibLandmarkPredictor> loaded = align::DlibLandmarkPredictor::Load(FLAGS_reference_dlib_model);
    if (!loaded.ok()) return experiment::AsFlagError("reference_dlib_model", loaded.status());
    dlib.emplace(std::move(*loaded));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<pipeline::SeedIntervalRow> rows,
                           ScoreVariants(model_paths, data, device, bootstrap, dlib ? &*dlib : nullptr));
  tracking::RunOptions run_options;
  run_options.experiment = tracking::kTrainLandmarks;
  run_options.name = "landmark_seeds";
  run_options.params = TrainingParams(seeds.front());
  run_options.params.erase("seed");
  run_options.params["seeds"] = absl::StrJoin(seeds, ",");
  if (!reference_sha256.empty()) run_options.params["reference_dlib_sha256"] = reference_sha256;
  for (size_t k = 0; k < seeds.size(); ++k) {
    run_options.params[absl::StrCat("run/seed", seeds[k])] = trained[k].run_uid;
  }
  run_options.dataset_fingerprint = data.fingerprint;
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
  FACEREC_RETURN_IF_ERROR(pipeline::RecordSeedIntervals(rows, bootstrap, run));
  std::printf("\nLandmark net over seeds %s (runs %s):\n%s", absl::StrJoin(seeds, ",").c_str(),
              absl::StrJoin(trained, ", ",
                            [](std::string* out, const pipeline::TrainedRun& t) {
                              absl::StrAppend(out, t.run_uid.substr(0, 8));
                            })
                  .c_str(),
              pipeline::SeedIntervalTable(rows, /*percent=*/true).c_str());
  std::fflush(stdout);
  return absl::OkStatus();
}

absl::Status TrainLandmarks(experiment::Experiment& e) {
  FACEREC_RETURN_IF_ERROR(ValidateFlags());
  FACEREC_ASSIGN_OR_RETURN(const std::vector<int64_t> seeds, experiment::ParseSeedList("seeds", FLAGS_seeds));
  if (!seeds.empty() && !FLAGS_model.empty()) {
    return experiment::FlagError("seeds", FLAGS_seeds, "trains a net per seed; not with --model");
  }
  // Read before the data and any seed's training: a wrong path fails now, not after hours.
  std::string reference_sha256;
  if (!seeds.empty() && !FLAGS_reference_dlib_model.empty()) {
    absl::StatusOr<std::string> sha = Sha256OfFile(FLAGS_reference_dlib_model);
    if (!sha.ok()) {
      return experiment::FlagError("reference_dlib_model", FLAGS_reference_dlib_model,
                                   "cannot be read (install libdlib-data; tools/bazel does; empty: no dlib)");
    }
    reference_sha256 = *sha;
  }
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  // Decoded in evaluate-only runs too: the held-out faces are scored beside
  // the test sets, so every run shows the gap between the two.
  FACEREC_ASSIGN_OR_RETURN(const LandmarkData data, LoadData(root));
  if (!seeds.empty()) return TrainSeeds(e, data, seeds, device, reference_sha256);
  return TrainOneSeed(e, data, FLAGS_seed, device).status();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kTrainLandmarks,
       .usage = "Trains the 5-point landmark net on MTFL; evaluates on MTFL/AFLW and AFW.\n"
                "Usage: train_landmarks [--epochs=100] [--any_flag=value] | "
                "train_landmarks --model=PATH",
       .main = facerec::TrainLandmarks});
}
