#include "facerec/analysis/image_quality.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "facerec/data/image.h"
#include "tests/testing/test_data.h"

namespace facerec::analysis {
namespace {

TEST(MeasureQualityTest, BlurLowersSharpnessAndDarkeningLowersBrightnessAndContrast) {
  auto rgb = data::ReadRgbImage(
      (testing::DataRoot() / "celeba500/celebA_train_500/celebA_imgs/000001.jpg").string());
  ASSERT_TRUE(rgb.ok()) << rgb.status();
  const ImageQuality q = MeasureQuality(*rgb);
  cv::Mat blurred, dark;
  cv::GaussianBlur(*rgb, blurred, cv::Size(0, 0), 3);
  rgb->convertTo(dark, -1, 0.2, 0);
  EXPECT_LT(MeasureQuality(blurred).sharpness, q.sharpness / 5);
  const ImageQuality d = MeasureQuality(dark);
  EXPECT_NEAR(d.brightness, 0.2 * q.brightness, 1.0);
  EXPECT_NEAR(d.contrast, 0.2 * q.contrast, 1.0);
}

TEST(MeasureQualityTest, AFlatImageHasNoSharpnessNorContrast) {
  const ImageQuality q = MeasureQuality(cv::Mat(40, 30, CV_8UC3, cv::Scalar(90, 90, 90)));
  EXPECT_NEAR(q.sharpness, 0, 1e-9);
  EXPECT_NEAR(q.contrast, 0, 1e-5);
  EXPECT_NEAR(q.brightness, 90, 1e-9);
}

TEST(RobustZTest, IsMedianMinusValueOverTheScaledMedianAbsoluteDeviation) {
  // Median 3; deviations 2 1 0 1 97 -> MAD 1.
  const std::vector<double> z = RobustZ({1, 2, 3, 4, 100});
  ASSERT_EQ(z.size(), 5u);
  EXPECT_NEAR(z[0], 2 / 1.4826, 1e-12);
  EXPECT_NEAR(z[2], 0, 1e-12);
  EXPECT_NEAR(z[4], -97 / 1.4826, 1e-12);
}

TEST(RobustZTest, ConstantValuesFallBackInsteadOfDividingByZero) {
  const std::vector<double> z = RobustZ({5, 5, 5, 5, 9});
  for (double v : z) EXPECT_TRUE(std::isfinite(v));
  EXPECT_LT(z[4], 0);
  EXPECT_TRUE(RobustZ({}).empty());
}

}  // namespace
}  // namespace facerec::analysis
