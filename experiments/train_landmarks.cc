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
#include "experiments/experiment_flags.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/align/landmark_examples.h"
#include "facerec/align/landmark_net.h"
#include "facerec/core/data_root.h"
#include "facerec/core/process.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/landmarks.h"
#include "facerec/pipeline/landmarks.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "facerec/train/landmark_trainer.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(data_root, "", "Dataset directory (default: $FACEREC_DATA, else ../shared/data).");
DEFINE_string(db, "results.db", "Experiment store; relative to the workspace root.");
DEFINE_string(artifacts_dir, "artifacts", "Where the trained net goes; relative to the workspace root.");
DEFINE_string(device, "cpu", "torch device: cpu, cuda, ...");
DEFINE_int64(seed, 1, "Seed for initialisation, order and augmentation.");
DEFINE_int32(epochs, 100,
             "Training epochs (held-out MTFL NME: 35 -> 7.57 %, 60 -> 5.51 %, 100 -> 5.29 %).");
DEFINE_int32(batch_size, 64, "Batch size.");
DEFINE_double(lr, 2e-3, "AdamW peak learning rate (cosine schedule, 1 epoch warm-up).");
DEFINE_double(weight_decay, 1e-4, "AdamW decoupled weight decay.");
DEFINE_int32(input_size, 64, "Square net input in pixels (a multiple of 16).");
DEFINE_int32(base_width, 16, "Stem channels of the landmark net (stages use 2x, 4x, 8x).");
DEFINE_int32(hidden, 512, "Hidden fully connected width.");
DEFINE_double(max_rotation, 15, "Augmentation: rotation range in degrees.");
DEFINE_double(min_eye_mouth_fraction, 0.18,
              "Augmentation: smallest eye-to-mouth distance / crop side (crops framed around the points).");
DEFINE_double(max_eye_mouth_fraction, 0.42, "Augmentation: largest eye-to-mouth distance / crop side.");
DEFINE_double(max_shift, 0.1, "Augmentation: crop centre offset from the points' mean, x side.");
DEFINE_double(tight_crop_probability, 0.3,
              "Augmentation: share of crops with edges cut and refilled by replication.");
DEFINE_int32(refine_passes, 1, "Evaluation: re-crops around the predicted points (align/landmark_detector.h).");
DEFINE_bool(flip_average, true,
            "Evaluation: average each prediction with the one on the mirrored crop "
            "(align/landmark_detector.h).");
DEFINE_string(model, "",
              "Evaluate this saved landmark net (a landmark_net.pt) instead of training one; the "
              "net's own options replace --input_size, --base_width and --hidden.");
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

