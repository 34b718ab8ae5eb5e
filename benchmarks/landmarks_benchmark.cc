// Landmark inference per face: our 5-point net (one 64x64 crop, crop + net +
// mapping back) beside dlib's 68-point shape predictor (one face box), both
// on the same AFW photo, and our net batched. Our net's arguments: faces per
// call, refinement passes (each one more forward pass), flip averaging
// (the last pass also on the mirrored crop, one batch of 2), stem width, and
// the head (0 regression, 1 soft-argmax: align/landmark_net.h). NetForward is the
// net alone, with the input and weights in NCHW or channels-last (NHWC) order:
// why the detector converts. Weights do not change the cost, so our net runs
// with its initial weights.
//
//   tools/bazel run //benchmarks:landmarks_benchmark -- --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <dlib/image_processing.h>
#include <dlib/opencv.h>
#include <torch/torch.h>

#include "facerec/align/landmark_detector.h"
#include "facerec/align/landmark_examples.h"
#include "facerec/core/data_root.h"
#include "glog/logging.h"

namespace facerec {
namespace {

const align::LandmarkExample& AfwFace() {
  static const auto* face = [] {
    auto root = ResolveDataRoot("");
    CHECK(root.ok()) << root.status();
    auto afw = align::LoadAfwExamples(*root, 1);
    CHECK(afw.ok()) << afw.status();
    return new align::LandmarkExample((*afw)[0]);
  }();
  return *face;
}

void OurNet(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  align::LandmarkDetectorOptions options;
  options.refine_passes = static_cast<int>(state.range(1));
  options.flip_average = state.range(2) != 0;
  align::LandmarkNetOptions net_options;
  net_options.base_width = static_cast<int>(state.range(3));
  net_options.head = state.range(4) ? align::LandmarkHead::kSoftArgmax : align::LandmarkHead::kRegression;
  torch::manual_seed(0);
  align::LandmarkDetector detector(align::LandmarkNet(net_options), torch::kCPU, options);
  const align::LandmarkExample& face = AfwFace();
  const std::vector<cv::Mat> photos(batch, face.photo);
  const std::vector<align::SquareBox> boxes(batch, face.box);
  for (auto _ : state) benchmark::DoNotOptimize(detector.Detect(photos, boxes));
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(OurNet)
    ->ArgNames({"batch", "refine", "flip", "width", "soft_argmax"})
    ->Args({1, 0, 0, 16, 0})
    ->Args({1, 1, 0, 16, 0})
    ->Args({1, 0, 1, 16, 0})
    ->Args({1, 1, 1, 16, 0})
    ->Args({64, 1, 1, 16, 0})
    ->Args({1, 1, 1, 12, 0})
    ->Args({1, 1, 1, 8, 0})
    ->Args({1, 1, 1, 16, 1})
    ->Args({64, 1, 1, 16, 1})
    ->Unit(benchmark::kMicrosecond)->UseRealTime();

// The net alone (no crop, no mapping back): what a smaller or fused net would save.
void NetForward(benchmark::State& state) {
  torch::manual_seed(0);
  align::LandmarkNetOptions options;
  options.base_width = static_cast<int>(state.range(1));
  options.head = state.range(3) ? align::LandmarkHead::kSoftArgmax : align::LandmarkHead::kRegression;
  align::LandmarkNet net(options);
  net->eval();
  c10::InferenceMode inference;
  torch::Tensor batch = torch::rand({state.range(0), 3, 64, 64});
  if (state.range(2)) {
    for (torch::Tensor& p : net->parameters()) {
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    }
    batch = batch.contiguous(torch::MemoryFormat::ChannelsLast);
  }
  for (auto _ : state) benchmark::DoNotOptimize(net->forward(batch));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(NetForward)
    ->ArgNames({"batch", "width", "nhwc", "soft_argmax"})
    ->Args({1, 16, 0, 0})
    ->Args({1, 16, 1, 0})
    ->Args({2, 16, 0, 0})
    ->Args({2, 16, 1, 0})
    ->Args({1, 16, 1, 1})
    ->Args({2, 16, 1, 1})
    ->Unit(benchmark::kMicrosecond)->UseRealTime();

void Dlib68(benchmark::State& state) {
  dlib::shape_predictor predictor;
  dlib::deserialize("/usr/share/dlib/shape_predictor_68_face_landmarks.dat") >> predictor;
  const align::LandmarkExample& face = AfwFace();
  dlib::cv_image<dlib::rgb_pixel> image(face.photo);
  const double side = face.box.side / align::kAfwBoxScale;  // About dlib's detector framing.
  const dlib::rectangle rect(static_cast<long>(face.box.center_x - side / 2),
                             static_cast<long>(face.box.center_y - side / 2),
                             static_cast<long>(face.box.center_x + side / 2),
                             static_cast<long>(face.box.center_y + side / 2));
  for (auto _ : state) benchmark::DoNotOptimize(predictor(image, rect));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Dlib68)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace facerec
