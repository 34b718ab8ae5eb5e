#include "facerec/experiment/recognition_config.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "facerec/core/status_macros.h"
#include "facerec/experiment/flag_values.h"
#include "gflags/gflags.h"

namespace {
// The option structs' defaults, so no flag has a default of its own.
const facerec::backbones::BackboneOptions kBackbone;
const facerec::losses::LossOptions kLoss;
const facerec::data::SamplerOptions kSampler;
const facerec::data::AugmentOptions kAugment;
const facerec::train::TrainOptions kTrain;
const facerec::experiment::RecognitionConfig kConfig;
}  // namespace

// The loss, when an entry's name is not one (a config layer of a variant).
DEFINE_string(base_loss, "",
              "The loss an entry of --losses trains when its name is a variant's config layer, not a loss "
              "(arcface_distilled.flags: --base_loss=arcface); empty: the entry's own name.");
// Distillation.
DEFINE_string(teachers, "",
              "Comma-separated teachers to distil from: recogniser files, registry references or "
              "sha256s of recognisers in the store. Empty: no distillation.");
DEFINE_string(teacher_combination, kConfig.distillation.combination.c_str(),
              "How several teachers' embeddings combine: concatenate or average.");
DEFINE_string(distillation, kConfig.distillation.options.kind.c_str(),
              "The distillation term (with --teachers): cosine or relational.");
DEFINE_double(distillation_weight, kConfig.distillation.options.weight,
              "Weight of the distillation term against the loss (with --teachers).");

// Backbone.
DEFINE_string(backbone, kBackbone.name.c_str(), "Backbone name (facerec/backbones).");
DEFINE_int32(embedding_size, kBackbone.embedding_size, "Embedding dimension.");
DEFINE_int32(input_height, kBackbone.input_height,
             "Network input height (the 100x83 window is resized).");
DEFINE_int32(input_width, kBackbone.input_width, "Network input width.");
DEFINE_double(width_multiplier, kBackbone.width_multiplier, "Backbone channel multiplier.");
DEFINE_double(dropout, kBackbone.dropout, "Dropout before the embedding layer.");
DEFINE_int32(stem_stride, kBackbone.stem_stride, "IResNet stem stride (1 or 2).");
// Optimisation.
DEFINE_int32(epochs, kTrain.epochs, "Training epochs.");
DEFINE_int32(batch_size, kSampler.batch_size, "Batch size (classification losses).");
DEFINE_int32(pk_identities, kSampler.identities_per_batch,
             "P of P x K batches; 0 = plain shuffled batches.");
DEFINE_int32(pk_images, kSampler.images_per_identity, "K of P x K batches.");
DEFINE_string(optimizer, facerec::train::OptimizerName(kTrain.optimizer), "sgd | adamw.");
DEFINE_double(lr, kTrain.lr, "Peak learning rate.");
DEFINE_double(momentum, kTrain.momentum, "SGD momentum.");
DEFINE_double(weight_decay, kTrain.weight_decay, "Weight decay.");
DEFINE_string(schedule, facerec::train::ScheduleName(kTrain.schedule), "cosine | step.");
DEFINE_double(warmup_epochs, kTrain.warmup_epochs, "Linear learning-rate warm-up.");
DEFINE_double(min_lr, kTrain.min_lr, "Cosine floor.");
DEFINE_string(step_milestones, "", "Step schedule milestones (epochs), comma-separated.");
// Loss.
DEFINE_double(label_smoothing, kLoss.label_smoothing, "Label smoothing (classification losses).");
DEFINE_double(scale, kLoss.scale, "Margin-head scale s; 0 = default (64).");
DEFINE_double(m1, kLoss.m1, "Multiplicative angular margin; < 0 = the loss's default.");
DEFINE_double(m2, kLoss.m2, "Additive angular margin (ArcFace); < 0 = default.");
DEFINE_double(m3, kLoss.m3, "Additive cosine margin (CosFace); < 0 = default.");
DEFINE_int32(subcenters, kLoss.subcenters, "Sub-centres per class (margin heads).");
DEFINE_double(center_loss_weight, kLoss.center_loss_weight,
              "Weight of the centre-loss term (Wen et al. 2016) added to a classification loss; 0 = none.");
