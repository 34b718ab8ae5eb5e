// Each exported net is the same function in a second runtime:
// OpenCV's dnn module reads the file and, on real face crops, gives the
// points LibTorch gives to within 1e-4 of the crop (with either landmark
// head); the file says what it is
// in its metadata. The recogniser and the detector (at two input sizes) the
// same. An architecture without an exporter, a bad size and a foreign file
// are errors that name them.
#include "facerec/export/onnx_export.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "facerec/align/landmark_detector.h"
#include "facerec/backbones/backbone.h"
#include "facerec/backbones/embedding_net.h"
#include "facerec/detect/detector_net.h"
#include "facerec/export/onnx_graph.h"
#include "tests/testing/test_data.h"

namespace facerec::exporting {
namespace {

constexpr char kShippedLandmarks[] = "models/facerec-landmarks.pt";
constexpr char kShippedRecogniser[] = "models/facerec-arcface.pt";

// Real faces: the centre of LFW's deep-funnelled photos (the face fills it),
// as [N, 3, S, S] RGB in [0, 1].
torch::Tensor LfwCrops(int height, int width) {
  const std::filesystem::path lfw = testing::DataRoot() / "lfw_fold1" / "lfw-deepfunneled";
  std::vector<torch::Tensor> crops;
  for (const char* file : {"Hugo_Chavez/Hugo_Chavez_0002.jpg", "Jennifer_Garner/Jennifer_Garner_0001.jpg",
                           "Pervez_Musharraf/Pervez_Musharraf_0001.jpg", "Jacques_Rogge/Jacques_Rogge_0001.jpg"}) {
    cv::Mat bgr = cv::imread((lfw / file).string(), cv::IMREAD_COLOR);
    EXPECT_FALSE(bgr.empty()) << file;
    cv::Mat rgb, resized;
    cv::cvtColor(bgr(cv::Rect(70, 70, 110, 110)), rgb, cv::COLOR_BGR2RGB);
    cv::resize(rgb, resized, cv::Size(width, height), 0, 0, cv::INTER_AREA);
    crops.push_back(torch::from_blob(resized.data, {height, width, 3}, torch::kUInt8).permute({2, 0, 1}).clone());
  }
  return torch::stack(crops).to(torch::kFloat32).div_(255.0f);
}

// OpenCV's output for `crops` from the ONNX file at `path`.
torch::Tensor RunOpenCv(const std::string& path, const torch::Tensor& crops, at::IntArrayRef output_sizes) {
  cv::dnn::Net opencv = cv::dnn::readNetFromONNX(path);
  EXPECT_FALSE(opencv.empty());
  std::vector<int> dims(crops.sizes().begin(), crops.sizes().end());
  cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F, crops.contiguous().data_ptr<float>());
  opencv.setInput(blob);
  cv::Mat out = opencv.forward();
  EXPECT_EQ(out.total(), static_cast<size_t>(c10::multiply_integers(output_sizes)));
  return torch::from_blob(out.ptr<float>(), output_sizes, torch::kFloat32).clone();
}

TEST(OnnxExportTest, OpenCvRunsTheExportedLandmarkNetAsLibTorchDoes) {
  auto net = align::LoadLandmarkNet(kShippedLandmarks);
  ASSERT_TRUE(net.ok()) << net.status();
  (*net)->eval();
  const int side = (*net)->options().input_size;
  const torch::Tensor crops = LfwCrops(side, side);
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = (*net)->forward(crops).contiguous();
  }
  const auto model = ExportModelToOnnx(tracking::ModelKind::kLandmarks, kShippedLandmarks);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::string path = (testing::FreshTempDir("onnx_landmarks") / "landmarks.onnx").string();
  ASSERT_TRUE(WriteOnnxModel(*model, path).ok());

