// Identification-rate time at the real set's sizes (1,222 queries of 51
// identities, 2,001 distractors, 256-d embeddings): two matrix products and
// one chain of selections for the six course FPRs plus a 64-point ROC.
// benchmarks/id_rate_numpy.py is the straightforward numpy peer. Then the
// bootstrap over query identities (metrics/id_rate_bootstrap.h): scoring the
// pairs once, and the replicates that re-weight them (a comparison does one
// per run; seed means and paired differences only combine them).
//
//   tools/bazel run //benchmarks:id_rate_benchmark -- --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "facerec/core/data_root.h"
#include "facerec/data/celeba.h"
#include "facerec/metrics/id_rate_bootstrap.h"
#include "facerec/metrics/identification_rate.h"
#include "glog/logging.h"

namespace facerec::metrics {
namespace {

// Random 256-d embeddings at the real set's sizes and identities.
struct RealSizes {
  std::vector<int> ids;
  torch::Tensor queries, distractors;
};

RealSizes MakeRealSizes() {
  auto root = ResolveDataRoot("");
  CHECK(root.ok()) << root.status();
  auto set = data::LoadIdRateSet(*root);
  CHECK(set.ok()) << set.status();
  RealSizes sizes;
  for (const auto& query : set->queries) sizes.ids.push_back(query.identity);
  torch::manual_seed(0);
  sizes.queries = torch::randn({static_cast<int64_t>(sizes.ids.size()), 256});
  sizes.distractors = torch::randn({static_cast<int64_t>(set->distractors.size()), 256});
  return sizes;
}

void BM_IdentificationRate(benchmark::State& state) {
  const RealSizes sizes = MakeRealSizes();
  const std::vector<int>& ids = sizes.ids;
  const torch::Tensor& queries = sizes.queries;
  const torch::Tensor& distractors = sizes.distractors;
  const int roc_points = static_cast<int>(state.range(0));
  for (auto _ : state) {
    IdRateResult result = IdentificationRate(queries, ids, distractors, kCourseFprs, roc_points);
    benchmark::DoNotOptimize(result.points.data());
  }
}
BENCHMARK(BM_IdentificationRate)->Arg(0)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ScoreIdRatePairs(benchmark::State& state) {
  const RealSizes sizes = MakeRealSizes();
  for (auto _ : state) {
    IdRatePairs pairs = ScoreIdRatePairs(sizes.queries, sizes.ids, sizes.distractors);
    benchmark::DoNotOptimize(pairs.false_pairs.data());
  }
}
BENCHMARK(BM_ScoreIdRatePairs)->Unit(benchmark::kMillisecond)->UseRealTime();

// Arg: replicates.
void BM_ReplicateIdRate(benchmark::State& state) {
  const RealSizes sizes = MakeRealSizes();
  const IdRatePairs pairs = ScoreIdRatePairs(sizes.queries, sizes.ids, sizes.distractors);
  BootstrapOptions options;
  options.replicates = static_cast<int>(state.range(0));
  for (auto _ : state) {
    absl::StatusOr<IdRateReplicates> r = ReplicateIdRate(pairs, kCourseFprs, options);
    CHECK(r.ok()) << r.status();
    benchmark::DoNotOptimize(r->values.data());
  }
}
BENCHMARK(BM_ReplicateIdRate)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace facerec::metrics
