// compare_losses: CE, triplet, ArcFace and CosFace trained on CelebA-500 under
// identical conditions (backbone, data, augmentation, budget, seed), each
// evaluated with every metric, recorded as one run in the store, and compared
// in one table.
//
//   tools/bazel run //experiments:compare_losses                       # --preset=quick
//   tools/bazel run //experiments:compare_losses -- --preset=full
//   tools/bazel run //experiments:compare_losses -- --losses=ce,arcface --epochs=3
//   tools/bazel run //experiments:compare_losses -- --seeds=1,2,3     # mean ± std, intervals
//
// Configuration (arcface_torch style): experiments/configs/base.flags, then
// <preset>.flags, then <loss>.flags for each loss, then whatever was given on
// the command line, which always wins. A run with the same configuration as a
// killed one, on the same data, resumes from its checkpoint
// (artifacts/compare_losses/<hash of config and data fingerprint>/).
// Seeds in parallel: run each as its own process (--seed=N --threads=1),
// then --seeds=1,2,3 with the same flags at any --threads: each seed finds its
// finished checkpoint and is only evaluated again, and the summary with
// intervals is written. (The checkpoint's key leaves --threads out: it
// changes only the order of float sums, and a run killed at one thread count
// resumes at another, as a sweep restarted with other --processes does.)
//
// Variants of a trained recogniser, each its own comparison:
//   # PGD adversarial fine-tuning of a run in the store (and its clean control):
//   ... -- --losses=arcface --finetune_from=<run uid> --epochs=3 --lr=0.01
//          --warmup_epochs=0 --margin_warmup_epochs=0 --adversarial_steps=3 --adversarial_epsilon=4
//   # The same budget without the images a list names (the confirmed trash):
//   ... -- --losses=arcface --exclude=experiments/configs/celeba500_trash_confirmed.txt
//   # 100 identities kept out of training and scored each validation as new
//   # people (val_unseen/*), the measure for choosing a recipe:
//   ... -- --preset=search --losses=arcface --holdout_identities=100
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/core/data_root.h"
#include "facerec/experiment/dataset_config.h"
#include "facerec/pipeline/recognition_datasets.h"
#include "facerec/core/environment.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"
#include "facerec/experiment/experiment_main.h"
#include "facerec/experiment/flag_values.h"
#include "facerec/experiment/recognition_config.h"
#include "facerec/losses/losses.h"
#include "facerec/metrics/id_rate_bootstrap.h"
#include "facerec/pipeline/alignment.h"
#include "facerec/pipeline/ensembles.h"
#include "facerec/losses/distillation.h"
#include "facerec/backbones/ensemble_net.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/pipeline/seed_comparison.h"
#include "facerec/experiment/data_parallel_config.h"
#include "facerec/train/data_parallel.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/tracking/experiment_store.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/tracking/run.h"
#include "facerec/train/trainer.h"
#include "facerec/tracking/experiment_names.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(preset, "quick", "quick (<= 30 min on 2 cores) or full; a file in --config_dir.");
DEFINE_string(losses, "ce,triplet,arcface,cosface", "Comma-separated losses to compare.");
DEFINE_bool(resume, true, "Resume a killed run with the same configuration from its checkpoint.");
DEFINE_string(alignments, "provided",
              "Comma-separated: provided (the dataset's crops) and/or landmark_net (re-aligned "
              "by our landmark net, facerec/pipeline/alignment.h); each trains every loss.");
DEFINE_string(finetune_from, "",
              "A compare_losses run (uid or its first 8+ hex digits) whose trained weights each "
              "loss starts from (its checkpoint holds that loss's head); empty trains from scratch. "
              "With --adversarial_steps: PGD adversarial fine-tuning.");
DEFINE_string(exclude, "",
              "A list of CelebA-500 images to leave out of its splits (one per line, relative to "
              "the data root, '# reason' after it), relative to the workspace root; celebA_ir and "
              "LFW stay whole.");
DEFINE_int32(holdout_identities, 0,
             "CelebA-500 identities to hold out of every split, spread over the labels: validation "
             "then also scores them (val_unseen/*), people the net never saw, as celebA_ir's are. "
             "For choosing a recipe (a sweep's --objective=val_unseen/tpr_at_fpr_0.1); 0: none.");
namespace {
const facerec::metrics::BootstrapOptions kBootstrap;
}  // namespace

DEFINE_string(seeds, "",
              "Comma-separated seeds: every loss is trained once per seed, then each metric is "
              "reported as mean ± std over the seeds, the identification rate with a bootstrap "
              "interval over query identities, and each pair of losses' difference with a paired "
              "interval (one more run, experiment loss_comparison). Empty: --seed alone.");
