// Trains our face detector (detect/detector_net.h) on augmented crops of the
// training photos (detect/detector_examples.h) with the detector loss
// (detect/detector_loss.h), recording per-step losses and learning rate.
//
//   DetectorTrainOptions options;             // every field documents its default
//   options.epochs = 40;
//   options.checkpoint_path = "artifacts/detector/x/checkpoint.pt";
//   FACEREC_RETURN_IF_ERROR(TrainDetectorNet(net, photos, options, run, validate));
//
// AdamW with the recognition trainer's cosine schedule and linear warm-up.
// Checkpoints (written atomically after every epoch) hold the net, the
// optimiser's state, the next epoch and the global step; a run restarted
// with the same checkpoint path resumes there. The photo order and every
// augmentation are functions of (seed, epoch, step), so a resumed run trains
// on what an uninterrupted one would have (bit-exact at a fixed thread count,
// as for the recogniser: train/trainer.h). A non-finite loss stops training
// with DataLossError naming the epoch and step; the last checkpoint stays.
//
// Thread-safety: trains `net` in place; nothing else may use it meanwhile.
#ifndef FACEREC_TRAIN_DETECTOR_TRAINER_H_
#define FACEREC_TRAIN_DETECTOR_TRAINER_H_

#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "facerec/detect/detector_examples.h"
#include "facerec/detect/detector_loss.h"
#include "facerec/detect/detector_net.h"
#include "facerec/tracking/run.h"
#include "facerec/train/trainer.h"

namespace facerec::train {

struct DetectorTrainOptions {
  int epochs = 40;              // Default 40 (the full preset's; quick uses fewer).
  int batch_size = 16;          // Default 16; the last partial batch of an epoch is dropped.
  double lr = 4e-3;             // AdamW peak learning rate. Default 4e-3.
  double weight_decay = 1e-3;   // Decoupled. Default 1e-3.
  double warmup_epochs = 1;     // Linear warm-up. Default 1.
  detect::DetectorAugmentOptions augment;
  detect::DetectorLossOptions loss;
  uint64_t seed = 0;
  c10::Device device = c10::kCPU;
  std::string checkpoint_path;  // Empty: no checkpoints, no resume.
  double progress_interval_seconds = 10;
  // Test hook: return AbortedError (as if killed) after this many steps of
  // this process. 0 = off.
  int64_t stop_after_steps = 0;
};

// InvalidArgumentError naming the first bad field.
absl::Status ValidateDetectorTrainOptions(const DetectorTrainOptions& options);

// `run` may be null (no recording). `after_epoch` runs after each epoch's
// checkpoint; its error stops training.
absl::Status TrainDetectorNet(detect::DetectorNet net,
                              const std::vector<detect::TrainingPhoto>& photos,
                              const DetectorTrainOptions& options, tracking::Run* run,
                              const EpochCallback& after_epoch = nullptr);

}  // namespace facerec::train

#endif  // FACEREC_TRAIN_DETECTOR_TRAINER_H_
