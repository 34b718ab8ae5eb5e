// The shipped models' forward passes in LibTorch and, exported to ONNX
// (facerec/export), in OpenCV's dnn module, side by side in one process:
// the detector on a 640x480 input, and per face the landmark net (a batch
// of 2: the crop and its mirror) and the recogniser (the same). LibTorch
// runs the nets as the chain does (BatchNorm folded, channels-last weights);
// OpenCV runs the exported file with its default backend and target (CPU).
// Both at 2 threads. The inputs are random (the cost does not depend on the
// values); the outputs' agreement is tests/export:onnx_export_test's. Then
// the whole chain (FaceChain::Process: detect, landmarks, warp, embed) per
// 640x480 photo on each backend: a CelebA photo with one face, letterboxed.
//
//   tools/bazel run //benchmarks:onnx_runtime_benchmark -- --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <filesystem>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "facerec/align/landmark_detector.h"
#include "facerec/backbones/batchnorm_fusion.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/chain/face_chain.h"
#include "facerec/core/data_root.h"
#include "facerec/data/face_boxes.h"
#include "facerec/data/image.h"
#include "facerec/detect/detector_net.h"
#include "facerec/export/onnx_export.h"
#include "facerec/export/onnx_graph.h"
#include "facerec/pipeline/chain_evaluation.h"
#include "facerec/pipeline/shipped_models.h"
#include "glog/logging.h"

namespace facerec {
namespace {

using tracking::ModelKind;

std::string Shipped(ModelKind kind) {
  auto shipped = pipeline::ReadShippedModels(WorkspaceRoot());
  CHECK(shipped.ok()) << shipped.status();
  for (const pipeline::ShippedModel& m : *shipped) {
    if (m.registration.kind == kind) return ResolveAgainstWorkspace(m.registration.path).string();
  }
  LOG(FATAL) << "no shipped " << tracking::ModelKindName(kind) << " in " << WorkspaceRoot();
}

// The exported file of `kind`, written once per process.
std::string Onnx(ModelKind kind) {
  const std::string path =
      (std::filesystem::temp_directory_path() / absl::StrCat("facerec_bench_", tracking::ModelKindName(kind), ".onnx"))
          .string();
  auto model = exporting::ExportModelToOnnx(kind, Shipped(kind));
  CHECK(model.ok()) << model.status();
  CHECK(exporting::WriteOnnxModel(*model, path).ok());
  return path;
}

void RunOpenCv(benchmark::State& state, ModelKind kind, std::vector<int> shape) {
  cv::setNumThreads(2);
  cv::dnn::Net net = cv::dnn::readNetFromONNX(Onnx(kind));
  cv::Mat blob(static_cast<int>(shape.size()), shape.data(), CV_32F);
  cv::randu(blob, 0.0f, 1.0f);
  for (auto _ : state) {
    net.setInput(blob);
    cv::Mat out = net.forward();
    benchmark::DoNotOptimize(out.data);
  }
}

template <typename Forward>
void RunLibTorch(benchmark::State& state, Forward forward, std::vector<int64_t> shape) {
  at::set_num_threads(2);
  const torch::Tensor input = torch::rand(shape).contiguous(torch::MemoryFormat::ChannelsLast);
  c10::InferenceMode inference;
  for (auto _ : state) benchmark::DoNotOptimize(forward(input));
}

void BM_Detector640x480_LibTorch(benchmark::State& state) {
  auto net = detect::LoadDetectorNet(Shipped(ModelKind::kDetector));
  CHECK(net.ok()) << net.status();
  detect::DetectorNet fused = backbones::FusedInferenceCopy(*net, torch::kCPU);
  RunLibTorch(state, [&](const torch::Tensor& x) { return fused->forward(x); }, {1, 3, 480, 640});
}
void BM_Detector640x480_OpenCvDnn(benchmark::State& state) {
  RunOpenCv(state, ModelKind::kDetector, {1, 3, 480, 640});
}

void BM_LandmarksPerFace_LibTorch(benchmark::State& state) {
  auto net = align::LoadLandmarkNet(Shipped(ModelKind::kLandmarks));
  CHECK(net.ok()) << net.status();
  align::LandmarkNet fused = backbones::FusedInferenceCopy(*net, torch::kCPU);
  const int64_t side = fused->options().input_size;
  RunLibTorch(state, [&](const torch::Tensor& x) { return fused->forward(x); }, {2, 3, side, side});
}
void BM_LandmarksPerFace_OpenCvDnn(benchmark::State& state) {
  auto net = align::LoadLandmarkNet(Shipped(ModelKind::kLandmarks));
  CHECK(net.ok()) << net.status();
  const int side = (*net)->options().input_size;
  RunOpenCv(state, ModelKind::kLandmarks, {2, 3, side, side});
}

void BM_RecogniserPerFace_LibTorch(benchmark::State& state) {
  auto net = backbones::LoadEmbeddingNet(Shipped(ModelKind::kRecogniser));
  CHECK(net.ok()) << net.status();
  net->backbone->eval();
  RunLibTorch(state, [&](const torch::Tensor& x) { return net->backbone->forward(x); },
              {2, 3, net->options.input_height, net->options.input_width});
}
void BM_RecogniserPerFace_OpenCvDnn(benchmark::State& state) {
  auto net = backbones::LoadEmbeddingNet(Shipped(ModelKind::kRecogniser));
  CHECK(net.ok()) << net.status();
  RunOpenCv(state, ModelKind::kRecogniser, {2, 3, net->options.input_height, net->options.input_width});
}

void RunChain(benchmark::State& state, const std::string& backend) {
  at::set_num_threads(2);
  cv::setNumThreads(2);
  chain::FaceChainOptions options;
  options.backend = backend;
  options.detector_model = Shipped(ModelKind::kDetector);
  options.landmark_model = Shipped(ModelKind::kLandmarks);
  options.embedding_model = Shipped(ModelKind::kRecogniser);
  auto chain = chain::FaceChain::Create(options);
  CHECK(chain.ok()) << chain.status();
  auto root = ResolveDataRoot("");
  CHECK(root.ok()) << root.status();
  auto wild = data::LoadCelebaWild(*root);
  CHECK(wild.ok()) << wild.status();
  auto rgb = data::ReadRgbImage((*wild)[0].image_path);
  CHECK(rgb.ok()) << rgb.status();
  cv::Mat bgr;
  cv::cvtColor(pipeline::LetterboxTo(*rgb, cv::Size(640, 480)), bgr, cv::COLOR_RGB2BGR);
  int64_t faces = 0;
  for (auto _ : state) {
    auto found = (*chain)->Process(bgr);
    CHECK(found.ok()) << found.status();
    faces = static_cast<int64_t>(found->size());
  }
  state.counters["faces"] = static_cast<double>(faces);
}
void BM_Chain640x480_LibTorch(benchmark::State& state) { RunChain(state, "libtorch"); }
void BM_Chain640x480_OpenCvDnn(benchmark::State& state) { RunChain(state, "opencv_dnn"); }

BENCHMARK(BM_Chain640x480_LibTorch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Chain640x480_OpenCvDnn)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Detector640x480_LibTorch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Detector640x480_OpenCvDnn)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LandmarksPerFace_LibTorch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LandmarksPerFace_OpenCvDnn)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RecogniserPerFace_LibTorch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RecogniserPerFace_OpenCvDnn)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace facerec
