// compare_losses: CE, triplet, ArcFace and CosFace trained on CelebA-500 under
// identical conditions (backbone, data, augmentation, budget, seed), each
// evaluated with every metric, recorded as one run in the store, and compared
// in one table.
//
//   tools/bazel run //experiments:compare_losses                       # --preset=quick
//   tools/bazel run //experiments:compare_losses -- --preset=full
//   tools/bazel run //experiments:compare_losses -- --losses=ce,arcface --epochs=3
//
// Configuration (arcface_torch style): experiments/configs/base.flags, then
// <preset>.flags, then <loss>.flags for each loss, then whatever was given on
// the command line, which always wins. A run with the same configuration as a
// killed one, on the same data, resumes from its checkpoint
// (artifacts/compare_losses/<hash of config and data fingerprint>/).
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "experiments/experiment_flags.h"
#include "facerec/backbones/backbone.h"
#include "facerec/core/data_root.h"
#include "facerec/core/environment.h"
#include "facerec/core/process.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"
#include "facerec/data/text_file.h"
#include "facerec/losses/losses.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/pipeline/alignment.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/tracking/run.h"
#include "facerec/train/trainer.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(preset, "quick", "quick (<= 30 min on 2 cores) or full; a file in --config_dir.");
DEFINE_string(losses, "ce,triplet,arcface,cosface", "Comma-separated losses to compare.");
DEFINE_string(config_dir, "experiments/configs", "Flagfiles; relative to the workspace root.");
DEFINE_string(data_root, "", "Dataset directory (default: $FACEREC_DATA, else ../shared/data).");
DEFINE_string(db, "results.db", "Experiment store; relative to the workspace root.");
DEFINE_string(artifacts_dir, "artifacts", "Checkpoints; relative to the workspace root.");
DEFINE_bool(resume, true, "Resume a killed run with the same configuration from its checkpoint.");
DEFINE_string(device, "cpu", "torch device: cpu, cuda, cuda:1, ...");
DEFINE_int64(seed, 1, "Seed for initialisation, sampling and augmentation.");
DEFINE_int32(loader_workers, 2, "Threads preparing batches.");
// Backbone.
DEFINE_string(backbone, "ir_mini", "Backbone name (facerec/backbones).");
DEFINE_int32(embedding_size, 256, "Embedding dimension.");
DEFINE_int32(input_height, 64, "Network input height (the 100x83 window is resized).");
DEFINE_int32(input_width, 56, "Network input width.");
DEFINE_double(width_multiplier, 1.0, "Backbone channel multiplier.");
DEFINE_double(dropout, 0.0, "Dropout before the embedding layer.");
DEFINE_int32(stem_stride, 1, "IResNet stem stride (1 or 2).");
// Optimisation.
DEFINE_int32(epochs, 10, "Training epochs.");
DEFINE_int32(batch_size, 64, "Batch size (classification losses).");
DEFINE_int32(pk_identities, 0, "P of P x K batches; 0 = plain shuffled batches.");
DEFINE_int32(pk_images, 4, "K of P x K batches.");
DEFINE_string(optimizer, "sgd", "sgd | adamw.");
DEFINE_double(lr, 0.1, "Peak learning rate.");
DEFINE_double(momentum, 0.9, "SGD momentum.");
DEFINE_double(weight_decay, 5e-4, "Weight decay.");
DEFINE_string(schedule, "cosine", "cosine | step.");
DEFINE_double(warmup_epochs, 1, "Linear learning-rate warm-up.");
DEFINE_double(min_lr, 0, "Cosine floor.");
DEFINE_string(step_milestones, "", "Step schedule milestones (epochs), comma-separated.");
// Loss.
DEFINE_double(label_smoothing, 0, "Label smoothing (classification losses).");
DEFINE_double(scale, 0, "Margin-head scale s; 0 = default (64).");
DEFINE_double(m1, -1, "Multiplicative angular margin; < 0 = the loss's default.");
DEFINE_double(m2, -1, "Additive angular margin (ArcFace); < 0 = default.");
DEFINE_double(m3, -1, "Additive cosine margin (CosFace); < 0 = default.");
DEFINE_int32(subcenters, 1, "Sub-centres per class (margin heads).");
DEFINE_double(margin_warmup_epochs, 0, "Margins grow from 0 to full over these epochs.");
DEFINE_double(triplet_margin, 0.2, "Triplet margin (unit-sphere distance).");
DEFINE_string(triplet_mining, "batch_hard", "batch_hard | semi_hard.");
// Augmentation.
DEFINE_bool(augment, true, "Flips, random resized crops, colour jitter.");
DEFINE_double(min_crop_area, 0.8, "Random resized crop: smallest area fraction.");
DEFINE_double(color_jitter, 0.2, "Brightness/contrast/saturation jitter.");
DEFINE_double(max_rotation, 0, "Random rotation in degrees (training augmentation).");
DEFINE_double(erase_probability, 0, "Random erasing probability (training augmentation).");
DEFINE_bool(train_on_val, false,
            "Train on the train and val splits; validation and val accuracy then use test.");