DEFINE_double(elastic_sigma, kLoss.elastic_sigma,
              "ElasticFace: the spread of the per-sample margin while training (elasticface_arc, elasticface_cos).");
DEFINE_bool(bf16, kTrain.bf16_autocast,
            "The backbone's forward pass in bfloat16 under CPU autocast (train/cpu_autocast.h); float32 otherwise.");
DEFINE_double(margin_warmup_epochs, kTrain.margin_warmup_epochs,
              "Margins grow from 0 to full over these epochs.");
DEFINE_double(triplet_margin, kLoss.triplet_margin, "Triplet margin (unit-sphere distance).");
DEFINE_string(triplet_mining, kLoss.triplet_mining.c_str(), "batch_hard | semi_hard.");
// Augmentation.
DEFINE_bool(augment, kAugment.enabled, "Flips, random resized crops, colour jitter.");
DEFINE_double(min_crop_area, kAugment.min_area, "Random resized crop: smallest area fraction.");
DEFINE_double(color_jitter, kAugment.brightness, "Brightness/contrast/saturation jitter.");
DEFINE_double(max_rotation, kAugment.max_rotation_degrees,
              "Random rotation in degrees (training augmentation).");
DEFINE_double(erase_probability, kAugment.erase_probability,
              "Random erasing probability (training augmentation).");
DEFINE_bool(eval_flip, kAugment.flip_test,
            "Embed each evaluation image and its mirror image and sum them.");
// Adversarial training (train/trainer.h).
DEFINE_int32(adversarial_steps, kTrain.adversarial_steps,
             "PGD adversarial training: PGD steps per batch; 0 trains on clean images.");
DEFINE_double(adversarial_epsilon, kTrain.adversarial_epsilon * 255,
              "PGD adversarial training: L-inf radius in grey levels of 255.");
// The run.
DEFINE_bool(train_on_val, kConfig.train_on_val,
            "Train on the train and val splits; validation and val accuracy then use test.");
DEFINE_int32(validate_every, kConfig.validate_every,
             "Validate on the val split every N epochs (and after the last).");
DEFINE_int32(loader_workers, kConfig.loader_workers, "Threads preparing batches.");
DEFINE_int64(seed, kConfig.seed, "Seed for initialisation, sampling and augmentation.");

