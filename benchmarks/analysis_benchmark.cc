// The analysis tools' costs: the trash search's per-image and all-pairs
// parts at CelebA-500's size, and an attack step per image.
//
//   tools/bazel run //benchmarks:analysis_benchmark -- --benchmark_repetitions=3
//
// Run it alone: every case uses the machine's threads (benchmarks/README.md).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <random>

#include "facerec/analysis/duplicates.h"
#include "facerec/analysis/image_hash.h"
#include "facerec/analysis/image_quality.h"
#include "facerec/analysis/label_noise.h"
#include "facerec/attacks/attacks.h"
#include "facerec/backbones/backbone.h"
#include "facerec/core/data_root.h"
#include "facerec/data/image.h"
#include "glog/logging.h"

namespace facerec {
namespace {

cv::Mat CelebaWindow() {
  auto root = ResolveDataRoot("");
  CHECK(root.ok()) << root.status();
  auto rgb = data::ReadRgbImage((*root / "celeba500/celebA_train_500/celebA_imgs/000001.jpg").string());
  CHECK(rgb.ok()) << rgb.status();
  return (*data::CropIdRateWindow(*rgb)).clone();
}

// Per image: the hash, the thumbnail and the quality signals.
void BM_ImageSignals(benchmark::State& state) {
  const cv::Mat rgb = CelebaWindow();
  for (auto _ : state) {
    benchmark::DoNotOptimize(analysis::PerceptualHash(rgb));
    benchmark::DoNotOptimize(analysis::GreyThumbnail(rgb));
    benchmark::DoNotOptimize(analysis::MeasureQuality(rgb));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ImageSignals)->Unit(benchmark::kMicrosecond);

// All pairs of N images. Hashes share 40 of their 64 bits (as aligned faces'
// layouts do: ~45 % of celebA_ir's pairs lie within the 24-bit loose bound),
// so the thumbnail and embedding checks run on a realistic share of pairs.
void BM_FindDuplicates(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::mt19937_64 rng(1);
  std::vector<analysis::DuplicateEvidence> images(n);
  const uint64_t common = rng();
  for (auto& d : images) {
    d.hash = (common & 0xFFFFFFFFFF000000ull) | (rng() & 0xFFFFFFull);
    d.sha256 = std::to_string(rng());
    d.thumbnail.resize(256);
    for (float& v : d.thumbnail) v = static_cast<float>(rng() % 1000) / 16000.0f;
  }
  torch::manual_seed(0);
  const torch::Tensor e = torch::nn::functional::normalize(
      torch::randn({n, 256}), torch::nn::functional::NormalizeFuncOptions().dim(1));
  for (auto _ : state) benchmark::DoNotOptimize(analysis::FindDuplicates(images, e, analysis::DuplicateOptions()));
  state.SetItemsProcessed(state.iterations() * n * (n - 1) / 2);
}
BENCHMARK(BM_FindDuplicates)->Arg(3000)->Arg(12000)->Unit(benchmark::kMillisecond)->UseRealTime();

// One fold's embedding agreement at CelebA-500's size: 2,400 held-out images
// against 9,600 training images of 500 identities, 256-D, k = 10.
void BM_EmbeddingAgreement(benchmark::State& state) {
  torch::manual_seed(0);
  const auto unit = [](const torch::Tensor& x) {
    return torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(1));
  };
  const torch::Tensor q = unit(torch::randn({2400, 256})), r = unit(torch::randn({9600, 256}));
  std::vector<int> ql(2400), rl(9600);
  for (int i = 0; i < 2400; ++i) ql[i] = i % 500;
  for (int i = 0; i < 9600; ++i) rl[i] = i % 500;
  for (auto _ : state) benchmark::DoNotOptimize(analysis::EmbeddingAgreement(q, ql, r, rl, 10));
  state.SetItemsProcessed(state.iterations() * 2400);
}
BENCHMARK(BM_EmbeddingAgreement)->Unit(benchmark::kMillisecond)->UseRealTime();

// PGD on the quick preset's recogniser (ir_mini, width 0.5, stem stride 2,
// 64x56, test-time flip as the experiment scores it): items are image-steps.
void BM_PgdStep(benchmark::State& state) {
  const int64_t batch = state.range(0);
  backbones::BackboneOptions options;
  options.name = "ir_mini";
  options.width_multiplier = 0.5;
  options.stem_stride = 2;
  options.input_height = 64;
  options.input_width = 56;
  auto net = backbones::MakeBackbone(options);
  CHECK(net.ok()) << net.status();
  (*net)->eval();
  const attacks::DifferentiableEmbedding embed = [&](const torch::Tensor& x) {
    return (*net)->forward(x) + (*net)->forward(x.flip({3}));
  };
  torch::manual_seed(0);
  const torch::Tensor probes = torch::rand({batch, 3, 64, 56}), references = torch::rand({batch, 3, 64, 56});
  attacks::AttackOptions attack;
  attack.method = attacks::AttackMethod::kPgd;
  attack.steps = 10;
  for (auto _ : state) {
    auto r = attacks::AttackPairs(embed, probes, references, attack);
    CHECK(r.ok());
    benchmark::DoNotOptimize(r->adversarial);
  }
  state.SetItemsProcessed(state.iterations() * batch * attack.steps);
}
BENCHMARK(BM_PgdStep)->Arg(1)->Arg(50)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace facerec
