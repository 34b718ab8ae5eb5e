// Identification-rate time at the real set's sizes (1,222 queries of 51
// identities, 2,001 distractors, 256-d embeddings): two matrix products and
// one chain of selections for the six course FPRs plus a 64-point ROC.
// benchmarks/id_rate_numpy.py is the straightforward numpy peer.
//
//   tools/bazel run //benchmarks:id_rate_benchmark -- --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "facerec/core/data_root.h"
#include "facerec/data/celeba.h"
#include "facerec/metrics/identification_rate.h"
#include "glog/logging.h"

namespace facerec::metrics {
namespace {

void BM_IdentificationRate(benchmark::State& state) {
  auto root = ResolveDataRoot("");
  CHECK(root.ok()) << root.status();
  auto set = data::LoadIdRateSet(*root);
  CHECK(set.ok()) << set.status();
  std::vector<int> ids;
  for (const auto& query : set->queries) ids.push_back(query.identity);
  torch::manual_seed(0);
  const torch::Tensor queries = torch::randn({static_cast<int64_t>(ids.size()), 256});
  const torch::Tensor distractors =
      torch::randn({static_cast<int64_t>(set->distractors.size()), 256});
  const int roc_points = static_cast<int>(state.range(0));
  for (auto _ : state) {
    IdRateResult result = IdentificationRate(queries, ids, distractors, kCourseFprs, roc_points);
    benchmark::DoNotOptimize(result.points.data());
  }
}
BENCHMARK(BM_IdentificationRate)->Arg(0)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace facerec::metrics
