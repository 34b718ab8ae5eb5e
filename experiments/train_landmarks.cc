// Trains the 5-point landmark net on MTFL's training faces and evaluates it
// on MTFL's AFLW test faces and on AFW (68 points reduced to 5): NME,
// failure rate (NME > 10%), the CED, the systematic offset and the NME with
// it removed (pipeline/landmarks.h), all recorded in the store. The net
// is saved as an artifact of the run; the alignment experiments find it there.
//
//   tools/bazel run //experiments:train_landmarks
//   tools/bazel run //experiments:train_landmarks -- --epochs=5 --base_width=8
//
// One face in 20 of the training list (every 20th row) is held out for the
// per-epoch validation NME, so the test sets are only used once, at the end.

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/align/landmark_examples.h"
#include "facerec/align/landmark_net.h"
#include "facerec/core/data_root.h"
#include "facerec/core/sha256.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/landmarks.h"
#include "facerec/pipeline/landmarks.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "facerec/train/landmark_trainer.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

namespace {
// The option structs' defaults, so no flag has a default of its own.
const facerec::train::LandmarkTrainOptions kTrain;
const facerec::align::LandmarkNetOptions kNet;
const facerec::align::LandmarkDetectorOptions kDetector;
}  // namespace

DEFINE_int64(seed, 1, "Seed for initialisation, order and augmentation.");
DEFINE_int32(epochs, kTrain.epochs, "Training epochs.");
DEFINE_int32(batch_size, kTrain.batch_size, "Batch size.");
DEFINE_double(lr, kTrain.lr, "AdamW peak learning rate (cosine schedule, 1 epoch warm-up).");
DEFINE_double(weight_decay, kTrain.weight_decay, "AdamW decoupled weight decay.");
DEFINE_int32(input_size, kNet.input_size, "Square net input in pixels (a multiple of 16).");
DEFINE_int32(base_width, kNet.base_width, "Stem channels of the landmark net (stages use 2x, 4x, 8x).");
DEFINE_int32(hidden, kNet.hidden, "Hidden fully connected width.");
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
DEFINE_string(model, "",
              "Evaluate this saved landmark net (a landmark_net.pt, relative to the workspace "
              "root) instead of training one; the net's own options replace --input_size, "
              "--base_width and --hidden.");
DEFINE_string(shifted_mtfl_rows, "drop",
              "MTFL's 2,350 training rows with y coordinates 28 px short (data::IsShiftedMtflRow), "
              "a yaw series from -60 to +60 degrees: 'drop' (train without them) or 'correct' "
              "(train on them, y + data::kShiftedMtflRowOffsetY). Either way every "
              "--holdout_every-th of them, corrected, is held out and scored as mtfl_holdout_pose.");
DEFINE_string(run_name, "landmark_net",
              "Run name in the store. The alignment experiments, tools:align_faces and "
              "tools:results use the newest finished 'landmark_net' run: give exploratory "
              "runs another name. Evaluate-only runs get '_eval' appended.");
DEFINE_int32(validate_every, 5, "Validation NME on the held-out training faces every N epochs.");
DEFINE_int32(holdout_every, 20, "Every Nth training face is held out for validation.");

