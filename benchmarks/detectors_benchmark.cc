// Face detection per 640x480 photo: our detector beside OpenCV's Haar
// cascade and dlib's HOG, each at the settings experiments:evaluate_detectors
// scores it with (minimum face 20 px; the classic detectors scan the photo
// enlarged so their window reaches it), on two real photos letterboxed to
// 640x480: a CelebA photo with one face (photo=0) and a face-mask crowd
// (photo=1). Ours is the newest trained in the store (results.db of the
// workspace), or FACEREC_DETECTOR_MODEL; without one its rows report an
// error. Detector/ours_reference times another net of ours in the same run,
// FACEREC_REFERENCE_DETECTOR_MODEL (e.g. the shipped one beside a candidate
// for its place); without it those rows report an error. OurNetForward is
// the net alone at 640x480, weights as initialised (they do not change its
// cost).
//
//   tools/bazel run //benchmarks:detectors_benchmark -- --benchmark_repetitions=5
//   FACEREC_DETECTOR_MODEL=new.pt FACEREC_REFERENCE_DETECTOR_MODEL=models/facerec-detector.pt \
//     bazel-bin/benchmarks/detectors_benchmark --benchmark_filter='Detector/ours'
//
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <memory>

#include "facerec/core/data_root.h"
#include "facerec/data/face_boxes.h"
#include "facerec/data/image.h"
#include "facerec/detect/detectors.h"
#include "facerec/detect/detector_net.h"
#include "facerec/detect/our_detector.h"
#include "facerec/pipeline/chain_evaluation.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/tracking/experiment_store.h"
#include "glog/logging.h"

