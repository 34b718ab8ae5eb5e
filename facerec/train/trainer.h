// The training loop: optimiser, schedule, checkpoints with resume, a NaN/Inf
// guard, progress lines and per-step records in the experiment store.
//
//   TrainOptions options;                      // every field documents its default
//   options.epochs = 10;
//   options.checkpoint_path = "artifacts/run7/checkpoint.pt";
//   Trainer trainer(backbone, loss, &loader, options, run.get());
//   FACEREC_RETURN_IF_ERROR(trainer.Train());  // resumes if the checkpoint exists
//
// Checkpoints (written atomically at the end of every epoch) hold the
// backbone, the loss's parameters (classification heads), the optimiser's
// state (by parameter order: SaveOptimizerState), the next epoch and the
// global step, and nothing that depends on when or where they were written
// (the training time is kept beside them, in <checkpoint>.seconds), so two
// runs of one record write the same bytes. Everything random is a function
// of (seed, epoch, step) - batches (data/face_batches.h) and LibTorch's
// generator, reseeded at each epoch - so a run killed mid-epoch and resumed
// from its last checkpoint repeats the interrupted epoch exactly and ends with
// the same weights as an uninterrupted run. The thread count stays as the
// process started (--threads, recorded as param `threads`) whatever else runs
// on the machine: a float sum's order depends on it, so a run's weights,
// optimiser state and metrics are a function of its params, seed, thread
// count and the machine's kernels (core/numerics_facts.h), bit for bit,
// whether the machine was idle or busy. Waiting threads sleep after a short
// spin instead of burning a shared core (core/process.h), which keeps a run
// beside other work near its fair share without changing its numbers.
//
// With TrainOptions::adversarial_steps the batches are PGD images of
// themselves (attacks/attacks.h), for a net robust to small perturbations;
// with init_checkpoint_path training starts from another run's weights.
//
// A non-finite loss stops training with DataLossError naming the epoch and
// step; the last good checkpoint is left untouched.
//
// Thread-safety: not thread-safe; one Trainer per training run.
#ifndef FACEREC_TRAIN_TRAINER_H_
#define FACEREC_TRAIN_TRAINER_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "facerec/backbones/backbone.h"
#include "facerec/data/face_batches.h"
#include "facerec/losses/losses.h"
#include "facerec/tracking/run.h"
#include "facerec/train/data_parallel.h"