DEFINE_int32(bootstrap_replicates, kBootstrap.replicates,
             "Bootstrap replicates of the identification rate's intervals (with --seeds).");
DEFINE_double(bootstrap_confidence, kBootstrap.confidence, "Coverage of those intervals, in (0, 1).");
DEFINE_string(landmark_model, "",
              "Landmark net for --alignments=landmark_net: a file relative to the workspace root or a "
              "registry name NAME[@ALIAS|:VERSION] (default: the registry's alias default of kind landmarks).");

namespace facerec {
namespace {

// What the run starts from and leaves out, beyond its recognition options.
struct RunVariant {
  std::string finetune_checkpoint;  // Empty: from scratch.
  std::string finetune_run_uid, finetune_sha256;
  std::string exclude_sha256;       // Empty: no exclusion.
  size_t excluded_images = 0;
  int holdout_identities = 0;       // 0: every identity trains.
  // The data's own params (pipeline::DatasetParams): empty for celeba500.
  std::map<std::string, std::string> dataset_params;
  const pipeline::DatasetReport* dataset_report = nullptr;
};

struct Row {
  std::string name;  // The run's.
  std::string loss;
  std::string alignment;
  int64_t seed = 0;
  int64_t run_id = 0;
  std::string run_uid;
  pipeline::RecognitionResult result;
  double train_seconds = 0;
};

// What a run is: the recognition options as used, the loss, and, for crops
// re-aligned by a landmark net, that net's sha256 (not its path: the same
// net in another checkout is the same configuration).
std::map<std::string, std::string> RunParams(const experiment::RecognitionConfig& config,
                                             const std::string& alignment,
                                             const std::string& landmark_sha256,
                                             const RunVariant& variant) {
  std::map<std::string, std::string> params = experiment::RecognitionParams(config);
  // Absent unless used, like the alignment: a run from scratch on every
  // image keeps the configuration it always had. The starting weights and
  // the list are named by content, not by path.
  if (!variant.finetune_checkpoint.empty()) {
    params["finetune_from_run"] = variant.finetune_run_uid;
    params["finetune_from_sha256"] = variant.finetune_sha256;
  }
  if (!variant.exclude_sha256.empty()) {
    params["exclude_sha256"] = variant.exclude_sha256;
    params["excluded_images"] = absl::StrCat(variant.excluded_images);
  }
  if (variant.holdout_identities > 0) {
    params["holdout_identities"] = absl::StrCat(variant.holdout_identities);
  }
  params.insert(variant.dataset_params.begin(), variant.dataset_params.end());
  params["preset"] = FLAGS_preset;
  params["loss"] = config.loss.name;
  // Absent for the dataset's crops, so their recorded configurations equal
  // those of runs made before alignment was a choice.
  if (alignment != "provided") {
    params["alignment"] = alignment;
    params["landmark_model_sha256"] = landmark_sha256;
  }
  params["threads"] = absl::StrCat(torch::get_num_threads());
  return params;
}

// "arcface", "arcface+landmark_net", "arcface+finetuned+pgd_at", "arcface+excluding_57",
// "arcface+distilled" (or a variant's own entry name, "arcface_distilled").
std::string RunName(const std::string& loss, const std::string& alignment,
                    const experiment::RecognitionConfig& config, const RunVariant& variant) {
  std::string name = loss;
  if (alignment != "provided") absl::StrAppend(&name, "+", alignment);
  if (!variant.finetune_checkpoint.empty()) absl::StrAppend(&name, "+finetuned");
  if (config.train.adversarial_steps > 0) absl::StrAppend(&name, "+pgd_at");
  if (!variant.exclude_sha256.empty()) absl::StrAppend(&name, "+excluding_", variant.excluded_images);
  if (variant.holdout_identities > 0) absl::StrAppend(&name, "+holdout_", variant.holdout_identities);
  return name;
}

// Teachers' embeddings of the training images, by teachers and training
// split: computed once for every seed of a student.
using TeacherCache = std::map<std::string, torch::Tensor>;

// The teachers' embedding of every training image when `config` has
// teachers (undefined otherwise), from `cache`, computed once per teachers
// and split; their sha256s, comma-joined, go to `teachers_sha256`. Uses no
// random numbers: the run's loss is made after its seed is set (RunLoss).
absl::StatusOr<torch::Tensor> TeacherTargets(experiment::Experiment& e, const experiment::RecognitionConfig& config,
                                             const pipeline::RecognitionData& data, const std::string& data_key,
                                             TeacherCache* cache, std::string* teachers_sha256) {
  if (config.distillation.teachers.empty()) return torch::Tensor();
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  FACEREC_ASSIGN_OR_RETURN(const std::vector<pipeline::ChosenModel> teachers,
                           pipeline::ChooseRecognisers(pipeline::OpenedStore(*store), "teachers",
                                                       config.distillation.teachers));
  std::vector<std::string> shas;
  for (const pipeline::ChosenModel& t : teachers) shas.push_back(t.sha256);
  *teachers_sha256 = absl::StrJoin(shas, ",");
  const std::string key = absl::StrCat(*teachers_sha256, "|", config.distillation.combination, "|", data_key);
  auto cached = cache->find(key);
  if (cached == cache->end()) {
    FACEREC_ASSIGN_OR_RETURN(const backbones::EnsembleCombination combination,
                             backbones::ParseEnsembleCombination(config.distillation.combination));
    absl::StatusOr<pipeline::LoadedEnsemble> ensemble = pipeline::LoadEnsemble(teachers, combination);
    if (!ensemble.ok()) return experiment::AsFlagError("teachers", ensemble.status());
    FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
    const auto started = std::chrono::steady_clock::now();
    // The fingerprint is the images' and the split is said apart (holding out
    // or moving val leaves the fingerprint as it was).
    const std::filesystem::path dir = e.CheckpointDir(
        "teacher_embeddings",
        {{"teachers_sha256", *teachers_sha256}, {"teacher_combination", config.distillation.combination},
         {"split", data_key}},
        data.fingerprint);
    FACEREC_ASSIGN_OR_RETURN(torch::Tensor embeddings,
                             pipeline::CachedTeacherEmbeddings(*ensemble, data.train, device,
                                                               (dir / "embeddings.pt").string()));
    LOG(INFO) << absl::StrFormat("%zu teachers' embeddings of %zu training images in %.1f s", teachers.size(),
                                 data.train.size(),
                                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    cached = cache->emplace(key, embeddings).first;
  }
  return cached->second;
}

// The run's loss, made right after its backbone (so its head's initial
// weights follow from the seed, as every run's do), distilled towards
// `teacher` when that is defined.
absl::StatusOr<losses::Loss> RunLoss(const experiment::RecognitionConfig& config,
                                     const losses::LossOptions& loss_options, const torch::Tensor& teacher) {
  FACEREC_ASSIGN_OR_RETURN(losses::Loss loss, losses::MakeLoss(loss_options));
  if (!teacher.defined()) return loss;
  return losses::MakeDistilledLoss(loss, teacher, config.backbone.embedding_size, config.distillation.options);
}

absl::StatusOr<Row> RunOne(experiment::Experiment& e, const std::string& entry,
                           const experiment::RecognitionConfig& config,
                           const std::string& alignment, const pipeline::RecognitionData& loaded,
                           const std::string& landmark_model, const std::string& landmark_sha256,
                           const RunVariant& variant, const std::string& comparison,
                           train::DataParallel* group, TeacherCache* teacher_cache) {
  // Held out after any re-alignment, so the unseen faces are cut like the rest.
  FACEREC_ASSIGN_OR_RETURN(const pipeline::RecognitionData seen,
                           pipeline::WithHeldOutIdentities(loaded, variant.holdout_identities));
  const pipeline::RecognitionData with_val =
      config.train_on_val ? pipeline::WithValInTraining(seen) : pipeline::RecognitionData();
  const pipeline::RecognitionData& data = config.train_on_val ? with_val : seen;
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  losses::LossOptions loss_options = config.loss;
  loss_options.num_classes = data.num_classes;
  train::TrainOptions options = config.train;
  options.device = device;
  options.init_checkpoint_path = variant.finetune_checkpoint;

  // The teachers first: the run's params name them.
  std::string teachers_sha256;
  FACEREC_ASSIGN_OR_RETURN(
      const torch::Tensor teacher,
      TeacherTargets(e, config, data,
                     absl::StrCat(alignment, "|", variant.holdout_identities, "|", config.train_on_val, "|",
                                  data.fingerprint),
                     teacher_cache, &teachers_sha256));

  Row row;
  // A student distilled under a loss's own name says so: "arcface+distilled".
  row.loss = !config.distillation.teachers.empty() && entry == config.loss.name ? absl::StrCat(entry, "+distilled")
                                                                                 : entry;
  row.alignment = alignment;
  row.seed = config.seed;
  std::map<std::string, std::string> params = RunParams(config, alignment, landmark_sha256, variant);
  if (!teachers_sha256.empty()) params["teachers_sha256"] = teachers_sha256;
  // Only when > 1, so one-process runs keep the config hashes they always had.
  if (group != nullptr && group->world_size() > 1) params["world_size"] = absl::StrCat(group->world_size());
  // A checkpoint belongs to a configuration and to the data it was trained
  // on: re-aligned crops carry a digest of their predicted points
  // (pipeline::RealignRecognitionData), so crops from another landmark net or
  // detector never resume (or reuse) a checkpoint of other crops.
  const std::filesystem::path checkpoint =
      e.CheckpointDir("compare_losses", params, data.fingerprint) / "checkpoint.pt";
  options.checkpoint_path = checkpoint.string();
  options.resume = FLAGS_resume;
  options.data_parallel = group;
  if (group != nullptr && !group->is_primary()) {
    // Another rank: trains its shards beside rank 0, which records,
    // validates, checkpoints and evaluates.
    torch::manual_seed(config.seed);
    FACEREC_ASSIGN_OR_RETURN(backbones::Backbone backbone, backbones::MakeBackbone(config.backbone));
    FACEREC_ASSIGN_OR_RETURN(losses::Loss loss, RunLoss(config, loss_options, teacher));
    data::BatchLoader loader(&data.train, config.sampler, config.augment, config.seed, config.loader_workers);
    train::Trainer trainer(backbone, loss, &loader, options, nullptr);
    FACEREC_RETURN_IF_ERROR(trainer.Train());
    row.train_seconds = trainer.seconds_training();
    return row;
  }

  tracking::RunOptions run_options;
  run_options.name = RunName(row.loss, alignment, config, variant);
  row.name = run_options.name;
  run_options.params = params;
  run_options.seed = config.seed;
  run_options.dataset_fingerprint = data.fingerprint;
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(run_options));
  row.run_id = run->id();
  {
    FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
    FACEREC_ASSIGN_OR_RETURN(const tracking::RunRecord record, store->GetRun(run->id()));
    row.run_uid = record.uid;
  }
  FACEREC_RETURN_IF_ERROR(run->SetTag("comparison", comparison));
  if (variant.dataset_report != nullptr) {
    FACEREC_RETURN_IF_ERROR(pipeline::RecordDatasetReport(*variant.dataset_report, run));
  }
  if (!landmark_model.empty()) {
    FACEREC_RETURN_IF_ERROR(run->SetTag("landmark_model", WorkspaceRelative(landmark_model)));
  }

  torch::manual_seed(config.seed);
  FACEREC_ASSIGN_OR_RETURN(backbones::Backbone backbone, backbones::MakeBackbone(config.backbone));
  FACEREC_ASSIGN_OR_RETURN(losses::Loss loss, RunLoss(config, loss_options, teacher));
  data::BatchLoader loader(&data.train, config.sampler, config.augment, config.seed,
                           config.loader_workers);
  LOG(INFO) << "=== " << row.loss << " (run " << run->id() << ", " << config.backbone.name << " "
            << config.backbone.input_height << "x" << config.backbone.input_width << ", "
            << options.epochs << " epochs, " << loader.BatchesPerEpoch() << " steps/epoch)";
  train::Trainer trainer(backbone, loss, &loader, options, run);
  auto validate = [&](int epoch) -> absl::Status {
    if (!train::IsValidationEpoch(epoch, config.validate_every, options.epochs)) {
      return absl::OkStatus();
    }
    const pipeline::ValidationResult v =
        pipeline::Validate(*backbone, *loss, data.val, config.augment, device);
    std::string line = absl::StrFormat("epoch %d validation: 1-NN %.3f", epoch + 1,
                                       v.nearest_neighbour_accuracy);
    FACEREC_RETURN_IF_ERROR(run->LogMetric("val/nn_accuracy", epoch, v.nearest_neighbour_accuracy));
    if (v.head_accuracy) {
      absl::StrAppend(&line, absl::StrFormat(", head %.3f", *v.head_accuracy));
      FACEREC_RETURN_IF_ERROR(run->LogMetric("val/accuracy", epoch, *v.head_accuracy));
    }
    for (const metrics::RocPoint& p : v.id_rate) {
      absl::StrAppend(&line, absl::StrFormat(", TPR@FPR %g %.3f", p.target_fpr, p.tpr));
      FACEREC_RETURN_IF_ERROR(
          run->LogMetric(absl::StrCat("val/tpr_at_fpr_", p.target_fpr), epoch, p.tpr));
    }
    if (data.unseen.size() > 0) {
      const pipeline::ValidationResult u =
          pipeline::ValidateUnseenIdentities(*backbone, data.unseen, config.augment, device);
      absl::StrAppend(&line, absl::StrFormat("; unseen identities: 1-NN %.3f", u.nearest_neighbour_accuracy));
      FACEREC_RETURN_IF_ERROR(run->LogMetric("val_unseen/nn_accuracy", epoch, u.nearest_neighbour_accuracy));
      for (const metrics::RocPoint& p : u.id_rate) {
        absl::StrAppend(&line, absl::StrFormat(", TPR@FPR %g %.3f", p.target_fpr, p.tpr));
        FACEREC_RETURN_IF_ERROR(
            run->LogMetric(absl::StrCat("val_unseen/tpr_at_fpr_", p.target_fpr), epoch, p.tpr));
      }
    }
    LOG(INFO) << line;
    return absl::OkStatus();
  };
  FACEREC_RETURN_IF_ERROR(trainer.Train(validate));
  row.train_seconds = trainer.seconds_training();
  FACEREC_RETURN_IF_ERROR(run->LogMetric("train/seconds", 0, row.train_seconds));
  FACEREC_RETURN_IF_ERROR(run->LogArtifact("checkpoint", checkpoint.string()));
  // The recogniser alone, self-describing, for the tools (pipeline/trained_models.h).
  const std::filesystem::path embedding_net = checkpoint.parent_path() / "embedding_net.pt";
  FACEREC_RETURN_IF_ERROR(backbones::SaveEmbeddingNet(
      {backbone, config.backbone, config.augment.flip_test}, embedding_net.string()));
  FACEREC_RETURN_IF_ERROR(run->LogArtifact("embedding_net", embedding_net.string()));
  // While rank 0 evaluates, the other ranks only wait (in their next
  // collective, or they have exited): the evaluation takes every core of the
  // machine, not a rank's share (benchmarks/README.md, data parallel).
  const int training_threads = torch::get_num_threads();
  if (group != nullptr && group->world_size() > 1) {
    torch::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  }
  absl::StatusOr<pipeline::RecognitionResult> result =
      pipeline::EvaluateRecognition(*backbone, *loss, data, config.augment, device, run);
  torch::set_num_threads(training_threads);
  FACEREC_ASSIGN_OR_RETURN(row.result, std::move(result));
  FACEREC_RETURN_IF_ERROR(run->Finish());
  return row;
}

std::string Percent(double v) { return absl::StrFormat("%.3f", v); }

void PrintTable(const std::vector<Row>& rows) {
  std::printf("\n%-22s %5s %5s", "loss", "seed", "run");
  for (double fpr : metrics::kCourseFprs) std::printf(" %9s", absl::StrCat("TPR@", fpr).c_str());
  for (double fpir : metrics::kOpenSetFpirs) std::printf(" %10s", absl::StrCat("TPIR@", fpir).c_str());
  std::printf(" %7s %7s %7s %7s %7s %8s\n", "val", "test", "NC-val", "NC-test", "LFW", "train s");
  for (const Row& row : rows) {
    const std::string& name = row.name;
    std::printf("%-22s %5lld %5lld", name.c_str(), static_cast<long long>(row.seed),
                static_cast<long long>(row.run_id));
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

// One run of experiment "loss_comparison" holding the seeds' summary of
// `rows` (pipeline/seed_comparison.h), tagged with the comparison; printed too.
absl::Status SummariseSeeds(experiment::Experiment& e, const std::vector<Row>& rows,
                            const std::vector<int>& query_ids, const metrics::BootstrapOptions& bootstrap,
                            const std::string& comparison) {
  pipeline::SeedComparison seeds(bootstrap);
  for (const Row& row : rows) {
    const std::string loss = row.alignment == "provided" ? row.loss : absl::StrCat(row.loss, "+", row.alignment);
    FACEREC_RETURN_IF_ERROR(seeds.Add(loss, row.seed, row.run_uid, row.result, query_ids));
  }
  FACEREC_ASSIGN_OR_RETURN(const pipeline::SeedSummary summary, seeds.Summarise());
  std::printf("%s", pipeline::SeedSummaryTable(summary).c_str());
  std::fflush(stdout);
  tracking::RunOptions options;
  options.experiment = tracking::kLossComparison;
  options.name = comparison;
  FACEREC_ASSIGN_OR_RETURN(tracking::Run * run, e.StartRun(options));
  FACEREC_RETURN_IF_ERROR(run->SetTag("comparison", comparison));
  FACEREC_RETURN_IF_ERROR(pipeline::RecordSeedSummary(summary, run));
  return run->Finish();
}

absl::Status CompareLosses(experiment::Experiment& e) {
  // An entry is a loss, or a config layer of a variant that names its loss
  // (--base_loss) and what differs: "arcface_distilled" is arcface with teachers.
  std::vector<std::string> entries = losses::KnownLosses();
  for (const std::string& entry : experiment::SplitFlagList(FLAGS_losses)) {
    if (e.layers().Has(entry) && std::find(entries.begin(), entries.end(), entry) == entries.end()) {
      entries.push_back(entry);
    }
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<std::string> loss_names,
                           experiment::ParseNameList("losses", FLAGS_losses, entries));
  FACEREC_ASSIGN_OR_RETURN(
      const std::vector<std::string> alignments,
      experiment::ParseNameList("alignments", FLAGS_alignments, {"provided", "landmark_net"}));
  // Every loss's configuration, checked now: a bad value fails here, not
  // hours into training, and before any run is recorded.
  std::vector<experiment::RecognitionConfig> configs;
  for (const std::string& name : loss_names) {
    gflags::FlagSaver saver;
    FACEREC_RETURN_IF_ERROR(experiment::ApplyEntryLayers(e.layers(), name));
    FACEREC_ASSIGN_OR_RETURN(experiment::RecognitionConfig config,
                             experiment::RecognitionConfigFromFlags(name));
    const std::vector<std::string> known = losses::KnownLosses();
    if (std::find(known.begin(), known.end(), config.loss.name) == known.end()) {
      return experiment::FlagError("losses", name,
                                   absl::StrCat("its config layer (", name, ".flags) must name a loss with --base_loss=; "
                                                "allowed: ", absl::StrJoin(known, ", ")));
    }
    configs.push_back(config);
  }
  // Teachers named wrong fail now, not after the data has loaded.
  for (const experiment::RecognitionConfig& config : configs) {
    if (config.distillation.teachers.empty()) continue;
    FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
    FACEREC_RETURN_IF_ERROR(pipeline::ChooseRecognisers(pipeline::OpenedStore(*store), "teachers",
                                                        config.distillation.teachers)
                                .status());
  }
  FACEREC_ASSIGN_OR_RETURN(std::vector<int64_t> seeds, experiment::ParseSeedList("seeds", FLAGS_seeds));
  if (seeds.empty()) seeds.push_back(configs.front().seed);
  metrics::BootstrapOptions bootstrap;
  bootstrap.replicates = FLAGS_bootstrap_replicates;
  bootstrap.confidence = FLAGS_bootstrap_confidence;
  FACEREC_RETURN_IF_ERROR(experiment::CheckFlagBounds({
      experiment::AtLeast("bootstrap_replicates", 1),
      experiment::Open("bootstrap_confidence", 0, 1),
  }));
  FACEREC_ASSIGN_OR_RETURN(const experiment::DataParallelConfig data_parallel,
                           experiment::DataParallelConfigFromFlags());
  for (const experiment::RecognitionConfig& config : configs) {
    const int64_t batch = config.sampler.identities_per_batch > 0
                              ? int64_t{config.sampler.identities_per_batch} * config.sampler.images_per_identity
                              : config.sampler.batch_size;
    if (batch % data_parallel.options.world_size != 0) {
      return experiment::FlagError("world_size", data_parallel.options.world_size,
                                   absl::StrCat("must divide the batch (", batch, " images): equal shards"));
    }
  }
  // --world_size=N alone: this process starts the N ranks here and waits.
  if (data_parallel.launch_local) return experiment::RunLocalRanks(data_parallel.options.world_size);
  std::unique_ptr<train::DataParallel> group;
  if (data_parallel.options.world_size > 1) {
    FACEREC_ASSIGN_OR_RETURN(group, train::DataParallel::Connect(data_parallel.options));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path root, e.DataRoot());
  FACEREC_ASSIGN_OR_RETURN(const torch::Device device, e.Device());
  FACEREC_ASSIGN_OR_RETURN(tracking::ExperimentStore * store, e.Store());
  RunVariant variant;
  if (!FLAGS_finetune_from.empty()) {
    absl::StatusOr<pipeline::TrainingCheckpoint> start =
        pipeline::TrainingCheckpointOfRun(*store, FLAGS_finetune_from);
    if (!start.ok()) return experiment::FlagError("finetune_from", FLAGS_finetune_from, start.status().message());
    using Params = std::map<std::string, std::string>;
    FACEREC_ASSIGN_OR_RETURN(const Params start_params, store->GetParams(start->recogniser.run_id));
    // The checkpoint holds one loss's head and one backbone's shapes: the
    // runs must be of that loss and architecture, said before any training.
    for (size_t i = 0; i < configs.size(); ++i) {
      const std::map<std::string, std::string> params = experiment::RecognitionParams(configs[i]);
      for (const char* key : {"loss", "backbone", "embedding_size", "width_multiplier", "stem_stride",
                              "subcenters"}) {
        const std::string mine = std::string(key) == "loss" ? configs[i].loss.name : params.at(key);
        const auto theirs = start_params.find(key);
        if (theirs != start_params.end() && theirs->second != mine) {
          return experiment::FlagError(
              "finetune_from", FLAGS_finetune_from,
              absl::StrCat("run ", start->recogniser.run_uid.substr(0, 8), " was trained with ", key, "=",
                           theirs->second, ", this run has ", key, "=", mine));
        }
      }
    }
    variant.finetune_checkpoint = start->path;
    variant.finetune_run_uid = start->recogniser.run_uid;
    variant.finetune_sha256 = start->recogniser.sha256;
  }
  std::set<std::string> excluded;
  if (!FLAGS_exclude.empty()) {
    const std::string list = ResolveAgainstWorkspace(FLAGS_exclude).string();
    absl::StatusOr<std::set<std::string>> read = pipeline::ReadExclusionList(list);
    if (!read.ok()) return experiment::FlagError("exclude", FLAGS_exclude, read.status().message());
    excluded = *read;
    absl::StatusOr<std::string> sha = Sha256OfFile(list);
    if (!sha.ok()) return experiment::FlagError("exclude", FLAGS_exclude, sha.status().message());
    variant.exclude_sha256 = *sha;
    variant.excluded_images = excluded.size();
  }
  FACEREC_ASSIGN_OR_RETURN(pipeline::DatasetOptions dataset, experiment::DatasetOptionsFromFlags(*store));
  dataset.excluded = excluded;
  if (dataset.dataset.kind != pipeline::DatasetSpec::Kind::kCeleba500 &&
      std::find(alignments.begin(), alignments.end(), "landmark_net") != alignments.end()) {
    return experiment::FlagError("alignments", FLAGS_alignments,
                                 "landmark_net re-aligns CelebA-500's crops; a folder: or list: dataset is aligned by "
                                 "the chain (or given --aligned)");
  }
  absl::StatusOr<pipeline::LoadedDataset> loaded =
      pipeline::LoadRecognitionDataset(root, dataset, torch::get_num_threads());
  if (!loaded.ok() && !excluded.empty() && absl::IsInvalidArgument(loaded.status())) {
    return experiment::FlagError("exclude", FLAGS_exclude, loaded.status().message());
  }
  if (!loaded.ok()) return loaded.status();
  pipeline::RecognitionData data = std::move(loaded->data);
  const pipeline::DatasetReport dataset_report = loaded->report;
  variant.dataset_params = pipeline::DatasetParams(dataset, dataset_report);
  if (!variant.dataset_params.empty()) variant.dataset_report = &dataset_report;
  // Each run holds its identities out itself (after any re-alignment); this
  // checks the count and gives the labels the sampler will see.
  absl::StatusOr<pipeline::RecognitionData> seen =
      pipeline::WithHeldOutIdentities(data, FLAGS_holdout_identities);
  if (!seen.ok()) {
    return experiment::FlagError("holdout_identities", FLAGS_holdout_identities, seen.status().message());
  }
  variant.holdout_identities = FLAGS_holdout_identities;
  // What the data allows, from the labels alone (train, or train + val).
  std::vector<int> train_and_val_labels = seen->train.labels();
  train_and_val_labels.insert(train_and_val_labels.end(), seen->val.labels().begin(),
                              seen->val.labels().end());
  for (const experiment::RecognitionConfig& config : configs) {
    FACEREC_RETURN_IF_ERROR(experiment::AsFlagError(
        config.sampler.identities_per_batch > 0 ? "pk_identities" : "batch_size",
        data::ValidateSampler(config.sampler,
                              config.train_on_val ? train_and_val_labels : seen->train.labels())));
  }
  // Fine-tuned and reduced-data runs are their own comparisons, apart from
  // the preset's (tools:results takes the newest "<preset>-..." one).
  std::string variant_prefix;
  if (!variant.finetune_checkpoint.empty()) variant_prefix += "finetuned:";
  if (!variant.exclude_sha256.empty()) variant_prefix += "excluding:";
  if (variant.holdout_identities > 0) variant_prefix += "holdout:";
  if (!variant.dataset_params.empty()) variant_prefix += dataset_report.name + ":";
  const std::string comparison = absl::StrCat(variant_prefix, FLAGS_preset, "-", NowMs());
  std::vector<Row> rows;
  absl::Status first_failure;
  TeacherCache teacher_cache;
  for (const std::string& alignment : alignments) {
    pipeline::RecognitionData aligned_data;
    std::string landmark_model, landmark_sha256;
    if (alignment == "landmark_net") {
      FACEREC_ASSIGN_OR_RETURN(landmark_model,
                               pipeline::ChooseModelPath(pipeline::OpenedStore(*store),
                                                         tracking::ModelKind::kLandmarks, "landmark_model",
                                                         FLAGS_landmark_model));
      absl::StatusOr<std::string> sha = Sha256OfFile(landmark_model);
      if (!sha.ok()) return experiment::FlagError("landmark_model", FLAGS_landmark_model, sha.status().message());
      landmark_sha256 = *sha;
      absl::StatusOr<align::LandmarkDetector> detector =
          align::LandmarkDetector::Load(landmark_model, device);
      if (!detector.ok()) return experiment::AsFlagError("landmark_model", detector.status());
      aligned_data = data;
      FACEREC_ASSIGN_OR_RETURN(pipeline::AlignmentReport report,
                               pipeline::RealignRecognitionData(*detector, &aligned_data));
      LOG(INFO) << absl::StrFormat(
          "re-aligned every crop with %s in %.1f s; mean point residual after the warp %.2f px",
          WorkspaceRelative(landmark_model), report.seconds, report.mean_residual);
    }
    const pipeline::RecognitionData& run_data = alignment == "provided" ? data : aligned_data;
    // Seeds outermost: a comparison stopped early still has every loss at its first seeds.
    for (int64_t seed : seeds) {
      for (size_t i = 0; i < loss_names.size(); ++i) {
        experiment::RecognitionConfig config = configs[i];
        config.seed = seed;
        config.train.seed = static_cast<uint64_t>(seed);
        absl::StatusOr<Row> row = RunOne(e, loss_names[i], config, alignment, run_data, landmark_model,
                                         landmark_sha256, variant, comparison, group.get(), &teacher_cache);
        if (group != nullptr && !group->is_primary()) {
          if (!row.ok()) return row.status();  // Rank 0 fails too, at its next collective.
          continue;
        }
        if (!row.ok()) {
          // Recorded as FAILED by the frame; the other losses still run.
          LOG(ERROR) << loss_names[i] << " (" << alignment << ", seed " << seed << "): " << row.status();
          if (first_failure.ok()) first_failure = row.status();
          (void)e.FinishOpenRuns(row.status());
          continue;
        }
        rows.push_back(*row);
        PrintTable(rows);
      }
    }
  }
  if (group != nullptr && !group->is_primary()) return absl::OkStatus();
  if (seeds.size() > 1 && !rows.empty()) {
    FACEREC_RETURN_IF_ERROR(SummariseSeeds(e, rows, data.queries.labels(), bootstrap, comparison));
  }
  std::printf("\ncomparison tag '%s'; tools/bazel run //tools:runs -- compare "
              "--experiment=compare_losses --limit=%zu\n",
              comparison.c_str(), loss_names.size() * alignments.size() * seeds.size());
  return first_failure;
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  return facerec::experiment::RunExperiment(
      argc, argv,
      {.name = facerec::tracking::kCompareLosses,
       .usage = "Trains and compares CE, triplet, ArcFace and CosFace on CelebA-500 or your own data.\n"
                "Usage: compare_losses [--preset=quick|full] [--losses=ce,arcface] "
                "[--dataset=folder:DIR] [--any_flag=value]\n"
                "--dataset: trains on its training identities (val: closed-set validation, test: closed-set "
                "accuracy), and measures the identification rate (TPR at each FPR, TPIR@FPIR) on celeba_ir for "
                "celeba500, on the held-out identities or --eval_dataset otherwise; LFW fold 1 pairs always.\n"
                "Defaults shown are the option structs' with base.flags and the preset applied;"
                " each loss's file (arcface.flags, ...) applies on top, the command line last.",
       .layer_flags = "--preset, --losses",
       .default_layers = [] { return std::vector<std::string>{"base", FLAGS_preset}; },
       .variant_layers =
           [] {
             std::vector<std::string> layers = facerec::experiment::SplitFlagList(FLAGS_losses);
             // Every loss's own file too: a variant (arcface_bf16) builds on its base loss's.
             for (const std::string& loss : facerec::losses::KnownLosses()) layers.push_back(loss);
             return layers;
           },
       .main = facerec::CompareLosses});
}
