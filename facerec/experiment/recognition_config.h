// The recognition experiments' flags, mapped once onto the option structs
// they configure: backbone, loss, sampler, augmentation and training. Every
// flag's default is its option field's default; experiments layer their
// choices on top (experiments/configs/*.flags, flag_layers.h).
//
//   FACEREC_ASSIGN_OR_RETURN(RecognitionConfig config, RecognitionConfigFromFlags("arcface"));
//   FACEREC_ASSIGN_OR_RETURN(backbones::Backbone net, backbones::MakeBackbone(config.backbone));
//   config.loss.num_classes = data.num_classes;
//   std::map<std::string, std::string> params = RecognitionParams(config);  // what the run records
//
// Flags defined here (see --help for each): backbone, embedding_size,
// input_height, input_width, width_multiplier, dropout, stem_stride; epochs,
// batch_size, pk_identities, pk_images, optimizer, lr, momentum,
// weight_decay, schedule, warmup_epochs, min_lr, step_milestones;
// label_smoothing, scale, m1, m2, m3, subcenters, margin_warmup_epochs,
// triplet_margin, triplet_mining; adversarial_steps, adversarial_epsilon;
// augment, min_crop_area, color_jitter,
// max_rotation, erase_probability, eval_flip; train_on_val, validate_every,
// loader_workers, seed; base_loss; teachers, teacher_combination, distillation,
// distillation_weight.
#ifndef FACEREC_EXPERIMENT_RECOGNITION_CONFIG_H_
#define FACEREC_EXPERIMENT_RECOGNITION_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/backbones/backbone.h"
#include "facerec/data/face_batches.h"
#include "facerec/experiment/flag_layers.h"
#include "facerec/losses/distillation.h"
#include "facerec/losses/losses.h"
#include "facerec/train/trainer.h"

namespace facerec::experiment {

// Training a student towards teachers' embeddings (losses/distillation.h).
struct DistillationConfig {
  // The teachers: each a recogniser file, a registry reference
  // (pipeline/model_choice.h) or the sha256 of a recogniser in the store.
  // Empty: no distillation (the default).
  std::vector<std::string> teachers;
  // How several teachers' embeddings combine (backbones/ensemble_net.h):
  // "concatenate" (default) or "average".
  std::string combination = "concatenate";
  losses::DistillationOptions options;
};

struct RecognitionConfig {
  backbones::BackboneOptions backbone;
  losses::LossOptions loss;  // num_classes is the data's: set it before MakeLoss.
  data::SamplerOptions sampler;
  data::AugmentOptions augment;
  train::TrainOptions train;  // seed and device set; checkpoint_path is the caller's.
  DistillationConfig distillation;
  // Train on train + val; validation and val accuracy then use test. Default false.
  bool train_on_val = false;
  // Validate every N epochs and after the last. Default 1.
  int validate_every = 1;
  // Threads preparing batches. Default 1: augmentation is cheap OpenCV work,
  // and a second worker only competes with training for 2 cores.
  int loader_workers = 1;
  int64_t seed = 1;
};

// The flags as options for entry `loss_name`: the loss of that name, or the
// loss --base_loss names when set (an entry such as "arcface_distilled" is a
// config layer that sets --base_loss=arcface and the distillation flags). Every value checked: the error
// names the flag, its value and what is allowed ("--optimizer=foo: unknown
// optimizer 'foo'; allowed: sgd, adamw"). Constraints that need the data
// (P x K against the identities) are checked by data::ValidateSampler.
absl::StatusOr<RecognitionConfig> RecognitionConfigFromFlags(const std::string& loss_name);

// Sets the flags for entry `entry` of an experiment's --losses from
// `layers`: the entry's own layer when there is one, and when that names a
// --base_loss with a layer of its own (a variant such as arcface_bf16), the
// base loss's layer first and the variant's lines over it; the command line
// wins over both (FlagLayers::Apply). Call inside a gflags::FlagSaver.
absl::Status ApplyEntryLayers(FlagLayers& layers, const std::string& entry);

// The params of a run: one per flag defined here, keyed by the flag's name and
// valued from `config` as the run uses it, the loss's defaults spelled out
// (losses::ResolvedLossOptions: an ArcFace run's --scale=0 is recorded as 64).
std::map<std::string, std::string> RecognitionParams(const RecognitionConfig& config);

}  // namespace facerec::experiment

#endif  // FACEREC_EXPERIMENT_RECOGNITION_CONFIG_H_
