// The chain's stages on their own: which face a protocol picks, the
// landmark box for a detection, the warp onto the template, the embedder's
// file and unit rows, and the landmark stage by name.
#include "facerec/chain/face_chain.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <torch/torch.h>

#include "facerec/align/similarity_transform.h"
#include "facerec/chain/face_alignment.h"
#include "facerec/chain/face_embedder.h"
#include "facerec/chain/landmark_stage.h"
#include "facerec/core/sha256.h"

namespace facerec::chain {
namespace {

detect::Detection Box(double x, double y, double w, double h) {
  detect::Detection d;
  d.box = {x, y, w, h};
  return d;
}

TEST(NearestToCentre, PicksTheFaceNearestThePhotoCentre) {
  const std::vector<detect::Detection> faces = {Box(0, 0, 50, 50), Box(90, 90, 20, 20),
                                                Box(150, 150, 80, 80)};
  EXPECT_EQ(NearestToCentre(faces, cv::Size(200, 200)), 1);
  EXPECT_EQ(Largest(faces), 2);
  EXPECT_EQ(NearestToCentre({}, cv::Size(200, 200)), -1);
  EXPECT_EQ(Largest({}), -1);
}

TEST(LandmarkBoxForDetection, IsTheBoxSquareScaledAroundItsCentre) {
  const align::SquareBox b = LandmarkBoxForDetection({10, 20, 40, 60});
  EXPECT_DOUBLE_EQ(b.center_x, 30);
  EXPECT_DOUBLE_EQ(b.center_y, 50);
  EXPECT_DOUBLE_EQ(b.side, 60 * kDetectionToLandmarkBox);
}

TEST(AlignToIdRateWindow, PutsThePointsOnTheTemplate) {
  // A photo with a dot at each point of a face rotated 30 degrees, twice the
  // template's size: after the warp each dot lies on its template point.
  const std::vector<data::Point2> t = IdRateWindowTemplate();
  std::vector<data::Point2> points;
  const double a = 30 * CV_PI / 180;
  cv::Mat photo(400, 400, CV_8UC3, cv::Scalar(0, 0, 0));
  for (const data::Point2& p : t) {
    const data::Point2 q{200 + 2 * (std::cos(a) * (p.x - 41) - std::sin(a) * (p.y - 50)),
                         200 + 2 * (std::sin(a) * (p.x - 41) + std::cos(a) * (p.y - 50))};
    points.push_back(q);
    cv::circle(photo, cv::Point2d(q.x, q.y), 4, cv::Scalar(255, 255, 255), cv::FILLED);
  }
  const cv::Mat crop = AlignToIdRateWindow(photo, points);
  EXPECT_EQ(crop.cols, 83);
  EXPECT_EQ(crop.rows, 100);
  for (const data::Point2& p : t) {
    EXPECT_GT(crop.at<cv::Vec3b>(static_cast<int>(p.y), static_cast<int>(p.x))[0], 200)
        << p.x << "," << p.y;
  }
  EXPECT_LT(crop.at<cv::Vec3b>(5, 5)[0], 20);  // Far from every dot.
}

TEST(FaceEmbedder, GivesUnitRowsAndNamesTheModelBySha256) {
  backbones::BackboneOptions options;
  options.name = "ir_mini";
  options.width_multiplier = 0.25;
  options.embedding_size = 16;
  options.stem_stride = 2;
  auto backbone = backbones::MakeBackbone(options);
  ASSERT_TRUE(backbone.ok());
  const std::string path = (std::filesystem::path(::testing::TempDir()) / "e.pt").string();
  ASSERT_TRUE(backbones::SaveEmbeddingNet({*backbone, options, true}, path).ok());
  auto embedder = FaceEmbedder::Load(path);
  ASSERT_TRUE(embedder.ok()) << embedder.status();
  EXPECT_EQ(embedder->model_sha256(), *Sha256OfFile(path));
  cv::Mat a(100, 83, CV_8UC3), b(100, 83, CV_8UC3);
  cv::randu(a, 0, 255);
  cv::randu(b, 0, 255);
  const torch::Tensor e = embedder->Embed({a, b});
  ASSERT_EQ(e.size(0), 2);
  ASSERT_EQ(e.size(1), 16);
  EXPECT_NEAR(e[0].norm().item<double>(), 1, 1e-5);
  // The same crop alone embeds the same (no batch effects in eval mode).
  EXPECT_TRUE(torch::allclose(embedder->Embed({b})[0], e[1], 1e-5, 1e-5));
  EXPECT_EQ(FaceEmbedder::Load(path + ".missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(MakeLandmarkStage, KnowsItsStagesByName) {
  auto points = MakeLandmarkStage("detector_points", "");
  ASSERT_TRUE(points.ok());
  detect::Detection with = Box(0, 0, 10, 10);
  with.points = {{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}};
  auto located = (*points)->Locate(cv::Mat(), with);
  ASSERT_TRUE(located.ok());
  EXPECT_DOUBLE_EQ((*located)[4].y, 10);
  EXPECT_EQ((*points)->Locate(cv::Mat(), Box(0, 0, 10, 10)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const auto unknown = MakeLandmarkStage("sift", "");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("landmark_net"), std::string::npos);
  EXPECT_EQ(MakeLandmarkStage("landmark_net", "/no/such/net.pt").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace facerec::chain
