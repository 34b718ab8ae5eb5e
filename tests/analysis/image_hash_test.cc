#include "facerec/analysis/image_hash.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facerec/data/image.h"
#include "tests/testing/test_data.h"

namespace facerec::analysis {
namespace {

cv::Mat Celeba(const char* file) {
  auto rgb = data::ReadRgbImage(
      (testing::DataRoot() / "celeba500/celebA_train_500/celebA_imgs" / file).string());
  EXPECT_TRUE(rgb.ok()) << rgb.status();
  return *rgb;
}

cv::Mat Reencoded(const cv::Mat& rgb, int quality) {
  std::vector<uchar> bytes;
  cv::imencode(".jpg", rgb, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  return cv::imdecode(bytes, cv::IMREAD_UNCHANGED);  // Channel order is irrelevant to the round trip.
}

TEST(PerceptualHashTest, StaysWithinAFewBitsUnderReencodingResizingCroppingAndBrightness) {
  for (const char* file : {"000001.jpg", "000002.jpg", "000003.jpg"}) {
    const cv::Mat rgb = Celeba(file);
    const uint64_t h = PerceptualHash(rgb);
    EXPECT_LE(HammingDistance(h, PerceptualHash(Reencoded(rgb, 60))), 4) << file;
    cv::Mat small;
    cv::resize(rgb, small, cv::Size(), 0.6, 0.6, cv::INTER_AREA);
    EXPECT_LE(HammingDistance(h, PerceptualHash(small)), 4) << file;
    // 3% off every side.
    const int dx = rgb.cols * 3 / 100, dy = rgb.rows * 3 / 100;
    EXPECT_LE(HammingDistance(h, PerceptualHash(rgb(cv::Rect(dx, dy, rgb.cols - 2 * dx, rgb.rows - 2 * dy)))), 12)
        << file;
    cv::Mat brighter;
    rgb.convertTo(brighter, -1, 1.0, 25);
    EXPECT_LE(HammingDistance(h, PerceptualHash(brighter)), 4) << file;
  }
}

TEST(PerceptualHashTest, DifferentPhotosOfTheSameFramingDifferInManyBits) {
  // Aligned CelebA crops share their framing: the hardest case for a hash.
  const uint64_t a = PerceptualHash(Celeba("000001.jpg"));
  const uint64_t b = PerceptualHash(Celeba("000002.jpg"));
  const uint64_t c = PerceptualHash(Celeba("000003.jpg"));
  EXPECT_GT(HammingDistance(a, b), 12);
  EXPECT_GT(HammingDistance(a, c), 12);
  EXPECT_GT(HammingDistance(b, c), 12);
}

TEST(PerceptualHashTest, GreyAndRgbOfTheSamePictureHashAlike) {
  const cv::Mat rgb = Celeba("000001.jpg");
  cv::Mat grey;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  EXPECT_EQ(PerceptualHash(rgb), PerceptualHash(grey));
}

TEST(GreyThumbnailTest, CorrelatesACopyNearOneAndIsZeroForAFlatImage) {
  const cv::Mat rgb = Celeba("000001.jpg");
  const std::vector<float> a = GreyThumbnail(rgb), b = GreyThumbnail(Reencoded(rgb, 60));
  double self = 0, copy = 0;
  for (int i = 0; i < 256; ++i) {
    self += a[i] * a[i];
    copy += a[i] * b[i];
  }
  EXPECT_NEAR(self, 1, 1e-5);
  EXPECT_GT(copy, 0.98);
  for (float v : GreyThumbnail(cv::Mat(20, 20, CV_8UC3, cv::Scalar(7, 7, 7)))) EXPECT_EQ(v, 0);
}

TEST(HammingDistanceTest, CountsDifferingBits) {
  EXPECT_EQ(HammingDistance(0, 0), 0);
  EXPECT_EQ(HammingDistance(0, ~uint64_t{0}), 64);
  EXPECT_EQ(HammingDistance(0b1011, 0b0001), 2);
}

}  // namespace
}  // namespace facerec::analysis
