// The BLAS kernel choice (see facerec/core/process.h): sgemm GFLOP/s with the
// kernels in force. Run it twice to compare, e.g.
//
//   tools/bazel run //benchmarks:blas_benchmark                          # SkylakeX via InitProcess
//   OPENBLAS_CORETYPE=Prescott tools/bazel run //benchmarks:blas_benchmark   # what OpenBLAS picks alone
#include <benchmark/benchmark.h>
#include <torch/torch.h>

namespace facerec {
namespace {

void BM_Sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  torch::manual_seed(0);
  const torch::Tensor a = torch::randn({n, n});
  const torch::Tensor b = torch::randn({n, n});
  for (auto _ : state) {
    torch::Tensor c = torch::mm(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * n * n * n * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Sgemm)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace facerec
