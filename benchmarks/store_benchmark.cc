// Metric inserts into the experiment store: rows/s with one transaction per
// row against batched transactions (what tracking::Run does).
//
//   tools/bazel run //benchmarks:store_benchmark -- --benchmark_repetitions=5
//       (add --benchmark_report_aggregates_only=true for medians only)
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "facerec/tracking/experiment_store.h"
#include "glog/logging.h"

namespace facerec::tracking {
namespace {

std::unique_ptr<ExperimentStore> FreshStore(int64_t* run_id) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "facerec_store_benchmark.db").string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = ExperimentStore::Open(path);
  CHECK(store.ok()) << store.status();
  RunOptions options;
  options.experiment = "benchmark";
  auto id = (*store)->StartRun(options);
  CHECK(id.ok()) << id.status();
  *run_id = *id;
  return std::move(*store);
}

// Rows per transaction = range(0).
void BM_MetricInserts(benchmark::State& state) {
  const int batch_size = static_cast<int>(state.range(0));
  int64_t run_id = 0;
  auto store = FreshStore(&run_id);
  std::vector<MetricPoint> batch(batch_size);
  int64_t step = 0;
  for (auto _ : state) {
    for (MetricPoint& point : batch) point = {"train/loss", step++, 1.0 / (step + 1)};
    const absl::Status status = store->LogMetrics(run_id, batch);
    if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * batch_size);
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * batch_size),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MetricInserts)->Arg(1)->Arg(64)->Arg(512)->UseRealTime();

}  // namespace
}  // namespace facerec::tracking
