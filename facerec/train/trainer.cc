#include "facerec/train/trainer.h"

#include "facerec/train/cpu_autocast.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/attacks/attacks.h"
#include "facerec/core/progress.h"
#include "facerec/core/status_macros.h"
#include "glog/logging.h"

namespace facerec::train {
void SetLearningRate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

TrainOptions CosineSchedule(int epochs, double lr, double warmup_epochs) {
  TrainOptions schedule;
  schedule.epochs = epochs;
  schedule.lr = lr;
  schedule.schedule = Schedule::kCosine;
  schedule.warmup_epochs = warmup_epochs;
  return schedule;
}

namespace {

std::vector<torch::Tensor> Parameters(const backbones::Backbone& backbone,
                                      const losses::Loss& loss) {
  std::vector<torch::Tensor> params = backbone->parameters();
  for (const torch::Tensor& p : loss->parameters()) params.push_back(p);
  return params;
}

// The training time of the checkpoint at `checkpoint`, in seconds, as text.
std::string SecondsPath(const std::string& checkpoint) { return checkpoint + ".seconds"; }

}  // namespace

void SaveOptimizerState(const torch::optim::Optimizer& optimizer,
                        const std::vector<torch::Tensor>& params,
                        torch::serialize::OutputArchive& archive) {
  for (size_t i = 0; i < params.size(); ++i) {
    const auto it = optimizer.state().find(c10::guts::to_string(params[i].unsafeGetTensorImpl()));
    if (it == optimizer.state().end()) continue;  // No step has touched it yet.
    torch::serialize::OutputArchive state;
    it->second->serialize(state);
    archive.write(absl::StrCat("param_", i), state);
  }
}

void LoadOptimizerState(Optimizer kind, const std::vector<torch::Tensor>& params,
                        torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer) {
  for (size_t i = 0; i < params.size(); ++i) {
    torch::serialize::InputArchive saved;
    if (!archive.try_read(absl::StrCat("param_", i), saved)) continue;
    std::unique_ptr<torch::optim::OptimizerParamState> state;
    if (kind == Optimizer::kSgd) {
      state = std::make_unique<torch::optim::SGDParamState>();
    } else {
      state = std::make_unique<torch::optim::AdamWParamState>();
    }
    state->serialize(saved);
    optimizer.state()[c10::guts::to_string(params[i].unsafeGetTensorImpl())] = std::move(state);
  }
}

absl::Status SaveNetCheckpoint(const std::string& path, const torch::nn::Module& net,
                               const torch::optim::AdamW& optimizer, int next_epoch,
                               int64_t global_step) {
  if (path.empty()) return absl::OkStatus();
  const std::string temporary = path + ".tmp";
  try {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    torch::serialize::OutputArchive archive, model, state;
    net.save(model);
    SaveOptimizerState(optimizer, net.parameters(), state);  // The same bytes for the same state.
    archive.write("model", model);
    archive.write("optimizer_state", state);
    archive.write("next_epoch", torch::tensor(static_cast<int64_t>(next_epoch)));
    archive.write("global_step", torch::tensor(global_step));
    archive.save_to(temporary);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("writing checkpoint ", temporary, ": ", e.what()));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);  // Atomic on one filesystem.
  if (error) return absl::InternalError(absl::StrCat("renaming ", temporary, ": ", error.message()));
  return absl::OkStatus();
}

absl::Status ResumeFromNetCheckpoint(const std::string& path, torch::nn::Module& net,
                                     torch::optim::AdamW& optimizer, torch::Device device,
                                     tracking::Run* run, int* next_epoch, int64_t* global_step) {
  if (path.empty() || !std::filesystem::exists(path)) return absl::OkStatus();
  try {
    torch::serialize::InputArchive archive, model, state;
    archive.load_from(path, device);
    archive.read("model", model);
    net.load(model);
    if (archive.try_read("optimizer_state", state)) {
      LoadOptimizerState(Optimizer::kAdamW, net.parameters(), state, optimizer);
    } else {  // A checkpoint from before the state was kept by parameter order.
      archive.read("optimizer", state);
      optimizer.load(state);
    }
    torch::Tensor epoch, step;
    archive.read("next_epoch", epoch);
    archive.read("global_step", step);
    *next_epoch = static_cast<int>(epoch.item<int64_t>());
    *global_step = step.item<int64_t>();
  } catch (const std::exception& e) {
    return absl::DataLossError(
        absl::StrCat("cannot resume from ", path, ": ", e.what(), " (delete it to start over)"));
  }
  LOG(INFO) << "resuming from " << path << " at epoch " << *next_epoch + 1 << ", step " << *global_step;
  if (run != nullptr) return run->SetTag("resumed_from_epoch", absl::StrCat(*next_epoch));
  return absl::OkStatus();
}


