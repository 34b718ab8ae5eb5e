// Training-step throughput (forward + backward + SGD step, batch 64, CE head
// over 500 classes) for backbones at the sizes the presets use. The first
// case is the default (base.flags); benchmarks/train_step_peer.py is the same
// step in PyTorch-Python.
//
//   tools/bazel run //benchmarks:train_step_benchmark -- --benchmark_repetitions=3
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "facerec/backbones/backbone.h"
#include "facerec/losses/losses.h"
#include "facerec/train/cpu_autocast.h"
#include "glog/logging.h"
#include "tests/testing/competing_process.h"

namespace facerec {
namespace {

using testing::CompetingProcess;

// One training step of a backbone with a CE head over 500 classes, batch 64.
class Step {
 public:
  Step(const std::string& name, double width, int height, int input_width, int stem_stride) {
    torch::manual_seed(0);
    backbones::BackboneOptions options;
    options.name = name;
    options.width_multiplier = width;
    options.input_height = height;
    options.input_width = input_width;
    options.stem_stride = stem_stride;
    auto net = backbones::MakeBackbone(options);
    CHECK(net.ok()) << net.status();
    net_ = *net;
    losses::LossOptions loss_options;
    loss_options.name = "ce";
    loss_options.num_classes = 500;
    loss_options.embedding_size = options.embedding_size;
    auto loss = losses::MakeLoss(loss_options);
    CHECK(loss.ok());
    loss_ = *loss;
    std::vector<torch::Tensor> params = net_->parameters();
    for (const auto& p : loss_->parameters()) params.push_back(p);
    sgd_ = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(0.1).momentum(0.9));
    x_ = torch::rand({64, 3, height, input_width});
    y_ = torch::randint(500, {64}, torch::kInt64);
  }
  // `bf16`: the forward pass under CPU bfloat16 autocast, as --bf16 trains
  // (train/cpu_autocast.h); the loss on float32 embeddings.
  void Run(bool bf16 = false) {
    sgd_->zero_grad();
    torch::Tensor embeddings;
    {
      train::CpuAutocast autocast(bf16);
      embeddings = net_->forward(x_);
    }
    torch::Tensor l = loss_->forward(embeddings.to(torch::kFloat32), y_).loss;
    l.backward();
    sgd_->step();
  }

 private:
  backbones::Backbone net_;
  losses::Loss loss_;
  std::unique_ptr<torch::optim::SGD> sgd_;
  torch::Tensor x_, y_;
};

void TrainStep(benchmark::State& state, const std::string& name, double width, int height,
               int input_width, int stem_stride) {
  Step step(name, width, height, input_width, stem_stride);
  for (auto _ : state) step.Run();
  state.SetItemsProcessed(state.iterations() * 64);
}

// The same step with the forward pass in bfloat16 (--bf16).
void TrainStepBf16(benchmark::State& state, const std::string& name, double width, int height,
                   int input_width, int stem_stride) {
  Step step(name, width, height, input_width, stem_stride);
  for (auto _ : state) step.Run(/*bf16=*/true);
  state.SetItemsProcessed(state.iterations() * 64);
}

BENCHMARK_CAPTURE(TrainStepBf16, ir_mini_w050_64x56_stem2, "ir_mini", 0.5, 64, 56, 2)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(TrainStepBf16, ir18_w100_64x56_stem2, "ir18", 1.0, 64, 56, 2)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(TrainStepBf16, mobilefacenet_w100_64x56, "mobilefacenet", 1.0, 64, 56, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_CAPTURE(TrainStep, ir_mini_w050_64x56_stem2, "ir_mini", 0.5, 64, 56, 2)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(TrainStep, ir_mini_w050_64x56_stem1, "ir_mini", 0.5, 64, 56, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(TrainStep, ir_mini_w100_64x56_stem2, "ir_mini", 1.0, 64, 56, 2)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(TrainStep, ir18_w100_64x56_stem2, "ir18", 1.0, 64, 56, 2)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(TrainStep, ir18_w100_64x56_stem1, "ir18", 1.0, 64, 56, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(TrainStep, mobilefacenet_w100_64x56, "mobilefacenet", 1.0, 64, 56, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// The default net's step beside another process (tests/testing/competing_process.h),
// at the thread count the process started with (as every trainer runs), under the
// OpenMP waiting policy in the environment: run it with GOMP_SPINCOUNT or
// OMP_WAIT_POLICY set to compare policies (core/process.h chooses the default).
// Each case first trains 2 s beside the competitor.
void TrainStepBeside(benchmark::State& state, CompetingProcess::Kind kind) {
  Step step("ir_mini", 0.5, 64, 56, 2);  // The default net (experiments/configs/base.flags).
  CompetingProcess competitor(kind);
  const auto warm_up_end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < warm_up_end) step.Run();
  // Where the time goes: CPU seconds per step (a spinning wait burns them, a
  // descheduled peer does not) and context switches per step (each sleeping
  // wait at a barrier is one).
  struct rusage before {}, after {};
  getrusage(RUSAGE_SELF, &before);
  for (auto _ : state) step.Run();
  getrusage(RUSAGE_SELF, &after);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  const double steps = static_cast<double>(state.iterations());
  state.counters["cpu_s_per_step"] =
      (seconds(after.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_utime) -
       seconds(before.ru_stime)) / steps;
  state.counters["switches_per_step"] =
      (after.ru_nvcsw + after.ru_nivcsw - before.ru_nvcsw - before.ru_nivcsw) / steps;
  state.counters["threads"] = torch::get_num_threads();
  state.SetItemsProcessed(state.iterations() * 64);
}

// Fixed iterations: a step beside a busy process under libgomp's default
// spinning takes seconds.
#define FACEREC_BESIDE(name, kind)                                    \
  BENCHMARK_CAPTURE(TrainStepBeside, name, CompetingProcess::kind)      \
      ->Iterations(8)->Unit(benchmark::kMillisecond)->UseRealTime()
FACEREC_BESIDE(alone, kNone);
FACEREC_BESIDE(busy, kBusy);
FACEREC_BESIDE(lowest_priority, kLowestPriority);

}  // namespace
}  // namespace facerec
