// The chain's stages on OpenCV's dnn module find what the LibTorch stages
// find: our shipped detector, run both ways on every photo of facemask_val
// and webfaces_val, gives the same number of faces with matched boxes at
// IoU >= 0.99; the whole chain on LFW photos gives the same points and
// embeddings. Needs FACEREC_DATA.
#include "facerec/export/opencv_dnn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include "facerec/chain/face_chain.h"
#include "facerec/detect/detection_sets.h"
#include "facerec/detect/detectors.h"
#include "facerec/metrics/detection.h"
#include "facerec/pipeline/shipped_models.h"
#include "tests/testing/test_data.h"

namespace facerec::exporting {
namespace {

using tracking::ModelKind;

std::string Shipped(ModelKind kind) {
  auto shipped = pipeline::ReadShippedModels(std::filesystem::current_path());
  EXPECT_TRUE(shipped.ok()) << shipped.status();
  for (const pipeline::ShippedModel& m : *shipped) {
    if (m.registration.kind == kind) return m.registration.path;
  }
  ADD_FAILURE() << "no shipped " << tracking::ModelKindName(kind);
  return "";
}

TEST(OpenCvDnnTest, OurDetectorFindsTheSameFacesOnEveryValidationPhoto) {
  detect::FaceDetectorOptions options;
  options.score_threshold = detect::DefaultScoreThreshold("ours");
  auto torch_detector = detect::OurDetector::Load(Shipped(ModelKind::kDetector), options);
  ASSERT_TRUE(torch_detector.ok()) << torch_detector.status();
  auto opencv_detector = OpenCvDnnDetector(Shipped(ModelKind::kDetector), options);
  ASSERT_TRUE(opencv_detector.ok()) << opencv_detector.status();
  for (const char* name : {"facemask_val", "webfaces_val"}) {
    auto set = detect::LoadDetectionSet(testing::DataRoot(), name);
    ASSERT_TRUE(set.ok()) << set.status();
    int photos = 0, faces = 0;
    double worst_iou = 1;
    for (const detect::DetectionPhoto& photo : set->photos) {
      const cv::Mat image = cv::imread(photo.image_path, cv::IMREAD_COLOR);
      ASSERT_FALSE(image.empty()) << photo.image_path;
      auto a = (*torch_detector)->Detect(image);
      auto b = (*opencv_detector)->Detect(image);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->size(), b->size()) << photo.image_path;
      // Each LibTorch face's best match among OpenCV's.
      for (const detect::Detection& d : *a) {
        double best = 0;
        for (const detect::Detection& e : *b) best = std::max(best, metrics::IntersectionOverUnion(d.box, e.box));
        worst_iou = std::min(worst_iou, best);
      }
      ++photos;
      faces += static_cast<int>(a->size());
    }
    std::printf("%s: %d photos, %d faces on both backends, worst matched IoU %.6f\n", name, photos, faces, worst_iou);
    EXPECT_GT(faces, photos / 2);  // Real detections, not an empty agreement.
    EXPECT_GE(worst_iou, 0.99) << name;
  }
}

TEST(OpenCvDnnTest, TheWholeChainGivesTheSamePointsAndEmbeddings) {
  chain::FaceChainOptions options;
  options.detector_model = Shipped(ModelKind::kDetector);
  options.landmark_model = Shipped(ModelKind::kLandmarks);
  options.embedding_model = Shipped(ModelKind::kRecogniser);
  auto torch_chain = chain::FaceChain::Create(options);
  ASSERT_TRUE(torch_chain.ok()) << torch_chain.status();
  options.backend = "opencv_dnn";
  auto opencv_chain = chain::FaceChain::Create(options);
  ASSERT_TRUE(opencv_chain.ok()) << opencv_chain.status();
  EXPECT_EQ((*torch_chain)->embedder().model_sha256(), (*opencv_chain)->embedder().model_sha256());
  const std::filesystem::path lfw = testing::DataRoot() / "lfw_fold1" / "lfw-deepfunneled";
  double worst_point = 0, worst_cosine = 1;
  for (const char* file : {"Hugo_Chavez/Hugo_Chavez_0002.jpg", "Jennifer_Garner/Jennifer_Garner_0001.jpg",
                           "Pervez_Musharraf/Pervez_Musharraf_0001.jpg", "Jacques_Rogge/Jacques_Rogge_0001.jpg"}) {
    const cv::Mat photo = cv::imread((lfw / file).string(), cv::IMREAD_COLOR);
    auto a = (*torch_chain)->Process(photo);
    auto b = (*opencv_chain)->Process(photo);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size()) << file;
    ASSERT_FALSE(a->empty()) << file;
    for (size_t i = 0; i < a->size(); ++i) {
      for (size_t k = 0; k < 5; ++k) {
        worst_point = std::max({worst_point, std::abs((*a)[i].points[k].x - (*b)[i].points[k].x),
                                std::abs((*a)[i].points[k].y - (*b)[i].points[k].y)});
      }
      worst_cosine = std::min(worst_cosine, (*a)[i].embedding.dot((*b)[i].embedding).item<double>());
    }
  }
  std::printf("chain: largest point difference %.3g px, smallest cosine between backends %.8f\n", worst_point,
              worst_cosine);
  EXPECT_LT(worst_point, 0.01);
  EXPECT_GT(worst_cosine, 1 - 1e-5);
}

TEST(OpenCvDnnTest, AnUnknownBackendIsNamed) {
  chain::FaceChainOptions options;
  options.backend = "tensorrt";
  options.embedding_model = Shipped(ModelKind::kRecogniser);
  const auto made = chain::FaceChain::Create(options);
  EXPECT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(made.status().message().find("tensorrt"), std::string::npos) << made.status();
}

}  // namespace
}  // namespace facerec::exporting