DEFINE_string(alignments, "provided",
              "Comma-separated: provided (the dataset's crops) and/or landmark_net (re-aligned "
              "by our landmark net, facerec/pipeline/alignment.h); each trains every loss.");
DEFINE_string(landmark_model, "",
              "Landmark net for --alignments=landmark_net (default: the newest one in the store).");
DEFINE_bool(eval_flip, true, "Embed each evaluation image and its mirror image and sum them.");
DEFINE_int32(validate_every, 1, "Validate on the val split every N epochs (and after the last).");

namespace facerec {
namespace {

// Flags the user set explicitly (command line or a --flagfile there).
std::map<std::string, std::string> ExplicitFlags() {
  std::map<std::string, std::string> flags;
  std::vector<gflags::CommandLineFlagInfo> all;
  gflags::GetAllFlags(&all);
  for (const auto& flag : all) {
    if (!flag.is_default && flag.name != "flagfile") flags[flag.name] = flag.current_value;
  }
  return flags;
}

// Applies one config file's text (read at start-up, so editing configs while
// a comparison runs cannot change or break its later losses).
absl::Status ApplyFlagfile(const std::string& path, const std::string& text) {
  // errors_are_fatal=false: we report the file ourselves.
  if (gflags::ReadFlagsFromString(text, "compare_losses", /*errors_are_fatal=*/false)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ": bad flag in config"));
}

// Every flag of this binary that shapes a run, as recorded params.
std::map<std::string, std::string> RunParams(const std::string& loss, const std::string& alignment) {
  std::map<std::string, std::string> params =
      FlagsDefinedIn("compare_losses", {"losses", "db", "data_root", "artifacts_dir", "resume",
                                        "config_dir", "alignments", "landmark_model"});
  params["loss"] = loss;
  // Absent for the dataset's crops, so their recorded configurations equal
  // those of runs made before alignment was a choice.
  if (alignment != "provided") {
    params["alignment"] = alignment;
    params["landmark_model"] = FLAGS_landmark_model;
  }
  params["threads"] = absl::StrCat(torch::get_num_threads());
  return params;
}

struct Row {
  std::string loss;
  std::string alignment;
  int64_t run_id = 0;
  pipeline::RecognitionResult result;
  double train_seconds = 0;
  std::string status = "FINISHED";
};

absl::StatusOr<Row> RunOne(const std::string& loss_name, const std::string& alignment,
                           const pipeline::RecognitionData& loaded,
                           tracking::ExperimentStore* store, const std::string& comparison) {
  // Per run, since presets and loss files set it (copies share the pixels).
  pipeline::RecognitionData with_val;
  if (FLAGS_train_on_val) {
    // The closed-set numbers then come from test alone (val = test): the
    // val split is training data.
    with_val = loaded;
    with_val.train.Append(loaded.val);
    with_val.val = loaded.test;
  }
  const pipeline::RecognitionData& data = FLAGS_train_on_val ? with_val : loaded;
  Row row;
  row.loss = loss_name;
  row.alignment = alignment;
  const std::map<std::string, std::string> params = RunParams(loss_name, alignment);
  tracking::RunOptions run_options;
  run_options.experiment = "compare_losses";
  run_options.name = alignment == "provided" ? loss_name : loss_name + "+" + alignment;
  run_options.params = params;
  run_options.seed = FLAGS_seed;
  run_options.dataset_fingerprint = data.fingerprint;
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<tracking::Run> run,
                           tracking::Run::Start(store, run_options));
  row.run_id = run->id();
  FACEREC_RETURN_IF_ERROR(run->SetTag("comparison", comparison));
  auto fail = [&run](const absl::Status& status) { return run->FinishWith(status); };