namespace facerec::train {

enum class Optimizer { kSgd, kAdamW };
enum class Schedule { kCosine, kStep };

// Names as users type them ("sgd", "adamw"; "cosine", "step"), and back.
// Parse errors say what is allowed: "unknown optimizer 'foo'; allowed: sgd, adamw".
absl::StatusOr<Optimizer> ParseOptimizer(absl::string_view name);
absl::StatusOr<Schedule> ParseSchedule(absl::string_view name);
const char* OptimizerName(Optimizer optimizer);
const char* ScheduleName(Schedule schedule);

struct TrainOptions {
  int epochs = 10;                  // Default 10; >= 1.
  Optimizer optimizer = Optimizer::kSgd;  // SGD with momentum, or AdamW. Default SGD.
  double lr = 0.1;                  // Peak learning rate. Default 0.1.
  double momentum = 0.9;            // SGD momentum. Default 0.9.
  double weight_decay = 5e-4;       // Default 5e-4 (SGD: L2; AdamW: decoupled).
  Schedule schedule = Schedule::kCosine;  // Default cosine.
  double warmup_epochs = 1;         // Linear warm-up from 0. Default 1.
  std::vector<double> step_milestones;  // step schedule: epochs where lr *= step_gamma.
  double step_gamma = 0.1;
  double min_lr = 0;                // Cosine floor. Default 0.
  double margin_warmup_epochs = 0;  // Margin scale 0 -> 1 over these epochs. Default 0.
  // The backbone's forward pass under CPU bfloat16 autocast (cpu_autocast.h);
  // the loss, the backward pass's accumulation and the weights stay float32.
  // CPU only. Default false.
  bool bf16_autocast = false;
  // PGD adversarial training (Madry et al. 2018): each batch is replaced by
  // the images within `adversarial_epsilon` of it (L∞, [0, 1] pixels) that
  // PGD from a random start, `adversarial_steps` steps of 2.5 ε / steps,
  // finds to raise the training loss; the step then trains on those, and
  // train/loss is their loss. The attack sees the net in eval mode (running
  // BatchNorm statistics, no dropout): it attacks the net as it is used, its
  // passes leave the running statistics alone, and each image's attack is
  // its own. It costs `adversarial_steps` extra forward and backward passes
  // per step. 0 trains on the clean images. Default 0.
  int adversarial_steps = 0;
  double adversarial_epsilon = 4.0 / 255;  // Default 4/255 (4 grey levels).
  uint64_t seed = 0;
  std::string checkpoint_path;      // Empty: no checkpoints, no resume.
  // Whether Train resumes from checkpoint_path when it exists. false: start
  // afresh; rank 0 (or the only process) deletes the old checkpoint first
  // and the other ranks never read it (it may be gone or going). Default true.
  bool resume = true;
  // Fine-tuning: the weights (backbone and loss, from a Trainer checkpoint)
  // to start from when there is no checkpoint to resume; optimiser state,
  // epoch and step start fresh. Empty: the weights the backbone and loss
  // were made with. Default empty.
  std::string init_checkpoint_path;
  double progress_interval_seconds = 10;
  torch::Device device = torch::kCPU;
  // Test hook: return (as if killed, no checkpoint) after this many steps of
  // this process. 0 = off.
  int64_t stop_after_steps = 0;
  // Data-parallel training (data_parallel.h), not owned: this rank trains on
  // its shard of every batch (the loader keeps only those rows) and the
  // ranks' gradients are averaged before each step; rank 0's weights (or
  // checkpoint) start every rank; only rank 0 writes checkpoints. The
  // recorded train/loss is rank 0's shard's. Null: one process. Default null.
  DataParallel* data_parallel = nullptr;
};

// OK, or InvalidArgumentError naming the first field out of range
// ("epochs=0: must be at least 1"). Trainer::Train checks it first.
absl::Status ValidateTrainOptions(const TrainOptions& options);

// The optimiser's state of each parameter, in the order of `params`, under
// names that do not depend on where the tensors live in memory: LibTorch's
// Optimizer::save keys each parameter's state by its address, which differs
// from run to run, so equal states would be written as different bytes.
// Parameters no step has touched have no state and are left out.
void SaveOptimizerState(const torch::optim::Optimizer& optimizer,
                        const std::vector<torch::Tensor>& params,
                        torch::serialize::OutputArchive& archive);
// Reads what SaveOptimizerState wrote into an optimiser of `kind` over the
// same `params`, in the same order.
void LoadOptimizerState(Optimizer kind, const std::vector<torch::Tensor>& params,
                        torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer);

// The epoch checkpoint of a training loop that owns one net and one AdamW
// optimiser (landmarks, detector): the net, the optimiser's state (by
// parameter order), the next epoch and the global step, written atomically
// (a temporary file, then a rename) so a kill leaves the previous checkpoint
// whole. Nothing in it depends on when or where it was written, so two runs
// of one configuration write the same bytes. An empty `path` writes nothing.
absl::Status SaveNetCheckpoint(const std::string& path, const torch::nn::Module& net,
                               const torch::optim::AdamW& optimizer, int next_epoch,
                               int64_t global_step);
// Resumes a training loop from `path` when that file exists: reads what
// SaveNetCheckpoint wrote into `net` and `optimizer` (made with the same
// shapes), sets the epoch and step to continue from, logs it and tags `run`
// (may be null) resumed_from_epoch. With `path` empty or absent it changes
// nothing. DataLossError naming the file when it cannot be read; `net` may
// then be half loaded and must not be used.
absl::Status ResumeFromNetCheckpoint(const std::string& path, torch::nn::Module& net,
                                     torch::optim::AdamW& optimizer, torch::Device device,
                                     tracking::Run* run, int* next_epoch, int64_t* global_step);

// Learning rate at `step` (0-based, counted over all epochs), with `steps_per_epoch`.
double LearningRate(const TrainOptions& options, int64_t step, int64_t steps_per_epoch);

// The cosine schedule with linear warm-up that LearningRate computes, as
// the options the other training loops (landmarks, detector) pass it.
TrainOptions CosineSchedule(int epochs, double lr, double warmup_epochs);

// Sets the learning rate of every parameter group of `optimizer`.
void SetLearningRate(torch::optim::Optimizer& optimizer, double lr);

// Called after each epoch with the epoch index (0-based); an error stops training.
using EpochCallback = std::function<absl::Status(int epoch)>;

// Whether an EpochCallback that validates should after epoch `epoch`
// (0-based) of `epochs`: every `every`-th epoch, and after the last.
bool IsValidationEpoch(int epoch, int every, int epochs);

class Trainer {
 public:
  // `run` may be null (no recording). Everything must outlive the Trainer.
  Trainer(backbones::Backbone backbone, losses::Loss loss, data::BatchLoader* loader,
          const TrainOptions& options, tracking::Run* run);

  // Trains from the checkpoint if there is one, calling `after_epoch` after
  // each epoch. Resumed, it first calls `after_epoch` for the checkpoint's
  // epoch again: the checkpoint is written before the callback, so a run
  // killed in between never ran it, and a resumed run records its own
  // metrics either way (a sweep ranks a resumed point by them; one resumed
  // after its last epoch trains nothing and would have none).
  absl::Status Train(const EpochCallback& after_epoch = nullptr);

  int start_epoch() const { return start_epoch_; }  // After Train: where it (re)started.
  // After Train: the seconds of training these weights took, over every
  // process that trained them (a resumed run adds the checkpoint's, so one
  // that only finds a finished checkpoint reports its training, not 0).
  // Checkpoints written before they kept it count from 0.
  double seconds_training() const { return seconds_training_; }

 private:
  absl::Status SaveCheckpoint(int next_epoch, int64_t global_step, double seconds_training);
  absl::Status LoadCheckpoint(int* next_epoch, int64_t* global_step);
  absl::Status LoadInitialWeights();
  // Data parallel: this rank's rows of each batch, and rank 0's start
  // (epoch, step, weights) on every rank.
  absl::Status StartRanksAlike(int* epoch, int64_t* global_step);
  // `x` moved by PGD to raise the loss (TrainOptions::adversarial_steps).
  absl::StatusOr<torch::Tensor> AdversarialImages(const torch::Tensor& x, const torch::Tensor& y,
                                                  const torch::Tensor& rows, int64_t global_step);

  backbones::Backbone backbone_;
  losses::Loss loss_;
  data::BatchLoader* loader_;
  const TrainOptions options_;
  tracking::Run* run_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  int start_epoch_ = 0;
  double seconds_training_ = 0;
  double seconds_before_ = 0;  // The resumed checkpoint's training time.
};

}  // namespace facerec::train

#endif  // FACEREC_TRAIN_TRAINER_H_