  const torch::Tensor got = RunOpenCv(path, crops, expected.sizes());
  const double max_abs = (got - expected).abs().max().item<double>();
  std::printf("landmarks: largest |difference| %.3g (crop fractions), largest relative %.3g\n", max_abs,
              ((got - expected).abs() / expected.abs()).max().item<double>());
  // Points are fractions of the crop: 1e-4 is 0.0064 px of a 64-px crop.
  EXPECT_LT(max_abs, 1e-4) << "largest difference " << max_abs;
  EXPECT_GT(expected.abs().max().item<double>(), 0.1);  // Real points, not zeros.

  std::map<std::string, std::string> metadata;
  for (const auto& p : model->metadata_props()) metadata[p.key()] = p.value();
  EXPECT_EQ(metadata["facerec.kind"], "landmarks");
  EXPECT_EQ(metadata["facerec.opset"], std::to_string(kOnnxOpset));
  EXPECT_EQ(metadata["facerec.input_size"], std::to_string(side) + "x" + std::to_string(side));
  EXPECT_EQ(metadata["facerec.source_sha256"].size(), 64u);
}

// No soft-argmax net is shipped yet: a random one whose BatchNorms hold
// statistics far from 0 / 1 and whose heatmaps are sharpened (last layer
// scaled) so the points spread over the crop instead of sitting at its centre.
TEST(OnnxExportTest, OpenCvRunsAnExportedSoftArgmaxLandmarkNetAsLibTorchDoes) {
  torch::manual_seed(8);
  align::LandmarkNetOptions options;
  options.base_width = 8;
  options.head = align::LandmarkHead::kSoftArgmax;
  align::LandmarkNet net(options);
  {
    torch::NoGradGuard no_grad;
    for (int i = 0; i < 4; ++i) net->forward(torch::rand({8, 3, 64, 64}) * 2);
    for (auto& p : net->named_parameters()) {
      if (p.key().rfind("heatmaps.", 0) == 0) p.value().mul_(8);
    }
  }
  net->eval();
  const std::string path = (testing::FreshTempDir("onnx_soft_argmax") / "net.pt").string();
  ASSERT_TRUE(align::SaveLandmarkNet(net, path).ok());
  const torch::Tensor crops = LfwCrops(64, 64);
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = net->forward(crops).contiguous();
  }
  const auto model = ExportModelToOnnx(tracking::ModelKind::kLandmarks, path);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::string onnx_path = (testing::FreshTempDir("onnx_soft_argmax_out") / "landmarks.onnx").string();
  ASSERT_TRUE(WriteOnnxModel(*model, onnx_path).ok());
  const torch::Tensor got = RunOpenCv(onnx_path, crops, expected.sizes());
  const double max_abs = (got - expected).abs().max().item<double>();
  std::printf("soft-argmax landmarks: largest |difference| %.3g (crop fractions)\n", max_abs);
  EXPECT_LT(max_abs, 1e-4) << "largest difference " << max_abs;
  // The points differ from face to face and leave the centre: a wrong cell
  // order or upsampling would show.
  EXPECT_GT((expected - 0.5).abs().max().item<double>(), 0.05);
  EXPECT_GT((expected[0] - expected[1]).abs().max().item<double>(), 0.01);
}

TEST(OnnxExportTest, OpenCvRunsTheExportedRecogniserAsLibTorchDoes) {
  auto net = backbones::LoadEmbeddingNet(kShippedRecogniser);
  ASSERT_TRUE(net.ok()) << net.status();
  const torch::Tensor crops = LfwCrops(net->options.input_height, net->options.input_width);
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = net->backbone->forward(crops).contiguous();
  }
  const auto model = ExportModelToOnnx(tracking::ModelKind::kRecogniser, kShippedRecogniser);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::string path = (testing::FreshTempDir("onnx_recogniser") / "recogniser.onnx").string();
  ASSERT_TRUE(WriteOnnxModel(*model, path).ok());
  const torch::Tensor got = RunOpenCv(path, crops, expected.sizes());
  // Relative to each embedding's length: what cosine similarity sees.
  const torch::Tensor relative = (got - expected).norm(2, 1) / expected.norm(2, 1);
  const double worst = relative.max().item<double>();
  std::printf("recogniser: largest |difference| %.3g, largest relative difference %.3g\n",
              (got - expected).abs().max().item<double>(), worst);
  EXPECT_LT(worst, 1e-4);
  const torch::Tensor cosine = torch::nn::functional::cosine_similarity(got, expected);
  EXPECT_GT(cosine.min().item<double>(), 1 - 1e-6);
  std::map<std::string, std::string> metadata;
  for (const auto& p : model->metadata_props()) metadata[p.key()] = p.value();
  EXPECT_EQ(metadata["facerec.kind"], "recogniser");
  EXPECT_EQ(metadata["facerec.flip_test"], net->flip_test ? "true" : "false");
}