absl::StatusOr<Optimizer> ParseOptimizer(absl::string_view name) {
  if (name == "sgd") return Optimizer::kSgd;
  if (name == "adamw") return Optimizer::kAdamW;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown optimizer '", name, "'; allowed: sgd, adamw"));
}

absl::StatusOr<Schedule> ParseSchedule(absl::string_view name) {
  if (name == "cosine") return Schedule::kCosine;
  if (name == "step") return Schedule::kStep;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown schedule '", name, "'; allowed: cosine, step"));
}

const char* OptimizerName(Optimizer optimizer) {
  return optimizer == Optimizer::kSgd ? "sgd" : "adamw";
}

const char* ScheduleName(Schedule schedule) {
  return schedule == Schedule::kCosine ? "cosine" : "step";
}

absl::Status ValidateTrainOptions(const TrainOptions& o) {
  auto bad = [](absl::string_view field, double value, absl::string_view allowed) {
    return absl::InvalidArgumentError(absl::StrCat(field, "=", value, ": ", allowed));
  };
  if (o.epochs < 1) return bad("epochs", o.epochs, "must be at least 1");
  if (!(o.lr > 0) || !std::isfinite(o.lr)) return bad("lr", o.lr, "must be a positive number");
  if (!(o.momentum >= 0 && o.momentum < 1)) return bad("momentum", o.momentum, "must be in [0, 1)");
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay)) {
    return bad("weight_decay", o.weight_decay, "must be >= 0");
  }
  if (!(o.warmup_epochs >= 0 && o.warmup_epochs <= o.epochs)) {
    return bad("warmup_epochs", o.warmup_epochs, "must be in [0, epochs]");
  }
  if (!(o.min_lr >= 0 && o.min_lr <= o.lr)) return bad("min_lr", o.min_lr, "must be in [0, lr]");
  if (o.bf16_autocast && !o.device.is_cpu()) {
    return absl::InvalidArgumentError("bf16_autocast: CPU autocast only; the device is not the CPU");
  }
  if (!(o.margin_warmup_epochs >= 0) || !std::isfinite(o.margin_warmup_epochs)) {
    return bad("margin_warmup_epochs", o.margin_warmup_epochs, "must be >= 0");
  }
  for (double m : o.step_milestones) {
    if (!(m >= 0) || !std::isfinite(m)) return bad("step_milestones", m, "must be epochs >= 0");
  }
  if (!(o.step_gamma > 0)) return bad("step_gamma", o.step_gamma, "must be positive");
  if (o.adversarial_steps < 0) return bad("adversarial_steps", o.adversarial_steps, "must be >= 0");
  if (!(o.adversarial_epsilon >= 0 && o.adversarial_epsilon <= 1)) {
    return bad("adversarial_epsilon", o.adversarial_epsilon, "must be in [0, 1] (pixel units)");
  }
  return absl::OkStatus();
}

bool IsValidationEpoch(int epoch, int every, int epochs) {
  return (epoch + 1) % std::max(1, every) == 0 || epoch + 1 == epochs;
}

double LearningRate(const TrainOptions& o, int64_t step, int64_t steps_per_epoch) {
  const double epoch = static_cast<double>(step) / steps_per_epoch;
  if (o.warmup_epochs > 0 && epoch < o.warmup_epochs) {
    return o.lr * (step + 1) / (o.warmup_epochs * steps_per_epoch);
  }
  if (o.schedule == Schedule::kStep) {
    double lr = o.lr;
    for (double milestone : o.step_milestones) lr *= epoch >= milestone ? o.step_gamma : 1.0;
    return lr;
  }
  const double span = std::max(1e-9, o.epochs - o.warmup_epochs);
  const double progress = std::min(1.0, (epoch - o.warmup_epochs) / span);
  return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(M_PI * progress));
}

Trainer::Trainer(backbones::Backbone backbone, losses::Loss loss, data::BatchLoader* loader,
                 const TrainOptions& options, tracking::Run* run)
    : backbone_(std::move(backbone)),
      loss_(std::move(loss)),
      loader_(loader),
      options_(options),
      run_(run) {
  backbone_->to(options.device);
  loss_->to(options.device);
  const std::vector<torch::Tensor> params = Parameters(backbone_, loss_);
  if (options.optimizer == Optimizer::kSgd) {
    optimizer_ = std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(options.lr)
                    .momentum(options.momentum)
                    .weight_decay(options.weight_decay));
  } else {
    optimizer_ = std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay));
  }
}