namespace facerec {
namespace {

align::LandmarkDetectorOptions DetectorOptions() {
  align::LandmarkDetectorOptions options;
  options.refine_passes = FLAGS_refine_passes;
  options.flip_average = FLAGS_flip_average;
  return options;
}

// Every flag checked before anything is loaded or recorded.
absl::Status ValidateFlags() {
  using experiment::FlagError;
  if (FLAGS_shifted_mtfl_rows != "drop" && FLAGS_shifted_mtfl_rows != "correct") {
    return FlagError("shifted_mtfl_rows", FLAGS_shifted_mtfl_rows, "allowed: drop, correct");
  }
  if (FLAGS_epochs < 1) return FlagError("epochs", FLAGS_epochs, "must be at least 1");
  if (FLAGS_batch_size < 1) return FlagError("batch_size", FLAGS_batch_size, "must be at least 1");
  if (!(FLAGS_lr > 0)) return FlagError("lr", FLAGS_lr, "must be positive");
  if (!(FLAGS_weight_decay >= 0)) return FlagError("weight_decay", FLAGS_weight_decay, "must be >= 0");
  if (FLAGS_input_size < 16 || FLAGS_input_size % 16 != 0) {
    return FlagError("input_size", FLAGS_input_size, "must be a positive multiple of 16");
  }
  if (FLAGS_base_width < 1) return FlagError("base_width", FLAGS_base_width, "must be >= 1");
  if (FLAGS_hidden < 1) return FlagError("hidden", FLAGS_hidden, "must be >= 1");
  if (!(FLAGS_max_rotation >= 0 && FLAGS_max_rotation <= 180)) {
    return FlagError("max_rotation", FLAGS_max_rotation, "must be in [0, 180]");
  }
  if (!(FLAGS_min_eye_mouth_fraction > 0 && FLAGS_min_eye_mouth_fraction < 1)) {
    return FlagError("min_eye_mouth_fraction", FLAGS_min_eye_mouth_fraction, "must be in (0, 1)");
  }
  if (!(FLAGS_max_eye_mouth_fraction >= FLAGS_min_eye_mouth_fraction &&
        FLAGS_max_eye_mouth_fraction < 1)) {
    return FlagError("max_eye_mouth_fraction", FLAGS_max_eye_mouth_fraction,
                     "must be in [--min_eye_mouth_fraction, 1)");
  }
  if (!(FLAGS_max_shift >= 0 && FLAGS_max_shift < 0.5)) {
    return FlagError("max_shift", FLAGS_max_shift, "must be in [0, 0.5)");
  }
  if (!(FLAGS_tight_crop_probability >= 0 && FLAGS_tight_crop_probability <= 1)) {
    return FlagError("tight_crop_probability", FLAGS_tight_crop_probability, "must be in [0, 1]");
  }
  if (FLAGS_refine_passes < 0 || FLAGS_refine_passes > 10) {
    return FlagError("refine_passes", FLAGS_refine_passes, "must be in [0, 10]");
  }
  if (FLAGS_validate_every < 1) return FlagError("validate_every", FLAGS_validate_every, "must be >= 1");
  if (FLAGS_holdout_every < 0 || FLAGS_holdout_every == 1) {
    return FlagError("holdout_every", FLAGS_holdout_every, "must be 0 (none) or >= 2");
  }
  if (FLAGS_seed < 0) return FlagError("seed", FLAGS_seed, "must be >= 0");
  if (FLAGS_run_name.empty()) return FlagError("run_name", "''", "must not be empty");
  return absl::OkStatus();
}

absl::Status TrainLandmarks(experiment::Experiment& e) {
  FACEREC_RETURN_IF_ERROR(ValidateFlags());
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  const bool evaluate_only = !FLAGS_model.empty();
  std::filesystem::path model;
  std::string model_sha256;
  if (evaluate_only) {
    model = ResolveAgainstWorkspace(FLAGS_model);
    absl::StatusOr<std::string> sha = Sha256OfFile(model.string());
    if (!sha.ok()) return experiment::FlagError("model", FLAGS_model, sha.status().message());
    model_sha256 = *sha;
  }
  const int threads = std::max(1, torch::get_num_threads());
  // Decoded in evaluate-only runs too: the held-out faces are scored beside
  // the test sets, so every run shows the gap between the two.
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
  const std::vector<align::LandmarkExample>& mtfl_test = test_sets[0].examples;
  const std::vector<align::LandmarkExample>& afw = test_sets[2].examples;
  std::vector<align::LandmarkExample> train, holdout, pose_train, pose_holdout;
  pipeline::SplitEveryNth(all, FLAGS_holdout_every, &train, &holdout);
  pipeline::SplitEveryNth(pose.examples, FLAGS_holdout_every, &pose_train, &pose_holdout);
  if (FLAGS_shifted_mtfl_rows == "correct") {
    train.insert(train.end(), pose_train.begin(), pose_train.end());
  }
  LOG(INFO) << "landmark faces: train " << train.size() << " (" << FLAGS_shifted_mtfl_rows
            << " the " << pose.examples.size() << " shifted rows), held out " << holdout.size()
            << " + " << pose_holdout.size() << " pose, MTFL test " << mtfl_test.size() << ", AFW "
            << afw.size();

  tracking::RunOptions run_options;
  run_options.experiment = "landmarks";
  // Evaluations of a saved net are named apart, so the newest "landmark_net"
  // run stays the newest trained net (tools:results, pipeline::LatestLandmarkModel).
  run_options.name = evaluate_only ? FLAGS_run_name + "_eval" : FLAGS_run_name;
  // Not a parameter: the name does not change the net (nor its artifact path).
  // A saved net is identified by its sha256, not by where this checkout keeps it.
  run_options.params = experiment::FlagsDefinedIn("train_landmarks", {"run_name", "model"});
  if (evaluate_only) run_options.params["model_sha256"] = model_sha256;
  run_options.params["threads"] = absl::StrCat(torch::get_num_threads());
  run_options.seed = FLAGS_seed;
  FACEREC_ASSIGN_OR_RETURN(
      std::string fingerprint,
      pipeline::LandmarkDataFingerprint(root, {"new_training.txt", "new_testing.txt"},
                                        {&all, &pose.examples, &mtfl_test, &afw}));
  run_options.dataset_fingerprint = fingerprint;
  align::LandmarkNetOptions net_options;
  net_options.input_size = FLAGS_input_size;
  net_options.base_width = FLAGS_base_width;
  net_options.hidden = FLAGS_hidden;
  // Seeded before the net exists: its initial weights come from this seed.
  torch::manual_seed(FLAGS_seed);
  align::LandmarkNet net(net_options);
  if (evaluate_only) {
    absl::StatusOr<align::LandmarkNet> loaded = align::LoadLandmarkNet(model.string());
    if (!loaded.ok()) return experiment::AsFlagError("model", loaded.status());
    net = *loaded;
    // The params say what was evaluated: the saved net's shape, not the flags'.
    run_options.params["input_size"] = absl::StrCat(net->options().input_size);
    run_options.params["base_width"] = absl::StrCat(net->options().base_width);
    run_options.params["hidden"] = absl::StrCat(net->options().hidden);
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
    options.seed = static_cast<uint64_t>(FLAGS_seed);
    options.device = device;
    tracking::Run* recorder = run;
    auto validate = [&](int epoch) -> absl::Status {
      if (!train::IsValidationEpoch(epoch, FLAGS_validate_every, FLAGS_epochs)) {
        return absl::OkStatus();
      }
      if (holdout.empty()) return absl::OkStatus();
      align::LandmarkDetector detector(net, device, DetectorOptions());
      std::vector<std::vector<data::Point2>> truth;
      for (const auto& e : holdout) truth.push_back(e.points);
      const metrics::LandmarkSummary s = metrics::SummariseLandmarkErrors(
          metrics::NormalisedMeanErrors(pipeline::PredictLandmarks(detector, holdout), truth));
      LOG(INFO) << absl::StrFormat("epoch %d validation: NME %.2f%%, failures %.1f%%", epoch + 1,
                                   100 * s.mean_nme, 100 * s.failure_rate);
      return recorder->LogMetric("val/nme", epoch, s.mean_nme);
    };
    FACEREC_RETURN_IF_ERROR(train::TrainLandmarkNet(net, train, options, run, validate));
    model = e.ArtifactsDir() / "landmarks" /
            tracking::ConfigHash(run_options.params).substr(0, 16) / "landmark_net.pt";
    FACEREC_RETURN_IF_ERROR(align::SaveLandmarkNet(net, model.string()));
    FACEREC_RETURN_IF_ERROR(run->LogArtifact("landmark_net", model.string()));
  }

  align::LandmarkDetector detector(net, device, DetectorOptions());
  std::printf("\n%-18s %6s %8s %10s %8s %10s %10s %16s\n", "dataset", "faces", "NME %",
              "median %", "fail %", "offset x %", "offset y %", "NME-offset %");
  // The held-out training faces first: their protocol is the one the net
  // learnt, so the gap to the test sets is visible in every run.
  std::vector<pipeline::LandmarkSet> sets;
  if (!holdout.empty()) sets.push_back({"mtfl_holdout", holdout});
  if (!pose_holdout.empty()) sets.push_back({"mtfl_holdout_pose", pose_holdout});
  sets.insert(sets.end(), test_sets.begin(), test_sets.end());
  const auto predicted = pipeline::PredictOncePerFaceSet(
      sets, [&detector](const std::vector<align::LandmarkExample>& examples) {
        return pipeline::PredictLandmarks(detector, examples);
      });
  for (size_t i = 0; i < sets.size(); ++i) {
    const pipeline::LandmarkSet& set = sets[i];
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
  std::fflush(stdout);
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = "landmarks",
       .usage = "Trains the 5-point landmark net on MTFL; evaluates on MTFL/AFLW and AFW.\n"
                "Usage: train_landmarks [--epochs=100] [--any_flag=value] | "
                "train_landmarks --model=PATH",
       .main = facerec::TrainLandmarks});
}
