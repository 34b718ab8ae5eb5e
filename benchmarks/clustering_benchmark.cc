// Grouping faces into people (analysis/face_clustering.h) at 10k and 30k
// faces: the exact k-NN graph, then each algorithm on it, with the process's
// peak resident memory so far as a counter (the graph is O(n·k); an n×n
// similarity matrix would be 400 MB at 10k faces and 3.6 GB at 30k).
//
//   tools/bazel run //benchmarks:clustering_benchmark -- --benchmark_repetitions=3
//
// Faces: 256-dimensional unit embeddings of people with 10 faces each, a
// face's cosine to its person's others ~0.6 and to strangers ~0 (the shipped
// recogniser's scale: its FAR 1e-3 threshold is 0.58). Run it alone.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include "facerec/analysis/face_clustering.h"
#include "facerec/metrics/unit_rows.h"

namespace facerec {
namespace {

torch::Tensor People(int64_t faces) {
  torch::manual_seed(1);
  const int64_t people = faces / 10;
  const torch::Tensor centres = metrics::UnitRows(torch::randn({people, 256}));
  const torch::Tensor noise = metrics::UnitRows(torch::randn({faces, 256}));
  const torch::Tensor owner = torch::arange(faces) % people;
  return metrics::UnitRows(0.775 * centres.index_select(0, owner) + 0.632 * noise);  // cos ~0.6 within
}

double PeakRssMegabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

void BM_KnnGraph(benchmark::State& state) {
  const torch::Tensor x = People(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(analysis::BuildKnnGraph(x, 20));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["peak_rss_mb"] = PeakRssMegabytes();
}
BENCHMARK(BM_KnnGraph)->Arg(10000)->Arg(30000)->Unit(benchmark::kMillisecond);

void Cluster(benchmark::State& state, analysis::ClusterAlgorithm algorithm) {
  const torch::Tensor x = People(state.range(0));
  const analysis::KnnGraph graph = analysis::BuildKnnGraph(x, 20);
  analysis::ClusterOptions options;
  options.algorithm = algorithm;
  options.threshold = 0.45;
  std::vector<int> groups;
  for (auto _ : state) benchmark::DoNotOptimize(groups = analysis::ClusterFaces(x, graph, options));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  std::vector<int> truth(groups.size());
  for (size_t i = 0; i < truth.size(); ++i) truth[i] = static_cast<int>(i % (truth.size() / 10));
  state.counters["pairwise_f1"] = analysis::ScoreClustering(groups, truth).pairwise_f1;
  state.counters["peak_rss_mb"] = PeakRssMegabytes();
}

void BM_AverageLinkage(benchmark::State& state) { Cluster(state, analysis::ClusterAlgorithm::kAverageLinkage); }
BENCHMARK(BM_AverageLinkage)->Arg(10000)->Arg(30000)->Unit(benchmark::kMillisecond);

void BM_ChineseWhispers(benchmark::State& state) { Cluster(state, analysis::ClusterAlgorithm::kChineseWhispers); }
BENCHMARK(BM_ChineseWhispers)->Arg(10000)->Arg(30000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace facerec
