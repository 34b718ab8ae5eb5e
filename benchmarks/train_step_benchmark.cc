// Training-step throughput (forward + backward + SGD step, batch 64, CE head
// over 500 classes) for backbones at the sizes the presets use. The first
// case is the default (base.flags); benchmarks/train_step_peer.py is the same
// step in PyTorch-Python.
//
//   tools/bazel run //benchmarks:train_step_benchmark -- --benchmark_repetitions=3
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "facerec/backbones/backbone.h"
#include "facerec/losses/losses.h"
#include "glog/logging.h"

namespace facerec {
namespace {

void TrainStep(benchmark::State& state, const std::string& name, double width, int height,
               int input_width, int stem_stride) {
  torch::manual_seed(0);
  backbones::BackboneOptions options;
  options.name = name;
  options.width_multiplier = width;
  options.input_height = height;
  options.input_width = input_width;
  options.stem_stride = stem_stride;
  auto net = backbones::MakeBackbone(options);
  CHECK(net.ok()) << net.status();
  losses::LossOptions loss_options;
  loss_options.name = "ce";
  loss_options.num_classes = 500;
  loss_options.embedding_size = options.embedding_size;
  auto loss = losses::MakeLoss(loss_options);
  CHECK(loss.ok());
  std::vector<torch::Tensor> params = (*net)->parameters();
  for (const auto& p : (*loss)->parameters()) params.push_back(p);
  torch::optim::SGD sgd(params, torch::optim::SGDOptions(0.1).momentum(0.9));
  const torch::Tensor x = torch::rand({64, 3, height, input_width});
  const torch::Tensor y = torch::randint(500, {64}, torch::kInt64);
  for (auto _ : state) {
    sgd.zero_grad();
    torch::Tensor l = (*loss)->forward((*net)->forward(x), y).loss;
    l.backward();
    sgd.step();
  }
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

}  // namespace
}  // namespace facerec
