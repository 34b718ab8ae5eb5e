// Training-step throughput (forward + backward + SGD step, batch 64, CE head
// over 500 classes) for backbones at the sizes the presets use. The first
// case is the default (base.flags); benchmarks/train_step_peer.py is the same
// step in PyTorch-Python.
//
//   tools/bazel run //benchmarks:train_step_benchmark -- --benchmark_repetitions=3
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "facerec/backbones/backbone.h"
#include "facerec/core/thread_governor.h"
#include "facerec/losses/losses.h"
#include "glog/logging.h"

namespace facerec {
namespace {

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
  void Run() {
    sgd_->zero_grad();
    torch::Tensor l = loss_->forward(net_->forward(x_), y_).loss;
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

// A CPU-bound process in a session of its own (so its own scheduling group:
// `nice` inside our group would not reach it), optionally at the lowest
// priority of its group (autogroup nice 19), as a background job would be.
class Competitor {
 public:
  enum Kind { kNone, kBusy, kLowestPriority };
  explicit Competitor(Kind kind) {
    if (kind == kNone) return;
    pid_ = fork();
    if (pid_ == 0) {
      setsid();
      if (kind == kLowestPriority) {
        if (FILE* f = std::fopen("/proc/self/autogroup", "w")) {
          std::fputs("19", f);
          std::fclose(f);
        }
        setpriority(PRIO_PROCESS, 0, 19);
      }
      volatile uint64_t spin = 0;
      for (;;) spin = spin + 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ~Competitor() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = -1;
};

// The default net's step beside a competitor, with the thread governor
// (core/thread_governor.h, what the trainers use) or without it (the
// threads fixed at start-up, as before it). Both first train for 2 s beside
// the competitor, so the governor has looked at the machine.
void TrainStepBeside(benchmark::State& state, Competitor::Kind kind, bool governed) {
  Step step("ir_mini", 0.5, 64, 56, 2);  // The default net (experiments/configs/base.flags).
  Competitor competitor(kind);
  ThreadGovernor::Options governor_options;
  governor_options.enabled = governed;
  ThreadGovernor governor(torch::get_num_threads(), governor_options);
  const auto warm_up_end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < warm_up_end) {
    governor.Tick();
    step.Run();
  }
  // Where the time goes: CPU seconds per step (a spinning wait burns them, a
  // descheduled peer does not) and context switches per step (each sleeping
  // wait at a barrier is one).
  struct rusage before {}, after {};
  getrusage(RUSAGE_SELF, &before);
  for (auto _ : state) {
    governor.Tick();
    step.Run();
  }
  getrusage(RUSAGE_SELF, &after);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  const double steps = static_cast<double>(state.iterations());
  state.counters["cpu_s_per_step"] =
      (seconds(after.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_utime) -
       seconds(before.ru_stime)) / steps;
  state.counters["switches_per_step"] =
      (after.ru_nvcsw + after.ru_nivcsw - before.ru_nvcsw - before.ru_nivcsw) / steps;
  state.counters["threads"] = governor.threads();
  state.SetItemsProcessed(state.iterations() * 64);
}

// Fixed iterations: an ungoverned step beside a busy process takes seconds.
#define FACEREC_BESIDE(name, kind, governed)                                  \
  BENCHMARK_CAPTURE(TrainStepBeside, name, Competitor::kind, governed)        \
      ->Iterations(8)->Unit(benchmark::kMillisecond)->UseRealTime()
FACEREC_BESIDE(alone_fixed_threads, kNone, false);
FACEREC_BESIDE(alone_governed, kNone, true);
FACEREC_BESIDE(busy_fixed_threads, kBusy, false);
FACEREC_BESIDE(busy_governed, kBusy, true);
FACEREC_BESIDE(lowest_priority_fixed_threads, kLowestPriority, false);
FACEREC_BESIDE(lowest_priority_governed, kLowestPriority, true);

}  // namespace
}  // namespace facerec
