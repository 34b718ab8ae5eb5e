// How tight crops are padded for the chain and how photos are letterboxed:
// sizes, what fills the margin, and the colour order the detectors take.
#include "facerec/pipeline/chain_evaluation.h"

#include <gtest/gtest.h>

namespace facerec::pipeline {
namespace {

// An RGB crop whose left column is red and the rest blue.
cv::Mat RedLeftEdge(int w, int h) {
  cv::Mat rgb(h, w, CV_8UC3, cv::Scalar(0, 0, 255));
  rgb.col(0).setTo(cv::Scalar(255, 0, 0));
  return rgb;
}

TEST(PadTightCrop, AddsTheFractionOfTheSizeOnEverySide) {
  const cv::Mat bgr = PadTightCrop(RedLeftEdge(83, 100), CropPadding::kGrey, 0.5);
  EXPECT_EQ(bgr.cols, 83 + 2 * 42);
  EXPECT_EQ(bgr.rows, 200);
}

TEST(PadTightCrop, ReplicateRepeatsTheEdgeAndGreyFillsWith127) {
  const cv::Mat replicated = PadTightCrop(RedLeftEdge(20, 10), CropPadding::kReplicateBorder, 0.5);
  const cv::Mat grey = PadTightCrop(RedLeftEdge(20, 10), CropPadding::kGrey, 0.5);
  // Output is BGR: red is (0, 0, 255).
  EXPECT_EQ(replicated.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));        // The red edge, outwards.
  EXPECT_EQ(replicated.at<cv::Vec3b>(0, 39), cv::Vec3b(255, 0, 0));       // The blue one.
  EXPECT_EQ(grey.at<cv::Vec3b>(0, 0), cv::Vec3b(127, 127, 127));
  EXPECT_EQ(grey.at<cv::Vec3b>(10, 10), cv::Vec3b(0, 0, 255));            // The crop's red column.
  EXPECT_EQ(replicated.at<cv::Vec3b>(10, 10), grey.at<cv::Vec3b>(10, 10));  // Inside: the crop alike.
}

TEST(CropPaddingByName, KnowsEachNameAndRejectsOthersListingThem) {
  for (const std::string& name : KnownCropPaddings()) {
    const absl::StatusOr<CropPadding> p = CropPaddingByName(name);
    ASSERT_TRUE(p.ok()) << name;
    EXPECT_EQ(CropPaddingName(*p), name);
  }
  const absl::StatusOr<CropPadding> bad = CropPaddingByName("mirror");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("replicate, grey"), std::string::npos);
}

TEST(LetterboxTo, FitsThePhotoCentredOnGrey) {
  const cv::Mat bgr = LetterboxTo(cv::Mat(100, 100, CV_8UC3, cv::Scalar(255, 0, 0)), cv::Size(640, 480));
  EXPECT_EQ(bgr.size(), cv::Size(640, 480));
  EXPECT_EQ(bgr.at<cv::Vec3b>(240, 320), cv::Vec3b(0, 0, 255));  // Red, scaled to 480x480.
  EXPECT_EQ(bgr.at<cv::Vec3b>(240, 50), cv::Vec3b(127, 127, 127));
  EXPECT_EQ(bgr.at<cv::Vec3b>(240, 100), cv::Vec3b(0, 0, 255));   // 80 px margin each side.
}

}  // namespace
}  // namespace facerec::pipeline