  torch::manual_seed(FLAGS_seed);
  const torch::Device device(FLAGS_device);
  backbones::BackboneOptions backbone_options;
  backbone_options.name = FLAGS_backbone;
  backbone_options.embedding_size = FLAGS_embedding_size;
  backbone_options.input_height = FLAGS_input_height;
  backbone_options.input_width = FLAGS_input_width;
  backbone_options.width_multiplier = FLAGS_width_multiplier;
  backbone_options.dropout = FLAGS_dropout;
  backbone_options.stem_stride = FLAGS_stem_stride;
  absl::StatusOr<backbones::Backbone> backbone = backbones::MakeBackbone(backbone_options);
  if (!backbone.ok()) return fail(backbone.status());

  losses::LossOptions loss_options;
  loss_options.name = loss_name;
  loss_options.num_classes = data.num_classes;
  loss_options.embedding_size = FLAGS_embedding_size;
  loss_options.scale = FLAGS_scale;
  loss_options.m1 = FLAGS_m1;
  loss_options.m2 = FLAGS_m2;
  loss_options.m3 = FLAGS_m3;
  loss_options.subcenters = FLAGS_subcenters;
  loss_options.label_smoothing = FLAGS_label_smoothing;
  loss_options.triplet_margin = FLAGS_triplet_margin;
  loss_options.triplet_mining = FLAGS_triplet_mining;
  absl::StatusOr<losses::Loss> loss = losses::MakeLoss(loss_options);
  if (!loss.ok()) return fail(loss.status());

  data::SamplerOptions sampler;
  sampler.batch_size = FLAGS_batch_size;
  sampler.identities_per_batch = FLAGS_pk_identities;
  sampler.images_per_identity = FLAGS_pk_images;
  data::AugmentOptions augment;
  augment.enabled = FLAGS_augment;
  augment.output_height = FLAGS_input_height;
  augment.output_width = FLAGS_input_width;
  augment.min_area = FLAGS_min_crop_area;
  augment.brightness = augment.contrast = augment.saturation = FLAGS_color_jitter;
  augment.flip_test = FLAGS_eval_flip;
  augment.max_rotation_degrees = FLAGS_max_rotation;
  augment.erase_probability = FLAGS_erase_probability;
  data::BatchLoader loader(&data.train, sampler, augment, FLAGS_seed, FLAGS_loader_workers);

  train::TrainOptions options;
  options.epochs = FLAGS_epochs;
  options.optimizer = FLAGS_optimizer;
  options.lr = FLAGS_lr;
  options.momentum = FLAGS_momentum;
  options.weight_decay = FLAGS_weight_decay;
  options.schedule = FLAGS_schedule;
  options.warmup_epochs = FLAGS_warmup_epochs;
  options.min_lr = FLAGS_min_lr;
  for (absl::string_view m : absl::StrSplit(FLAGS_step_milestones, ',', absl::SkipEmpty())) {
    double value = 0;
    if (!data::ParseDouble(m, &value)) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("--step_milestones: '", m, "' is not a number")));
    }
    options.step_milestones.push_back(value);
  }
  options.margin_warmup_epochs = FLAGS_margin_warmup_epochs;
  options.seed = static_cast<uint64_t>(FLAGS_seed);
  options.device = device;
  // A checkpoint belongs to a configuration and to the data it was trained
  // on: re-aligned crops carry a digest of their predicted points
  // (pipeline::RealignRecognitionData), so crops from another landmark net or
  // detector never resume (or reuse) a checkpoint of other crops.
  std::map<std::string, std::string> checkpoint_key = params;
  checkpoint_key["dataset_fingerprint"] = data.fingerprint;
  const std::string config_hash = tracking::ConfigHash(checkpoint_key).substr(0, 16);
  const std::filesystem::path checkpoint =
      ResolveAgainstWorkspace(FLAGS_artifacts_dir) / "compare_losses" / config_hash / "checkpoint.pt";
  if (!FLAGS_resume) std::filesystem::remove(checkpoint);
  options.checkpoint_path = checkpoint.string();

  LOG(INFO) << "=== " << loss_name << " (run " << run->id() << ", " << FLAGS_backbone << " "
            << FLAGS_input_height << "x" << FLAGS_input_width << ", " << FLAGS_epochs
            << " epochs, " << loader.BatchesPerEpoch() << " steps/epoch)";
  train::Trainer trainer(*backbone, *loss, &loader, options, run.get());
  tracking::Run* recorder = run.get();
  auto validate = [&](int epoch) -> absl::Status {
    if ((epoch + 1) % std::max(1, FLAGS_validate_every) != 0 && epoch + 1 != FLAGS_epochs) {
      return absl::OkStatus();
    }
    const pipeline::ValidationResult v =
        pipeline::Validate(**backbone, **loss, data.val, augment, device);
    std::string line = absl::StrFormat("epoch %d validation: 1-NN %.3f", epoch + 1,
                                       v.nearest_neighbour_accuracy);
    FACEREC_RETURN_IF_ERROR(recorder->LogMetric("val/nn_accuracy", epoch, v.nearest_neighbour_accuracy));
    if (v.head_accuracy) {
      absl::StrAppend(&line, absl::StrFormat(", head %.3f", *v.head_accuracy));
      FACEREC_RETURN_IF_ERROR(recorder->LogMetric("val/accuracy", epoch, *v.head_accuracy));
    }
    LOG(INFO) << line;
    return absl::OkStatus();
  };
  absl::Status trained = trainer.Train(validate);
  if (!trained.ok()) return fail(trained);
  row.train_seconds = trainer.seconds_training();
  FACEREC_RETURN_IF_ERROR(run->LogMetric("train/seconds", 0, row.train_seconds));
  FACEREC_RETURN_IF_ERROR(run->LogArtifact("checkpoint", checkpoint.string()));

  absl::StatusOr<pipeline::RecognitionResult> result =
      pipeline::EvaluateRecognition(**backbone, **loss, data, augment, device, run.get());
  if (!result.ok()) return fail(result.status());
  row.result = *result;
  FACEREC_RETURN_IF_ERROR(run->Finish());
  return row;
}