namespace facerec::experiment {

absl::StatusOr<RecognitionConfig> RecognitionConfigFromFlags(const std::string& loss_name) {
  RecognitionConfig c;
  c.backbone.name = FLAGS_backbone;
  c.backbone.embedding_size = FLAGS_embedding_size;
  c.backbone.input_height = FLAGS_input_height;
  c.backbone.input_width = FLAGS_input_width;
  c.backbone.width_multiplier = FLAGS_width_multiplier;
  c.backbone.dropout = FLAGS_dropout;
  c.backbone.stem_stride = FLAGS_stem_stride;
  const std::vector<std::string> backbones = backbones::KnownBackbones();
  if (std::find(backbones.begin(), backbones.end(), FLAGS_backbone) == backbones.end()) {
    return FlagError("backbone", FLAGS_backbone,
                     absl::StrCat("unknown backbone; allowed: ", absl::StrJoin(backbones, ", ")));
  }
  if (FLAGS_input_height < 16) return FlagError("input_height", FLAGS_input_height, "must be >= 16");
  if (FLAGS_input_width < 16) return FlagError("input_width", FLAGS_input_width, "must be >= 16");
  if (FLAGS_embedding_size < 1) {
    return FlagError("embedding_size", FLAGS_embedding_size, "must be >= 1");
  }
  if (!(FLAGS_width_multiplier > 0 && FLAGS_width_multiplier <= 8)) {
    return FlagError("width_multiplier", FLAGS_width_multiplier, "must be in (0, 8]");
  }
  if (!(FLAGS_dropout >= 0 && FLAGS_dropout < 1)) {
    return FlagError("dropout", FLAGS_dropout, "must be in [0, 1)");
  }
  if (FLAGS_stem_stride != 1 && FLAGS_stem_stride != 2) {
    return FlagError("stem_stride", FLAGS_stem_stride, "allowed: 1, 2");
  }

  c.loss.name = FLAGS_base_loss.empty() ? loss_name : FLAGS_base_loss;
  if (!FLAGS_base_loss.empty()) {
    const std::vector<std::string> known = losses::KnownLosses();
    if (std::find(known.begin(), known.end(), FLAGS_base_loss) == known.end()) {
      return FlagError("base_loss", FLAGS_base_loss,
                       absl::StrCat("unknown loss; allowed: ", absl::StrJoin(known, ", ")));
    }
  }
  c.loss.embedding_size = FLAGS_embedding_size;
  c.loss.scale = FLAGS_scale;
  c.loss.m1 = FLAGS_m1;
  c.loss.m2 = FLAGS_m2;
  c.loss.m3 = FLAGS_m3;
  c.loss.subcenters = FLAGS_subcenters;
  c.loss.elastic_sigma = FLAGS_elastic_sigma;
  c.loss.center_loss_weight = FLAGS_center_loss_weight;
  if (!(FLAGS_center_loss_weight >= 0 && FLAGS_center_loss_weight <= 100)) {
    return FlagError("center_loss_weight", FLAGS_center_loss_weight, "must be in [0, 100]");
  }
  if (!(FLAGS_elastic_sigma >= 0 && FLAGS_elastic_sigma < 1)) {
    return FlagError("elastic_sigma", FLAGS_elastic_sigma, "must be in [0, 1)");
  }
  c.loss.label_smoothing = FLAGS_label_smoothing;
  c.loss.triplet_margin = FLAGS_triplet_margin;
  c.loss.triplet_mining = FLAGS_triplet_mining;
  if (FLAGS_triplet_mining != "batch_hard" && FLAGS_triplet_mining != "semi_hard") {
    return FlagError("triplet_mining", FLAGS_triplet_mining, "allowed: batch_hard, semi_hard");
  }
  if (!(FLAGS_triplet_margin > 0 && FLAGS_triplet_margin <= 2)) {
    return FlagError("triplet_margin", FLAGS_triplet_margin, "must be in (0, 2]");
  }
  if (!(FLAGS_scale >= 0 && FLAGS_scale <= 1024)) {
    return FlagError("scale", FLAGS_scale, "must be in [0, 1024] (0 = the loss's default)");
  }
  if (FLAGS_m1 >= 0 && FLAGS_m1 < 1) {
    return FlagError("m1", FLAGS_m1, "must be >= 1 (or < 0 for the loss's default)");
  }
  if (!(FLAGS_m2 < 3.2)) return FlagError("m2", FLAGS_m2, "must be below pi");
  if (!(FLAGS_m3 < 2)) return FlagError("m3", FLAGS_m3, "must be below 2");
  if (FLAGS_subcenters < 1) return FlagError("subcenters", FLAGS_subcenters, "must be >= 1");
  if (!(FLAGS_label_smoothing >= 0 && FLAGS_label_smoothing < 1)) {
    return FlagError("label_smoothing", FLAGS_label_smoothing, "must be in [0, 1)");
  }

  c.sampler.batch_size = FLAGS_batch_size;
  c.sampler.identities_per_batch = FLAGS_pk_identities;
  c.sampler.images_per_identity = FLAGS_pk_images;
  if (FLAGS_batch_size < 1) return FlagError("batch_size", FLAGS_batch_size, "must be >= 1");
  if (FLAGS_pk_identities < 0) {
    return FlagError("pk_identities", FLAGS_pk_identities, "must be >= 0 (0 = plain batches)");
  }
  if (FLAGS_pk_images < 1) return FlagError("pk_images", FLAGS_pk_images, "must be >= 1");

  c.augment.enabled = FLAGS_augment;
  c.augment.output_height = FLAGS_input_height;
  c.augment.output_width = FLAGS_input_width;
  c.augment.min_area = FLAGS_min_crop_area;
  c.augment.brightness = c.augment.contrast = c.augment.saturation = FLAGS_color_jitter;
  c.augment.flip_test = FLAGS_eval_flip;
  c.augment.max_rotation_degrees = FLAGS_max_rotation;
  c.augment.erase_probability = FLAGS_erase_probability;
  if (!(FLAGS_min_crop_area > 0 && FLAGS_min_crop_area <= 1)) {
    return FlagError("min_crop_area", FLAGS_min_crop_area, "must be in (0, 1]");
  }
  if (!(FLAGS_color_jitter >= 0 && FLAGS_color_jitter < 1)) {
    return FlagError("color_jitter", FLAGS_color_jitter, "must be in [0, 1)");
  }
  if (!(FLAGS_max_rotation >= 0 && FLAGS_max_rotation <= 180)) {
    return FlagError("max_rotation", FLAGS_max_rotation, "must be in [0, 180]");
  }
  if (!(FLAGS_erase_probability >= 0 && FLAGS_erase_probability <= 1)) {
    return FlagError("erase_probability", FLAGS_erase_probability, "must be in [0, 1]");
  }

  absl::StatusOr<train::Optimizer> optimizer = train::ParseOptimizer(FLAGS_optimizer);
  if (!optimizer.ok()) return FlagError("optimizer", FLAGS_optimizer, optimizer.status().message());
  absl::StatusOr<train::Schedule> schedule = train::ParseSchedule(FLAGS_schedule);
  if (!schedule.ok()) return FlagError("schedule", FLAGS_schedule, schedule.status().message());
  FACEREC_ASSIGN_OR_RETURN(c.train.step_milestones,
                           ParseDoubleList("step_milestones", FLAGS_step_milestones));
  c.train.optimizer = *optimizer;
  c.train.schedule = *schedule;
  c.train.epochs = FLAGS_epochs;
  c.train.lr = FLAGS_lr;
  c.train.momentum = FLAGS_momentum;
  c.train.weight_decay = FLAGS_weight_decay;
  c.train.warmup_epochs = FLAGS_warmup_epochs;
  c.train.min_lr = FLAGS_min_lr;
  c.train.margin_warmup_epochs = FLAGS_margin_warmup_epochs;
  c.train.bf16_autocast = FLAGS_bf16;
  c.train.seed = static_cast<uint64_t>(FLAGS_seed);
  if (FLAGS_adversarial_steps < 0) {
    return FlagError("adversarial_steps", FLAGS_adversarial_steps, "must be >= 0 (0 = clean training)");
  }
  if (!(FLAGS_adversarial_epsilon >= 0 && FLAGS_adversarial_epsilon <= 255)) {
    return FlagError("adversarial_epsilon", FLAGS_adversarial_epsilon, "must be in [0, 255] grey levels");
  }
  c.train.adversarial_steps = FLAGS_adversarial_steps;
  c.train.adversarial_epsilon = FLAGS_adversarial_epsilon / 255;
  // Train option fields are named like their flags.
  if (absl::Status s = train::ValidateTrainOptions(c.train); !s.ok()) {
    const std::string m(s.message());
    return AsFlagError(m.substr(0, m.find('=')), s);
  }
  c.train_on_val = FLAGS_train_on_val;
  c.validate_every = FLAGS_validate_every;
  c.loader_workers = FLAGS_loader_workers;
  c.seed = FLAGS_seed;
  if (FLAGS_validate_every < 1) {
    return FlagError("validate_every", FLAGS_validate_every, "must be >= 1");
  }
  if (FLAGS_loader_workers < 1 || FLAGS_loader_workers > 64) {
    return FlagError("loader_workers", FLAGS_loader_workers, "must be in [1, 64]");
  }
  if (FLAGS_seed < 0) return FlagError("seed", FLAGS_seed, "must be >= 0");
  c.distillation.teachers = SplitFlagList(FLAGS_teachers);
  c.distillation.combination = FLAGS_teacher_combination;
  c.distillation.options.kind = FLAGS_distillation;
  c.distillation.options.weight = FLAGS_distillation_weight;
  if (FLAGS_teacher_combination != "concatenate" && FLAGS_teacher_combination != "average") {
    return FlagError("teacher_combination", FLAGS_teacher_combination, "allowed: concatenate, average");
  }
  const std::vector<std::string> kinds = losses::KnownDistillationKinds();
  if (std::find(kinds.begin(), kinds.end(), FLAGS_distillation) == kinds.end()) {
    return FlagError("distillation", FLAGS_distillation, absl::StrCat("allowed: ", absl::StrJoin(kinds, ", ")));
  }
  if (!(FLAGS_distillation_weight >= 0 && FLAGS_distillation_weight <= 1e4)) {
    return FlagError("distillation_weight", FLAGS_distillation_weight, "must be in [0, 10000]");
  }
  return c;
}

absl::Status ApplyEntryLayers(FlagLayers& layers, const std::string& entry) {
  if (layers.Has(entry)) FACEREC_RETURN_IF_ERROR(layers.Apply({entry}));
  const std::string base = FLAGS_base_loss;
  if (!base.empty() && base != entry && layers.Has(base)) FACEREC_RETURN_IF_ERROR(layers.Apply({base, entry}));
  return absl::OkStatus();
}

std::map<std::string, std::string> RecognitionParams(const RecognitionConfig& c) {
  // Keyed by flag name, so a run's params read like the command that made
  // it; valued from the options, so they say what the run used.
  const losses::LossOptions loss = losses::ResolvedLossOptions(c.loss);
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  auto n = [](auto v) { return absl::StrCat(v); };
  std::map<std::string, std::string> params = {
      {"backbone", c.backbone.name},
      {"embedding_size", n(c.backbone.embedding_size)},
      {"input_height", n(c.backbone.input_height)},
      {"input_width", n(c.backbone.input_width)},
      {"width_multiplier", n(c.backbone.width_multiplier)},
      {"dropout", n(c.backbone.dropout)},
      {"stem_stride", n(c.backbone.stem_stride)},
      {"epochs", n(c.train.epochs)},
      {"batch_size", n(c.sampler.batch_size)},
      {"pk_identities", n(c.sampler.identities_per_batch)},
      {"pk_images", n(c.sampler.images_per_identity)},
      {"optimizer", train::OptimizerName(c.train.optimizer)},
      {"lr", n(c.train.lr)},
      {"momentum", n(c.train.momentum)},
      {"weight_decay", n(c.train.weight_decay)},
      {"schedule", train::ScheduleName(c.train.schedule)},
      {"warmup_epochs", n(c.train.warmup_epochs)},
      {"min_lr", n(c.train.min_lr)},
      {"step_milestones", absl::StrJoin(c.train.step_milestones, ",")},
      {"label_smoothing", n(loss.label_smoothing)},
      {"scale", n(loss.scale)},
      {"m1", n(loss.m1)},
      {"m2", n(loss.m2)},
      {"m3", n(loss.m3)},
      {"subcenters", n(loss.subcenters)},
      {"margin_warmup_epochs", n(c.train.margin_warmup_epochs)},
      {"triplet_margin", n(loss.triplet_margin)},
      {"triplet_mining", loss.triplet_mining},
      {"augment", b(c.augment.enabled)},
      {"min_crop_area", n(c.augment.min_area)},
      {"color_jitter", n(c.augment.brightness)},
      {"max_rotation", n(c.augment.max_rotation_degrees)},
      {"erase_probability", n(c.augment.erase_probability)},
      {"eval_flip", b(c.augment.flip_test)},
      {"adversarial_steps", n(c.train.adversarial_steps)},
      {"adversarial_epsilon", n(c.train.adversarial_epsilon * 255)},
      {"train_on_val", b(c.train_on_val)},
      {"validate_every", n(c.validate_every)},
      {"loader_workers", n(c.loader_workers)},
      {"seed", n(c.seed)},
  };
  // Only the losses that use it record it: every other run's config hash,
  // and so its checkpoint, stays what it was.
  if (losses::IsElasticLoss(loss.name)) params["elastic_sigma"] = n(loss.elastic_sigma);
  if (loss.center_loss_weight > 0) params["center_loss_weight"] = n(loss.center_loss_weight);
  // Recorded when on: it changes the numerics, and float32 runs keep their hashes.
  if (c.train.bf16_autocast) params["bf16"] = "true";
  // A student records how it was distilled; the teachers themselves are
  // recorded by their sha256 where they are resolved (teachers_sha256).
  if (!c.distillation.teachers.empty()) {
    params["distillation"] = c.distillation.options.kind;
    params["distillation_weight"] = n(c.distillation.options.weight);
    params["teacher_combination"] = c.distillation.combination;
  }
  return params;
}

}  // namespace facerec::experiment