// The checked-in detector (trained on one photo: tests/detect) gives real,
// varied outputs; the test compares the raw per-cell outputs at two sizes.
TEST(OnnxExportTest, OpenCvRunsTheExportedDetectorAsLibTorchDoesAtTwoSizes) {
  constexpr char kDetector[] = "tests/detect/testdata/detector_on_2008_002506.pt";
  for (const auto& [height, width] : {std::pair{480, 640}, std::pair{256, 320}}) {
    auto net = detect::LoadDetectorNet(kDetector);
    ASSERT_TRUE(net.ok()) << net.status();
    (*net)->eval();
    const torch::Tensor photos = LfwCrops(height, width);
    torch::Tensor expected;
    {
      torch::NoGradGuard no_grad;
      expected = (*net)->forward(photos).contiguous();
    }
    const auto model = ExportModelToOnnx(tracking::ModelKind::kDetector, kDetector, height, width);
    ASSERT_TRUE(model.ok()) << model.status();
    const std::string path = (testing::FreshTempDir("onnx_detector") / "detector.onnx").string();
    ASSERT_TRUE(WriteOnnxModel(*model, path).ok());
    const torch::Tensor got = RunOpenCv(path, photos, expected.sizes());
    const double max_abs = (got - expected).abs().max().item<double>();
    std::printf("detector %dx%d: largest |difference| %.3g of outputs up to %.3g\n", width, height, max_abs,
                expected.abs().max().item<double>());
    EXPECT_LT(max_abs, 1e-3 * std::max(1.0, expected.abs().max().item<double>()));
    std::map<std::string, std::string> metadata;
    for (const auto& p : model->metadata_props()) metadata[p.key()] = p.value();
    EXPECT_EQ(metadata["facerec.input_size"], std::to_string(width) + "x" + std::to_string(height));
  }
}

TEST(OnnxExportTest, AnUnknownArchitectureABadSizeAndAForeignFileAreNamed) {
  backbones::BackboneOptions options;
  options.name = "mobilefacenet";
  auto backbone = backbones::MakeBackbone(options);
  ASSERT_TRUE(backbone.ok()) << backbone.status();
  const auto mobile = EmbeddingNetToOnnx({*backbone, options, true}, {});
  EXPECT_EQ(mobile.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(mobile.status().message().find("mobilefacenet"), std::string::npos) << mobile.status();
  const auto odd = DetectorNetToOnnx(detect::DetectorNet(detect::DetectorNetOptions{}), 480, 650, {});
  EXPECT_EQ(odd.status().code(), absl::StatusCode::kInvalidArgument);
  const std::filesystem::path foreign = testing::FreshTempDir("onnx_foreign") / "photo.pt";
  testing::WriteFile(foreign, "JFIF, not a model");
  for (tracking::ModelKind kind :
       {tracking::ModelKind::kLandmarks, tracking::ModelKind::kDetector, tracking::ModelKind::kRecogniser}) {
    const auto read = ExportModelToOnnx(kind, foreign.string());
    EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << tracking::ModelKindName(kind);
    EXPECT_NE(read.status().message().find(foreign.string()), std::string::npos) << read.status();
  }
}

}  // namespace
}  // namespace facerec::exporting