namespace facerec {
namespace {

const std::vector<cv::Mat>& Photos() {
  static const auto* photos = [] {
    auto root = ResolveDataRoot("");
    CHECK(root.ok()) << root.status();
    auto wild = data::LoadCelebaWild(*root);
    CHECK(wild.ok()) << wild.status();
    auto masks = data::LoadFacemask(*root);
    CHECK(masks.ok()) << masks.status();
    auto* v = new std::vector<cv::Mat>;
    for (const std::string& path : {(*wild)[0].image_path, (*masks)[1].image_path}) {
      auto rgb = data::ReadRgbImage(path);
      CHECK(rgb.ok()) << rgb.status();
      v->push_back(pipeline::LetterboxTo(*rgb, cv::Size(640, 480)));
    }
    return v;
  }();
  return *photos;
}

// FACEREC_DETECTOR_MODEL, else the store's newest; empty when neither exists.
std::string OurModel() {
  if (const char* env = std::getenv("FACEREC_DETECTOR_MODEL")) return env;
  const std::string db = ResolveAgainstWorkspace("results.db").string();
  if (!std::filesystem::exists(db)) return "";
  auto store = tracking::ExperimentStore::Open(db);
  if (!store.ok()) return "";
  auto model = pipeline::LatestDetectorModel(**store);
  return model.ok() ? *model : "";
}

// FACEREC_REFERENCE_DETECTOR_MODEL; empty when unset.
std::string ReferenceModel() {
  const char* env = std::getenv("FACEREC_REFERENCE_DETECTOR_MODEL");
  return env == nullptr ? "" : env;
}

// `name`: a detector's name (detect/detectors.h), or "ours_reference" for
// ours with ReferenceModel().
void Detector(benchmark::State& state, const std::string& name) {
  const cv::Mat& photo = Photos()[state.range(0)];
  const bool reference = name == "ours_reference";
  const std::string kind = reference ? "ours" : name;
  detect::FaceDetectorOptions options;
  options.score_threshold = detect::DefaultScoreThreshold(kind);
  const std::string model = reference ? ReferenceModel() : kind == "ours" ? OurModel() : "";
  if (kind == "ours" && model.empty()) {
    state.SkipWithError(reference ? "FACEREC_REFERENCE_DETECTOR_MODEL is not set"
                                  : "no trained detector: run experiments:train_detector or set FACEREC_DETECTOR_MODEL");
    return;
  }
  auto detector = detect::MakeFaceDetector(kind, options, model);
  if (!detector.ok()) {
    state.SkipWithError(std::string(detector.status().message()).c_str());
    return;
  }
  int64_t faces = 0;
  for (auto _ : state) {
    auto found = (*detector)->Detect(photo);
    faces += found.ok() ? found->size() : 0;
  }
  state.counters["faces"] = static_cast<double>(faces) / state.iterations();
}
BENCHMARK_CAPTURE(Detector, ours, std::string("ours"))->ArgName("photo")->DenseRange(0, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(Detector, ours_reference, std::string("ours_reference"))->ArgName("photo")->DenseRange(0, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(Detector, haar, std::string("haar"))->ArgName("photo")->DenseRange(0, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(Detector, dlib_hog, std::string("dlib_hog"))->ArgName("photo")->DenseRange(0, 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// Options that feed the photo to our net at its own size, without the
// enlargement our detector applies by default (Detector/ours times that).
detect::FaceDetectorOptions OursAtOwnSizeOptions() {
  detect::FaceDetectorOptions options;
  options.input_scale = 1 / detect::OurInputScale(detect::FaceDetectorOptions());
  return options;
}

// What the enlargement costs: Detector/ours/photo:0 without it.
void OursAtOwnSize(benchmark::State& state) {
  const std::string model = OurModel();
  if (model.empty()) {
    state.SkipWithError("no trained detector: run experiments:train_detector or set FACEREC_DETECTOR_MODEL");
    return;
  }
  detect::FaceDetectorOptions options = OursAtOwnSizeOptions();
  options.score_threshold = detect::DefaultScoreThreshold("ours");
  auto detector = detect::MakeFaceDetector("ours", options, model);
  CHECK(detector.ok()) << detector.status();
  for (auto _ : state) benchmark::DoNotOptimize((*detector)->Detect(Photos()[0]));
}
BENCHMARK(OursAtOwnSize)->Unit(benchmark::kMillisecond)->UseRealTime();

// Ours searching from 20 px (its floor before issue 35, Haar's and dlib
// HOG's) at the same enlargement: what searching from 8 px costs beside
// Detector/ours/photo:0.
void OursFrom20Pixels(benchmark::State& state) {
  const std::string model = OurModel();
  if (model.empty()) {
    state.SkipWithError("no trained detector: run experiments:train_detector or set FACEREC_DETECTOR_MODEL");
    return;
  }
  detect::FaceDetectorOptions options;
  options.score_threshold = detect::DefaultScoreThreshold("ours");
  options.min_face_size = 20;
  options.input_scale = detect::OurInputScale(detect::FaceDetectorOptions()) / detect::OurInputScale(options);
  auto detector = detect::MakeFaceDetector("ours", options, model);
  CHECK(detector.ok()) << detector.status();
  for (auto _ : state) benchmark::DoNotOptimize((*detector)->Detect(Photos()[0]));
}
BENCHMARK(OursFrom20Pixels)->Unit(benchmark::kMillisecond)->UseRealTime();

void OurNetForward(benchmark::State& state) {
  torch::manual_seed(0);
  detect::DetectorNet net(detect::DetectorNetOptions{});
  detect::OurDetector detector(net, OursAtOwnSizeOptions());  // 640x480 into the net.
  const cv::Mat& photo = Photos()[0];
  for (auto _ : state) benchmark::DoNotOptimize(detector.Detect(photo));
  const detect::DetectorNetCost cost = detect::MeasureDetectorNetCost({}, 480, 640);
  state.counters["parameters"] = static_cast<double>(cost.parameters);
  state.counters["MMAC"] = cost.multiply_adds / 1e6;
}
BENCHMARK(OurNetForward)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace facerec