absl::Status Trainer::SaveCheckpoint(int next_epoch, int64_t global_step, double seconds_training) {
  if (options_.checkpoint_path.empty()) return absl::OkStatus();
  const std::string tmp = options_.checkpoint_path + ".tmp";
  try {
    torch::serialize::OutputArchive archive, model, loss, optimizer;
    backbone_->save(model);
    loss_->save(loss);
    SaveOptimizerState(*optimizer_, Parameters(backbone_, loss_), optimizer);
    archive.write("model", model);
    archive.write("loss", loss);
    archive.write("optimizer_state", optimizer);
    archive.write("next_epoch", torch::tensor(static_cast<int64_t>(next_epoch)));
    archive.write("global_step", torch::tensor(global_step));
    std::filesystem::create_directories(std::filesystem::path(tmp).parent_path());
    archive.save_to(tmp);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("writing checkpoint ", tmp, ": ", e.what()));
  }
  std::error_code error;
  std::filesystem::rename(tmp, options_.checkpoint_path, error);  // Atomic on one filesystem.
  if (error) {
    return absl::InternalError(absl::StrCat("renaming ", tmp, ": ", error.message()));
  }
  // The time lives beside the checkpoint, not in it: the checkpoint holds
  // only what the numbers depend on, so two runs of one record are equal
  // byte for byte. Written after the rename: a crash in between costs the
  // time of one epoch in the report, never the checkpoint.
  const std::string seconds_path = SecondsPath(options_.checkpoint_path);
  {
    std::ofstream out(seconds_path + ".tmp", std::ios::trunc);
    out << absl::StrFormat("%.3f\n", seconds_training);
    if (!out) return absl::InternalError(absl::StrCat("writing ", seconds_path, ".tmp"));
  }
  std::filesystem::rename(seconds_path + ".tmp", seconds_path, error);
  if (error) {
    return absl::InternalError(absl::StrCat("renaming ", seconds_path, ".tmp: ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status Trainer::LoadCheckpoint(int* next_epoch, int64_t* global_step) {
  try {
    torch::serialize::InputArchive archive, model, loss, optimizer;
    archive.load_from(options_.checkpoint_path, options_.device);
    archive.read("model", model);
    archive.read("loss", loss);
    backbone_->load(model);
    loss_->load(loss);
    if (archive.try_read("optimizer_state", optimizer)) {
      LoadOptimizerState(options_.optimizer, Parameters(backbone_, loss_), optimizer, *optimizer_);
    } else {  // A checkpoint from before the state was kept by parameter order.
      archive.read("optimizer", optimizer);
      optimizer_->load(optimizer);
    }
    torch::Tensor epoch, step;
    archive.read("next_epoch", epoch);
    archive.read("global_step", step);
    *next_epoch = static_cast<int>(epoch.item<int64_t>());
    *global_step = step.item<int64_t>();
    // Checkpoints written before the time moved out kept it inside.
    torch::Tensor seconds;
    seconds_before_ = archive.try_read("seconds_training", seconds) ? seconds.item<double>() : 0;
    std::ifstream seconds_file(SecondsPath(options_.checkpoint_path));
    if (double recorded = 0; seconds_file >> recorded) seconds_before_ = recorded;
  } catch (const std::exception& e) {
    return absl::DataLossError(
        absl::StrCat("cannot resume from ", options_.checkpoint_path, ": ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status Trainer::LoadInitialWeights() {
  try {
    torch::serialize::InputArchive archive, model, loss;
    archive.load_from(options_.init_checkpoint_path, options_.device);
    archive.read("model", model);
    archive.read("loss", loss);
    backbone_->load(model);
    loss_->load(loss);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("cannot start from the weights in ",
                                                   options_.init_checkpoint_path, ": ", e.what()));
  }
  return absl::OkStatus();
}

absl::StatusOr<torch::Tensor> Trainer::AdversarialImages(const torch::Tensor& x, const torch::Tensor& y,
                                                         const torch::Tensor& rows, int64_t global_step) {
  attacks::AttackOptions attack;
  attack.method = attacks::AttackMethod::kPgd;
  attack.epsilon = options_.adversarial_epsilon;
  attack.steps = options_.adversarial_steps;
  attack.seed = options_.seed * 1000003ULL + static_cast<uint64_t>(global_step);
  backbone_->eval();
  loss_->eval();
  absl::StatusOr<torch::Tensor> adversarial = attacks::AscendInBall(
      [&](const torch::Tensor& images) { return loss_->ForwardRows(backbone_->forward(images), y, rows).loss; }, x,
      attack);
  backbone_->train();
  loss_->train();
  // The attack's gradients reach the weights too; the step must not see them.
  optimizer_->zero_grad();
  return adversarial;
}

absl::Status Trainer::StartRanksAlike(int* epoch, int64_t* global_step) {
  DataParallel& dp = *options_.data_parallel;
  FACEREC_ASSIGN_OR_RETURN(const auto rows, dp.Shard(loader_->BatchSize()));
  loader_->KeepRows(rows.first, rows.second);
  // Where to start is rank 0's: a rank that found no checkpoint (or another
  // one) would otherwise train other steps and the collectives would pair
  // wrong batches.
  torch::Tensor position = torch::tensor({static_cast<int64_t>(*epoch), *global_step});
  const torch::Tensor mine = position.clone();
  FACEREC_RETURN_IF_ERROR(dp.Broadcast({position}));
  if (!torch::equal(position, mine)) {
    // Its optimiser state (momentum) would differ from rank 0's, and the
    // ranks' weights with it.
    return absl::FailedPreconditionError(absl::StrCat(
        "data parallel rank ", dp.rank(), ": rank 0 starts at epoch ", position[0].item<int64_t>() + 1,
        ", this rank at epoch ", *epoch + 1, " (its checkpoint ", options_.checkpoint_path,
        "); every rank must see rank 0's checkpoint: share the artifacts directory"));
  }
  *epoch = static_cast<int>(position[0].item<int64_t>());
  *global_step = position[1].item<int64_t>();
  std::vector<torch::Tensor> state = backbone_->parameters();
  for (const torch::Tensor& t : backbone_->buffers()) state.push_back(t);
  for (const torch::Tensor& t : loss_->parameters()) state.push_back(t);
  for (const torch::Tensor& t : loss_->buffers()) state.push_back(t);
  return dp.Broadcast(state);
}

absl::Status Trainer::Train(const EpochCallback& after_epoch) {
  FACEREC_RETURN_IF_ERROR(ValidateTrainOptions(options_));
  const int64_t steps_per_epoch = loader_->BatchesPerEpoch();
  if (steps_per_epoch == 0) return absl::InvalidArgumentError("fewer images than one batch");
  int epoch = 0;
  int64_t global_step = 0;
  DataParallel* dp = options_.data_parallel;
  const bool primary = dp == nullptr || dp->is_primary();
  if (!options_.resume && primary && !options_.checkpoint_path.empty()) {
    std::error_code error;
    std::filesystem::remove(SecondsPath(options_.checkpoint_path), error);  // Its time, if any.
    std::filesystem::remove(options_.checkpoint_path, error);
    if (error) {
      return absl::PermissionDeniedError(absl::StrCat("cannot delete the old checkpoint ",
                                                      options_.checkpoint_path, ": ", error.message()));
    }
  }
  if (options_.resume && !options_.checkpoint_path.empty() &&
      std::filesystem::exists(options_.checkpoint_path)) {
    FACEREC_RETURN_IF_ERROR(LoadCheckpoint(&epoch, &global_step));
    LOG(INFO) << "resuming from " << options_.checkpoint_path << " at epoch " << epoch + 1
              << ", step " << global_step;
    if (run_ != nullptr) {
      FACEREC_RETURN_IF_ERROR(run_->SetTag("resumed_from_epoch", absl::StrCat(epoch)));
    }
  } else if (!options_.init_checkpoint_path.empty()) {
    FACEREC_RETURN_IF_ERROR(LoadInitialWeights());
    LOG(INFO) << "starting from the weights in " << options_.init_checkpoint_path;
  }
  if (dp != nullptr && dp->world_size() > 1) {
    FACEREC_RETURN_IF_ERROR(StartRanksAlike(&epoch, &global_step));
  }
  start_epoch_ = epoch;
  if (epoch > 0 && after_epoch) FACEREC_RETURN_IF_ERROR(after_epoch(epoch - 1));
  const int64_t total_steps = static_cast<int64_t>(options_.epochs) * steps_per_epoch;
  ProgressMeter meter("train", total_steps, "step", options_.progress_interval_seconds,
                      /*done_before=*/global_step);
  int64_t steps_this_process = 0;
  const auto started = std::chrono::steady_clock::now();
  // These weights' training time: the resumed checkpoint's plus this process's.
  const auto seconds_trained = [&] {
    return seconds_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  for (; epoch < options_.epochs; ++epoch) {
    torch::manual_seed(static_cast<uint64_t>(options_.seed) * 1000003ULL + epoch);
    backbone_->train();
    loss_->train();
    double loss_sum = 0;
    int64_t images = 0;
    const auto epoch_start = std::chrono::steady_clock::now();
    for (int64_t b = 0; b < steps_per_epoch; ++b, ++global_step) {
      if (options_.stop_after_steps > 0 && steps_this_process == options_.stop_after_steps) {
        return absl::AbortedError("stopped by stop_after_steps (test hook)");
      }
      ++steps_this_process;
      const double lr = LearningRate(options_, global_step, steps_per_epoch);
      SetLearningRate(*optimizer_, lr);
      if (options_.margin_warmup_epochs > 0) {
        loss_->SetMarginScale(std::min(
            1.0, static_cast<double>(global_step) / (options_.margin_warmup_epochs * steps_per_epoch)));
      }
      data::Batch batch = loader_->Get(epoch, b);
      torch::Tensor x = batch.images.to(options_.device);
      const torch::Tensor y = batch.labels.to(options_.device);
      const torch::Tensor rows = batch.rows.to(options_.device);
      if (options_.adversarial_steps > 0) {
        FACEREC_ASSIGN_OR_RETURN(x, AdversarialImages(x, y, rows, global_step));
      }
      optimizer_->zero_grad();
      torch::Tensor embeddings;
      {
        CpuAutocast bf16(options_.bf16_autocast);
        embeddings = backbone_->forward(x);
      }
      losses::LossOutput out = loss_->ForwardRows(embeddings.to(torch::kFloat32), y, rows);
      const double value = out.loss.item<double>();
      if (run_ != nullptr) {
        FACEREC_RETURN_IF_ERROR(run_->LogMetric("train/loss", global_step, value));
        FACEREC_RETURN_IF_ERROR(run_->LogMetric("train/lr", global_step, lr));
        for (const auto& [name, part] : out.parts) {
          FACEREC_RETURN_IF_ERROR(run_->LogMetric("train/" + name, global_step, part.item<double>()));
        }
        if (out.active_fraction >= 0) {
          FACEREC_RETURN_IF_ERROR(
              run_->LogMetric("train/active_triplets", global_step, out.active_fraction));
        }
      }
      if (!std::isfinite(value)) {
        return absl::DataLossError(absl::StrFormat(
            "non-finite loss (%f) at epoch %d, step %d; training stopped, last good checkpoint: %s",
            value, epoch + 1, global_step,
            options_.checkpoint_path.empty() ? "(none)" : options_.checkpoint_path));
      }
      out.loss.backward();
      if (dp != nullptr) {
        std::vector<torch::Tensor> parameters = backbone_->parameters();
        for (const torch::Tensor& p : loss_->parameters()) parameters.push_back(p);
        FACEREC_RETURN_IF_ERROR(dp->AverageGradients(parameters));
      }
      optimizer_->step();
      loss_sum += value;
      images += x.size(0) * (dp != nullptr ? dp->world_size() : 1);  // The job's images, not this rank's.
      meter.Update(global_step + 1,
                   absl::StrFormat("epoch %d/%d loss %.4f lr %.4g", epoch + 1, options_.epochs,
                                   value, lr));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    LOG(INFO) << absl::StrFormat("epoch %d/%d: mean loss %.4f, %.1f img/s", epoch + 1,
                                 options_.epochs, loss_sum / steps_per_epoch, images / seconds);
    if (run_ != nullptr) {
      FACEREC_RETURN_IF_ERROR(run_->LogMetric("train/epoch_loss", epoch, loss_sum / steps_per_epoch));
      FACEREC_RETURN_IF_ERROR(run_->LogMetric("train/images_per_second", epoch, images / seconds));
    }
    if (primary) FACEREC_RETURN_IF_ERROR(SaveCheckpoint(epoch + 1, global_step, seconds_trained()));
    if (after_epoch) FACEREC_RETURN_IF_ERROR(after_epoch(epoch));
  }
  meter.Finish();
  seconds_training_ = seconds_trained();
  backbone_->eval();
  loss_->eval();
  return absl::OkStatus();
}

}  // namespace facerec::train
