// Image decode + ID-rate crop + tensor conversion on real CelebA-500 files:
// images/s on one thread, and on all cores through data::DecodeAll.
//
//   tools/bazel run //benchmarks:image_benchmark -- --benchmark_repetitions=5
//       (add --benchmark_report_aggregates_only=true for medians only)
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "facerec/core/data_root.h"
#include "facerec/core/file_bytes.h"
#include "facerec/data/celeba.h"
#include "facerec/data/image.h"
#include "facerec/data/validation.h"
#include "glog/logging.h"

namespace facerec::data {
namespace {

// The first 512 training images (decoding all 12,011 per repetition would
// only measure the same thing longer).
const std::vector<std::string>& SampleImages() {
  static const auto* images = [] {
    auto root = ResolveDataRoot("");
    CHECK(root.ok()) << root.status();
    auto celeba = LoadCeleba500(*root);
    CHECK(celeba.ok()) << celeba.status();
    auto* paths = new std::vector<std::string>;
    for (size_t i = 0; i < 512; ++i) paths->push_back(celeba->images[i].path);
    return paths;
  }();
  return *images;
}

void BM_DecodeCropToTensor(benchmark::State& state) {
  const auto& images = SampleImages();
  // Read the bytes once: this measures decoding, not the page cache.
  std::vector<std::string> bytes;
  for (const std::string& path : images) bytes.push_back(*ReadFileBytes(path));
  size_t i = 0;
  for (auto _ : state) {
    auto rgb = DecodeRgbImage(bytes[i % bytes.size()], images[i % images.size()]);
    auto face = CropIdRateWindow(*rgb);
    torch::Tensor tensor = ImageToTensor(*face);
    benchmark::DoNotOptimize(tensor.data_ptr());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeCropToTensor)->UseRealTime();

// From file, on `range(0)` threads (the data_report path).
void BM_DecodeFilesThreads(benchmark::State& state) {
  const auto& images = SampleImages();
  for (auto _ : state) {
    const ValidationReport report = DecodeAll(images, std::nullopt, state.range(0));
    benchmark::DoNotOptimize(report.decoded);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(images.size()));
}
BENCHMARK(BM_DecodeFilesThreads)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace facerec::data
