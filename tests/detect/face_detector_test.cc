// NMS and the shared finishing step, checked against the properties that
// define greedy suppression on random boxes; option checks name the field.
#include "facerec/detect/face_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "facerec/metrics/detection.h"

namespace facerec::detect {
namespace {

Detection At(double x, double y, double side, double score) {
  Detection d;
  d.box = {x, y, side, side};
  d.score = score;
  return d;
}

TEST(FaceDetectorTest, NmsKeepsTheBestOfEachOverlappingGroup) {
  const std::vector<Detection> kept = NonMaximumSuppression(
      {At(0, 0, 10, 0.5), At(1, 0, 10, 0.9), At(50, 50, 10, 0.7), At(2, 1, 10, 0.8)}, 0.4);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].score, 0.9);
  EXPECT_EQ(kept[1].score, 0.7);
}

// Greedy NMS is the one subset where (1) no two kept boxes overlap by the
// threshold and (2) every dropped box overlaps a kept box that scores higher.
TEST(FaceDetectorTest, NmsMatchesItsDefinitionOnRandomBoxes) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Detection> all;
    for (int i = 0; i < 30; ++i) all.push_back(At(100 * u(rng), 100 * u(rng), 10 + 30 * u(rng), u(rng)));
    const double iou = 0.2 + 0.6 * u(rng);
    const std::vector<Detection> kept = NonMaximumSuppression(all, iou);
    for (size_t i = 0; i < kept.size(); ++i) {
      if (i > 0) {
        EXPECT_GE(kept[i - 1].score, kept[i].score);
      }
      for (size_t j = i + 1; j < kept.size(); ++j) {
        EXPECT_LT(metrics::IntersectionOverUnion(kept[i].box, kept[j].box), iou);
      }
    }
    for (const Detection& d : all) {
      const bool was_kept = std::any_of(kept.begin(), kept.end(), [&](const Detection& k) {
        return k.score == d.score && k.box.x == d.box.x;
      });
      if (was_kept) continue;
      EXPECT_TRUE(std::any_of(kept.begin(), kept.end(), [&](const Detection& k) {
        return k.score >= d.score && metrics::IntersectionOverUnion(k.box, d.box) >= iou;
      })) << "trial " << trial << ": a dropped box overlaps no better kept box";
    }
  }
}

TEST(FaceDetectorTest, FinishingDropsLowScoresAndSmallFacesBeforeSuppression) {
  FaceDetectorOptions options;
  options.score_threshold = 0.3;
  options.min_face_size = 20;
  // The small box scores highest and would suppress the big one if it counted.
  const std::vector<Detection> kept = FinishDetections(
      {At(0, 0, 15, 0.99), At(0, 0, 24, 0.6), At(100, 100, 40, 0.2)}, options);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].box.width, 24);
}

TEST(FaceDetectorTest, AZeroSmallestFaceIsTheDetectorsOwnAndAnyOtherIsKept) {
  FaceDetectorOptions options;
  EXPECT_EQ(options.min_face_size, 0);
  EXPECT_TRUE(ValidateFaceDetectorOptions(options).ok());
  EXPECT_EQ(WithOwnSmallestFace(options, 8).min_face_size, 8);
  options.min_face_size = 30;
  EXPECT_EQ(WithOwnSmallestFace(options, 8).min_face_size, 30);
}

TEST(FaceDetectorTest, BadOptionsNameTheField) {
  FaceDetectorOptions o;
  o.nms_iou = 0;
  EXPECT_NE(ValidateFaceDetectorOptions(o).message().find("nms_iou=0"), std::string::npos);
  o = FaceDetectorOptions();
  o.min_face_size = -1;
  EXPECT_NE(ValidateFaceDetectorOptions(o).message().find("min_face_size=-1"), std::string::npos);
  o = FaceDetectorOptions();
  o.input_scale = 20;
  EXPECT_NE(ValidateFaceDetectorOptions(o).message().find("input_scale=20"), std::string::npos);
  EXPECT_TRUE(ValidateFaceDetectorOptions(FaceDetectorOptions()).ok());
}

TEST(FaceDetectorTest, PhotosMustBeEightBitGreyOrColour) {
  EXPECT_FALSE(ValidatePhoto(cv::Mat()).ok());
  EXPECT_FALSE(ValidatePhoto(cv::Mat(10, 10, CV_32FC3)).ok());
  EXPECT_FALSE(ValidatePhoto(cv::Mat(10, 10, CV_8UC4)).ok());
  EXPECT_TRUE(ValidatePhoto(cv::Mat(10, 10, CV_8UC3)).ok());
  EXPECT_TRUE(ValidatePhoto(cv::Mat(10, 10, CV_8UC1)).ok());
}

TEST(FaceDetectorTest, GreyAtScaleResizesAndNeverSharesPixels) {
  cv::Mat colour(40, 60, CV_8UC3, cv::Scalar(10, 20, 30));
  const cv::Mat half = GreyAtScale(colour, 0.5);
  EXPECT_EQ(half.type(), CV_8UC1);
  EXPECT_EQ(half.cols, 30);
  EXPECT_EQ(half.rows, 20);
  cv::Mat grey(10, 10, CV_8UC1, cv::Scalar(7));
  cv::Mat same = GreyAtScale(grey, 1.0);
  same.setTo(0);
  EXPECT_EQ(grey.at<unsigned char>(0, 0), 7);
  EXPECT_EQ(GreyAtScale(grey, 2.0).cols, 20);
}

}  // namespace
}  // namespace facerec::detect