std::string Percent(double v) { return absl::StrFormat("%.3f", v); }

void PrintTable(const std::vector<Row>& rows) {
  std::printf("\n%-22s %5s", "loss", "run");
  for (double fpr : metrics::kCourseFprs) std::printf(" %9s", absl::StrCat("TPR@", fpr).c_str());
  for (double fpir : metrics::kOpenSetFpirs) std::printf(" %10s", absl::StrCat("TPIR@", fpir).c_str());
  std::printf(" %7s %7s %7s %7s %7s %8s\n", "val", "test", "NC-val", "NC-test", "LFW", "train s");
  for (const Row& row : rows) {
    const std::string name =
        row.alignment == "provided" ? row.loss : row.loss + "+" + row.alignment;
    std::printf("%-22s %5lld", name.c_str(), static_cast<long long>(row.run_id));
    for (const auto& p : row.result.id_rate.points) std::printf(" %9s", Percent(p.tpr).c_str());
    for (const auto& p : row.result.open_set.points) std::printf(" %10s", Percent(p.tpr).c_str());
    std::printf(" %7s %7s %7s %7s %7s %8.0f\n",
                row.result.val_accuracy ? Percent(*row.result.val_accuracy).c_str() : "-",
                row.result.test_accuracy ? Percent(*row.result.test_accuracy).c_str() : "-",
                Percent(row.result.val_centroid_accuracy).c_str(),
                Percent(row.result.test_centroid_accuracy).c_str(),
                Percent(row.result.lfw.mean_accuracy).c_str(), row.train_seconds);
  }
  std::printf("\nTPR@FPR: celebA_ir identification rate; TPIR@FPIR: open-set rank-1; val/test: "
              "classification head; NC: nearest centroid; LFW: %s.\n",
              rows.empty() ? "" : rows[0].result.lfw.protocol.c_str());
  std::fflush(stdout);  // Interleave correctly with glog's stderr when logged to a file.
}