absl::Status Run(tracking::ExperimentStore* store, const std::filesystem::path& root) {
  const int threads = std::max(1, torch::get_num_threads());
  const bool evaluate_only = !FLAGS_model.empty();
  // Decoded in evaluate-only runs too: the held-out faces are scored beside
  // the test sets, so every run shows the gap between the two.
  if (FLAGS_shifted_mtfl_rows != "drop" && FLAGS_shifted_mtfl_rows != "correct") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--shifted_mtfl_rows=", FLAGS_shifted_mtfl_rows, ": must be 'drop' or 'correct'"));
  }
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
  auto split = [](const std::vector<align::LandmarkExample>& rows,
                  std::vector<align::LandmarkExample>* kept, std::vector<align::LandmarkExample>* out) {
    for (size_t i = 0; i < rows.size(); ++i) {
      const bool hold = FLAGS_holdout_every > 0 && i % FLAGS_holdout_every == FLAGS_holdout_every - 1;
      (hold ? out : kept)->push_back(rows[i]);
    }
  };
  split(all, &train, &holdout);
  split(pose.examples, &pose_train, &pose_holdout);
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
  run_options.params =
      FlagsDefinedIn("train_landmarks", {"db", "data_root", "artifacts_dir", "run_name"});
  run_options.params["threads"] = absl::StrCat(torch::get_num_threads());
  run_options.seed = FLAGS_seed;
  FACEREC_ASSIGN_OR_RETURN(
      std::string fingerprint,
      pipeline::LandmarkDataFingerprint(root, {"new_training.txt", "new_testing.txt"},
                                        {&all, &pose.examples, &mtfl_test, &afw}));
  run_options.dataset_fingerprint = fingerprint;
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<tracking::Run> run,
                           tracking::Run::Start(store, run_options));
  auto fail = [&run](const absl::Status& status) { return run->FinishWith(status); };

  torch::manual_seed(FLAGS_seed);
  const torch::Device device(FLAGS_device);
  align::LandmarkNetOptions net_options;
  net_options.input_size = FLAGS_input_size;
  net_options.base_width = FLAGS_base_width;
  net_options.hidden = FLAGS_hidden;
  if (FLAGS_input_size % 16 != 0 || FLAGS_input_size < 16) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat("--input_size=", FLAGS_input_size, ": must be a positive multiple of 16")));
  }
  align::LandmarkNet net(net_options);
  std::filesystem::path model;
  if (evaluate_only) {
    model = ResolveAgainstWorkspace(FLAGS_model);
    absl::StatusOr<align::LandmarkNet> loaded = align::LoadLandmarkNet(model.string());
    if (!loaded.ok()) return fail(loaded.status());
    net = *loaded;
  } else {
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
    tracking::Run* recorder = run.get();
    auto validate = [&](int epoch) -> absl::Status {
      if ((epoch + 1) % std::max(1, FLAGS_validate_every) != 0 && epoch + 1 != FLAGS_epochs) {
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
    const absl::Status trained = train::TrainLandmarkNet(net, train, options, run.get(), validate);
    if (!trained.ok()) return fail(trained);

    model = ResolveAgainstWorkspace(FLAGS_artifacts_dir) / "landmarks" /
            tracking::ConfigHash(run_options.params).substr(0, 16) / "landmark_net.pt";
    if (absl::Status saved = align::SaveLandmarkNet(net, model.string()); !saved.ok()) {
      return fail(saved);
    }
    if (absl::Status logged = run->LogArtifact("landmark_net", model.string()); !logged.ok()) {
      return fail(logged);
    }
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
  std::map<std::string, std::vector<std::vector<data::Point2>>> predicted;  // By set of faces.
  for (const pipeline::LandmarkSet& set : sets) {
    const std::string& faces = set.same_faces_as.empty() ? set.name : set.same_faces_as;
    auto it = predicted.find(faces);
    if (it == predicted.end()) {
      it = predicted.emplace(faces, pipeline::PredictLandmarks(detector, set.examples)).first;
    }
    absl::StatusOr<pipeline::LandmarkScores> s =
        pipeline::RecordLandmarkErrors(set.name, it->second, set.examples, run.get());
    if (!s.ok()) return fail(s.status());
    std::printf("%-18s %6zu %8.2f %10.2f %8.2f %10.2f %10.2f %16.2f\n", set.name.c_str(),
                set.examples.size(), 100 * s->summary.mean_nme, 100 * s->summary.median_nme,
                100 * s->summary.failure_rate, 100 * s->offset.x, 100 * s->offset.y,
                100 * s->offset_removed_nme);
  }
  std::printf("\nNME: mean point error / eye-centre distance; fail: NME > 10%%; offset: mean "
              "signed error (predicted - annotated), %% of the eye-centre distance; NME-offset: NME "
              "with each set's offset removed (cross-fitted over halves). Model: %s "
              "(run %lld in %s)\n",
              model.c_str(), static_cast<long long>(run->id()), store->path().c_str());
  std::fflush(stdout);
  return run->Finish();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  facerec::InitProcess(&argc, &argv,
                       "Trains the 5-point landmark net on MTFL; evaluates on MTFL/AFLW and AFW.\n"
                       "Usage: train_landmarks [--epochs=100] [--any_flag=value] | train_landmarks --model=PATH");
  absl::StatusOr<std::filesystem::path> root = facerec::ResolveDataRoot(FLAGS_data_root);
  if (!root.ok()) {
    LOG(ERROR) << root.status();
    return 2;
  }
  absl::StatusOr<std::unique_ptr<facerec::tracking::ExperimentStore>> store =
      facerec::tracking::ExperimentStore::Open(facerec::ResolveAgainstWorkspace(FLAGS_db).string());
  if (!store.ok()) {
    LOG(ERROR) << store.status();
    return 1;
  }
  const absl::Status status = facerec::Run(store->get(), *root);
  if (!status.ok()) {
    LOG(ERROR) << status;
    return 1;
  }
  return 0;
}
