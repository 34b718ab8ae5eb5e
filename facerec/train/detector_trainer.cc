#include "facerec/train/detector_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/progress.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"
#include "glog/logging.h"

namespace facerec::train {

absl::Status ValidateDetectorTrainOptions(const DetectorTrainOptions& o) {
  auto bad = [](const char* field, double value, const char* allowed) {
    return absl::InvalidArgumentError(absl::StrCat(field, "=", value, ": ", allowed));
  };
  if (o.epochs < 1) return bad("epochs", o.epochs, "must be at least 1");
  if (o.batch_size < 1) return bad("batch_size", o.batch_size, "must be at least 1");
  if (!(o.lr > 0) || !std::isfinite(o.lr)) return bad("lr", o.lr, "must be a positive number");
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay)) {
    return bad("weight_decay", o.weight_decay, "must be >= 0");
  }
  if (!(o.warmup_epochs >= 0) || !std::isfinite(o.warmup_epochs)) {
    return bad("warmup_epochs", o.warmup_epochs, "must be >= 0");
  }
  return detect::ValidateDetectorAugmentOptions(o.augment);
}

absl::Status TrainDetectorNet(detect::DetectorNet net,
                              const std::vector<detect::TrainingPhoto>& photos,
                              const DetectorTrainOptions& o, tracking::Run* run,
                              const EpochCallback& after_epoch) {
  FACEREC_RETURN_IF_ERROR(ValidateDetectorTrainOptions(o));
  const int64_t steps_per_epoch = static_cast<int64_t>(photos.size()) / o.batch_size;
  if (steps_per_epoch == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d training photos are fewer than one batch of %d", photos.size(), o.batch_size));
  }
  net->to(o.device);
  torch::optim::AdamW optimizer(
      net->parameters(), torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  const TrainOptions schedule = CosineSchedule(o.epochs, o.lr, o.warmup_epochs);
  int epoch = 0;
  int64_t global_step = 0;
  FACEREC_RETURN_IF_ERROR(ResumeFromNetCheckpoint(o.checkpoint_path, *net, optimizer, o.device, run,
                                                  &epoch, &global_step));
  const int size = o.augment.input_size;
  // Assignment runs on the CPU, the loss on the device: one copy of the cells each.
  const torch::Tensor cpu_cells = detect::DetectorCells(size, size);
  const torch::Tensor cells = cpu_cells.to(o.device);
  ProgressMeter meter("detector", o.epochs * steps_per_epoch, "step", o.progress_interval_seconds,
                      /*done_before=*/global_step);
  int64_t steps_this_process = 0;
  for (; epoch < o.epochs; ++epoch) {
    net->train();
    torch::manual_seed(o.seed * 1000003ULL + epoch);
    std::vector<size_t> order(photos.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 shuffle(o.seed * 7919ULL + epoch);
    std::shuffle(order.begin(), order.end(), shuffle);
    double loss_sum = 0;
    const auto epoch_start = std::chrono::steady_clock::now();
    for (int64_t b = 0; b < steps_per_epoch; ++b, ++global_step) {
      if (o.stop_after_steps > 0 && steps_this_process == o.stop_after_steps) {
        return absl::AbortedError("stopped by stop_after_steps (test hook)");
      }
      ++steps_this_process;
      std::vector<cv::Mat> images;
      std::vector<std::vector<detect::TrainingFace>> faces;
      std::vector<bool> reliable;
      for (int64_t i = 0; i < o.batch_size; ++i) {
        std::mt19937_64 rng(o.seed * 1000003ULL + static_cast<uint64_t>(global_step) * 4099ULL +
                            static_cast<uint64_t>(i));
        detect::DetectorSample s =
            detect::AugmentDetectorPhoto(photos[order[b * o.batch_size + i]], o.augment, &rng);
        images.push_back(std::move(s.rgb));
        faces.push_back(std::move(s.faces));
        reliable.push_back(s.background_reliable);
      }
      const torch::Tensor x = data::ImagesToBatch(images).to(o.device);
      const detect::DetectorTargets targets =
          detect::AssignDetectorTargets(faces, reliable, cpu_cells, o.loss);
      const double lr = LearningRate(schedule, global_step, steps_per_epoch);
      SetLearningRate(optimizer, lr);
      optimizer.zero_grad();
      const detect::DetectorLoss loss =
          detect::ComputeDetectorLoss(net->forward(x), targets, cells, o.loss);
      const double value = loss.total.item<double>();
      if (run != nullptr) {
        FACEREC_RETURN_IF_ERROR(run->LogMetric("train/loss", global_step, value));
        FACEREC_RETURN_IF_ERROR(run->LogMetric("train/score_loss", global_step, loss.score));
        FACEREC_RETURN_IF_ERROR(run->LogMetric("train/box_loss", global_step, loss.box));
        FACEREC_RETURN_IF_ERROR(run->LogMetric("train/point_loss", global_step, loss.points));
        FACEREC_RETURN_IF_ERROR(run->LogMetric("train/lr", global_step, lr));
      }
      if (!std::isfinite(value)) {
        return absl::DataLossError(absl::StrFormat(
            "non-finite detector loss (%f) at epoch %d, step %d; training stopped, last good "
            "checkpoint: %s",
            value, epoch + 1, global_step,
            o.checkpoint_path.empty() ? "(none)" : o.checkpoint_path));
      }
      loss.total.backward();
      optimizer.step();
      loss_sum += value;
      meter.Update(global_step + 1,
                   absl::StrFormat("epoch %d/%d loss %.3f (score %.3f box %.3f points %.3f) lr %.3g",
                                   epoch + 1, o.epochs, value, loss.score, loss.box, loss.points, lr));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    const double images_per_second = steps_per_epoch * o.batch_size / seconds;
    LOG(INFO) << absl::StrFormat("epoch %d/%d: mean loss %.4f, %.1f img/s", epoch + 1, o.epochs,
                                 loss_sum / steps_per_epoch, images_per_second);
    if (run != nullptr) {
      FACEREC_RETURN_IF_ERROR(run->LogMetric("train/epoch_loss", epoch, loss_sum / steps_per_epoch));
      FACEREC_RETURN_IF_ERROR(run->LogMetric("train/images_per_second", epoch, images_per_second));
    }
    FACEREC_RETURN_IF_ERROR(SaveNetCheckpoint(o.checkpoint_path, *net, optimizer, epoch + 1, global_step));
    if (after_epoch) FACEREC_RETURN_IF_ERROR(after_epoch(epoch));
  }
  meter.Finish();
  net->eval();
  return absl::OkStatus();
}

}  // namespace facerec::train