int Main() {
  const std::map<std::string, std::string> explicit_flags = ExplicitFlags();
  absl::StatusOr<std::filesystem::path> root = ResolveDataRoot(FLAGS_data_root);
  if (!root.ok()) {
    LOG(ERROR) << root.status();
    return 2;
  }
  const std::filesystem::path config_dir = ResolveAgainstWorkspace(FLAGS_config_dir);
  const std::vector<std::string> loss_names = absl::StrSplit(FLAGS_losses, ',', absl::SkipEmpty());
  for (const std::string& name : loss_names) {
    const auto known = losses::KnownLosses();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      LOG(ERROR) << "--losses: unknown loss '" << name << "'; known: " << absl::StrJoin(known, ", ");
      return 2;
    }
  }
  const std::vector<std::string> alignments =
      absl::StrSplit(FLAGS_alignments, ',', absl::SkipEmpty());
  for (const std::string& alignment : alignments) {
    if (alignment != "provided" && alignment != "landmark_net") {
      LOG(ERROR) << "--alignments: unknown alignment '" << alignment
                 << "'; known: provided, landmark_net";
      return 2;
    }
  }
  // Every config file this comparison needs, read now and checked by
  // applying it once: a typo fails here, not hours into training.
  std::map<std::string, std::string> configs;
  for (const std::string& name : loss_names) {
    for (const std::string& file : {std::string("base"), FLAGS_preset, name}) {
      const std::string path = (config_dir / (file + ".flags")).string();
      if (configs.count(path)) continue;
      absl::StatusOr<std::string> text = data::ReadFileBytes(path);
      if (!text.ok()) {
        LOG(ERROR) << text.status() << " (--config_dir / --preset / --losses)";
        return 2;
      }
      gflags::FlagSaver check;
      const absl::Status applied = ApplyFlagfile(path, *text);
      if (!applied.ok()) {
        LOG(ERROR) << applied;
        return 2;
      }
      configs[path] = *text;
    }
  }
  const std::string db = ResolveAgainstWorkspace(FLAGS_db).string();
  absl::StatusOr<std::unique_ptr<tracking::ExperimentStore>> store =
      tracking::ExperimentStore::Open(db);
  if (!store.ok()) {
    LOG(ERROR) << store.status();
    return 2;
  }
  const int threads = torch::get_num_threads();
  absl::StatusOr<pipeline::RecognitionData> data = pipeline::LoadRecognitionData(*root, threads);
  if (!data.ok()) {
    LOG(ERROR) << data.status();
    return 1;
  }
  const std::string comparison = absl::StrCat(FLAGS_preset, "-", NowMs());
  std::vector<Row> rows;
  int failures = 0;
  for (const std::string& alignment : alignments) {
    pipeline::RecognitionData aligned_data;
    if (alignment == "landmark_net") {
      if (FLAGS_landmark_model.empty()) {
        absl::StatusOr<std::string> latest = pipeline::LatestLandmarkModel(**store);
        if (!latest.ok()) {
          LOG(ERROR) << latest.status();
          return 2;
        }
        FLAGS_landmark_model = *latest;
      }
      absl::StatusOr<align::LandmarkDetector> detector =
          align::LandmarkDetector::Load(FLAGS_landmark_model, torch::Device(FLAGS_device));
      if (!detector.ok()) {
        LOG(ERROR) << detector.status() << " (--landmark_model)";
        return 2;
      }
      aligned_data = *data;
      absl::StatusOr<pipeline::AlignmentReport> report =
          pipeline::RealignRecognitionData(*detector, &aligned_data);
      if (!report.ok()) {
        LOG(ERROR) << report.status();
        return 1;
      }
      LOG(INFO) << absl::StrFormat(
          "re-aligned every crop with %s in %.1f s; mean point residual after the warp %.2f px",
          FLAGS_landmark_model, report->seconds, report->mean_residual);
    }
    const pipeline::RecognitionData& run_data = alignment == "provided" ? *data : aligned_data;
    for (const std::string& loss_name : loss_names) {
      gflags::FlagSaver saver;  // Each loss starts from the same flags.
      for (const std::string& file : {std::string("base"), FLAGS_preset, loss_name}) {
        const std::string path = (config_dir / (file + ".flags")).string();
        const absl::Status applied = ApplyFlagfile(path, configs.at(path));
        CHECK(applied.ok()) << applied;  // Checked at start-up.
      }
      for (const auto& [name, value] : explicit_flags) {
        gflags::SetCommandLineOption(name.c_str(), value.c_str());
      }
      absl::StatusOr<Row> row = RunOne(loss_name, alignment, run_data, store->get(), comparison);
      if (!row.ok()) {
        LOG(ERROR) << loss_name << " (" << alignment << "): " << row.status();
        ++failures;
        continue;
      }
      rows.push_back(*row);
      PrintTable(rows);
    }
  }
  std::printf("\nstore: %s (comparison tag '%s'); tools/bazel run //tools:runs -- compare "
              "--experiment=compare_losses --limit=%zu\n",
              db.c_str(), comparison.c_str(), loss_names.size() * alignments.size());
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  facerec::InitProcess(&argc, &argv,
                       "Trains and compares CE, triplet, ArcFace and CosFace on CelebA-500.\n"
                       "Usage: compare_losses [--preset=quick|full] [--losses=ce,arcface] "
                       "[--any_flag=value]");
  return facerec::Main();
}
