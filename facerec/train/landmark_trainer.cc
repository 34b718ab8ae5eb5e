#include "facerec/train/landmark_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <torch/torch.h>

#include "absl/strings/str_format.h"
#include "facerec/core/progress.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"
#include "glog/logging.h"

namespace facerec::train {

absl::Status TrainLandmarkNet(align::LandmarkNet net,
                              const std::vector<align::LandmarkExample>& train,
                              const LandmarkTrainOptions& o, tracking::Run* run,
                              const EpochCallback& after_epoch) {
  const int64_t steps_per_epoch = static_cast<int64_t>(train.size()) / o.batch_size;
  if (steps_per_epoch == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d training faces are fewer than one batch of %d", train.size(), o.batch_size));
  }
  net->to(o.device);
  torch::optim::AdamW optimizer(
      net->parameters(), torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  const TrainOptions schedule = CosineSchedule(o.epochs, o.lr, o.warmup_epochs);
  int epoch = 0;
  int64_t global_step = 0;
  FACEREC_RETURN_IF_ERROR(ResumeFromNetCheckpoint(o.checkpoint_path, *net, optimizer, o.device, run,
                                                  &epoch, &global_step));
  const int size = net->options().input_size;
  ProgressMeter meter("landmarks", o.epochs * steps_per_epoch, "step", o.progress_interval_seconds,
                      /*done_before=*/global_step);
  int64_t steps_this_process = 0;
  for (; epoch < o.epochs; ++epoch) {
    net->train();
    torch::manual_seed(o.seed * 1000003ULL + epoch);
    std::vector<size_t> order(train.size());
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
      std::vector<cv::Mat> crops;
      std::vector<float> points;
      for (int64_t i = 0; i < o.batch_size; ++i) {
        const align::LandmarkExample& e = train[order[b * o.batch_size + i]];
        std::mt19937_64 rng(o.seed * 1000003ULL + static_cast<uint64_t>(global_step) * 4099ULL +
                            static_cast<uint64_t>(i));
        align::LandmarkSample s = align::MakeLandmarkSample(e.photo, e.points, e.box, size,
                                                            o.augment, &rng);
        crops.push_back(std::move(s.crop));
        for (const data::Point2& p : s.points) {
          points.push_back(static_cast<float>(p.x));
          points.push_back(static_cast<float>(p.y));
        }
      }
      const torch::Tensor x = data::ImagesToBatch(crops).to(o.device);
      const torch::Tensor y = torch::tensor(points).view({-1, 5, 2}).to(o.device);
      const double lr = LearningRate(schedule, global_step, steps_per_epoch);
      SetLearningRate(optimizer, lr);
      optimizer.zero_grad();
      const torch::Tensor loss = align::WingLoss(net->forward(x) * align::kWingLossCropSide,
                                                 y * align::kWingLossCropSide, o.wing_w, o.wing_epsilon);
      const double value = loss.item<double>();
      if (run != nullptr) {
        FACEREC_RETURN_IF_ERROR(run->LogMetric("train/loss", global_step, value));
        FACEREC_RETURN_IF_ERROR(run->LogMetric("train/lr", global_step, lr));
      }
      if (!std::isfinite(value)) {
        return absl::DataLossError(absl::StrFormat(
            "non-finite landmark loss (%f) at epoch %d, step %d; training stopped", value,
            epoch + 1, global_step));
      }
      loss.backward();
      optimizer.step();
      loss_sum += value;
      meter.Update(global_step + 1, absl::StrFormat("epoch %d/%d loss %.4f lr %.3g", epoch + 1,
                                                    o.epochs, value, lr));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    const double images_per_second = steps_per_epoch * o.batch_size / seconds;
    LOG(INFO) << absl::StrFormat("epoch %d/%d: mean loss %.4f, %.0f img/s", epoch + 1, o.epochs,
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
