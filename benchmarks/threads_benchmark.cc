// How to give LibTorch both cores: a small ResNet-like training step (batch
// 64, 3x64x64 inputs, 500 classes) at 1 and 2 intra-op threads set at run time
// with torch::set_num_threads. InitProcess normally sets OMP_NUM_THREADS
// before the process starts (see facerec/core/process.h); compare both ways:
//
//   tools/bazel run //benchmarks:threads_benchmark                                   # env, at start
//   FACEREC_ENV_PREPARED=1 tools/bazel run //benchmarks:threads_benchmark            # run time only
#include <benchmark/benchmark.h>
#include <torch/torch.h>

namespace facerec {
namespace {

torch::nn::Sequential SmallConvNet() {
  namespace nn = torch::nn;
  auto conv = [](int in, int out, int stride) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).stride(stride).bias(false));
  };
  return nn::Sequential(conv(3, 64, 1), nn::BatchNorm2d(64), nn::ReLU(),
                        conv(64, 64, 2), nn::BatchNorm2d(64), nn::ReLU(),
                        conv(64, 128, 2), nn::BatchNorm2d(128), nn::ReLU(),
                        conv(128, 128, 1), nn::BatchNorm2d(128), nn::ReLU(),
                        conv(128, 256, 2), nn::BatchNorm2d(256), nn::ReLU(),
                        nn::AdaptiveAvgPool2d(1), nn::Flatten(), nn::Linear(256, 500));
}

void BM_TrainStep(benchmark::State& state) {
  torch::set_num_threads(static_cast<int>(state.range(0)));
  torch::manual_seed(0);
  auto net = SmallConvNet();
  torch::optim::SGD optimizer(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  const torch::Tensor x = torch::randn({64, 3, 64, 64});
  const torch::Tensor y = torch::randint(500, {64});
  for (auto _ : state) {
    optimizer.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    optimizer.step();
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_TrainStep)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)
    ->MinTime(3.0);

}  // namespace
}  // namespace facerec
