// Loader throughput: augmented batches of 64 (random resized crop, flip,
// colour jitter, resize to 64x56, one tensor conversion per batch) from the
// in-memory CelebA-500 training crops, on 1 and 2 worker threads, with the
// main thread only consuming (so this is the loader alone, not training).
//
//   tools/bazel run //benchmarks:loader_benchmark -- --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include "facerec/core/data_root.h"
#include "facerec/data/celeba.h"
#include "facerec/data/face_batches.h"
#include "facerec/data/image.h"
#include "glog/logging.h"

namespace facerec::data {
namespace {

const FaceImages& TrainImages() {
  static const FaceImages* images = [] {
    auto root = ResolveDataRoot("");
    CHECK(root.ok()) << root.status();
    auto celeba = LoadCeleba500(*root);
    CHECK(celeba.ok()) << celeba.status();
    std::vector<std::string> paths;
    std::vector<int> labels;
    for (size_t i : celeba->Indices(Split::kTrain)) {
      paths.push_back(celeba->images[i].path);
      labels.push_back(celeba->images[i].identity);
    }
    auto loaded = FaceImages::Load(paths, labels, kIdRateWindow, 2);
    CHECK(loaded.ok()) << loaded.status();
    return new FaceImages(std::move(*loaded));
  }();
  return *images;
}

void BM_Loader(benchmark::State& state) {
  const FaceImages& images = TrainImages();
  SamplerOptions sampler;
  sampler.batch_size = 64;
  BatchLoader loader(&images, sampler, AugmentOptions(), 1, static_cast<int>(state.range(0)));
  int64_t epoch = 0, batch = 0;
  for (auto _ : state) {
    Batch b = loader.Get(epoch, batch);
    benchmark::DoNotOptimize(b.images.data_ptr());
    if (++batch == loader.BatchesPerEpoch()) batch = 0, ++epoch;
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_Loader)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace facerec::data
