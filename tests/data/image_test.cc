#include "facerec/data/image.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

using ::facerec::testing::DataRoot;
using ::facerec::testing::FreshTempDir;
using ::facerec::testing::WriteFile;

std::string EncodeJpeg(const cv::Mat& bgr) {
  std::vector<unsigned char> bytes;
  EXPECT_TRUE(cv::imencode(".jpg", bgr, bytes));
  return std::string(bytes.begin(), bytes.end());
}

TEST(ImageTest, DecodesARealCelebaImageAndCropsTheIdRateWindow) {
  const auto path =
      DataRoot() / "celeba500" / "celebA_train_500" / "celebA_imgs" / "000001.jpg";
  auto rgb = ReadRgbImage(path.string());
  ASSERT_TRUE(rgb.ok()) << rgb.status();
  EXPECT_EQ(rgb->cols, 178);
  EXPECT_EQ(rgb->rows, 218);
  EXPECT_EQ(rgb->type(), CV_8UC3);
  auto face = CropIdRateWindow(*rgb);
  ASSERT_TRUE(face.ok());
  EXPECT_EQ(face->cols, 83);
  EXPECT_EQ(face->rows, 100);
  // The crop is the window, pixel for pixel.
  EXPECT_EQ(face->at<cv::Vec3b>(0, 0), rgb->at<cv::Vec3b>(75, 44));
  EXPECT_EQ(face->at<cv::Vec3b>(99, 82), rgb->at<cv::Vec3b>(174, 126));
}

TEST(ImageTest, IdRateQueriesHaveTheWindowSize) {
  const auto path = DataRoot() / "celeba500" / "celebA_ir" / "celebA_query" / "001265.jpg";
  auto rgb = ReadRgbImage(path.string());
  ASSERT_TRUE(rgb.ok()) << rgb.status();
  EXPECT_EQ(rgb->cols, kIdRateWindow.width);
  EXPECT_EQ(rgb->rows, kIdRateWindow.height);
  EXPECT_FALSE(CropIdRateWindow(*rgb).ok());  // Already cropped: wrong size.
}

TEST(ImageTest, ConvertsRgbToChwFloat) {
  cv::Mat rgb(2, 3, CV_8UC3, cv::Scalar(0, 0, 0));
  rgb.at<cv::Vec3b>(1, 2) = cv::Vec3b(255, 51, 0);
  const torch::Tensor t = ImageToTensor(rgb);
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{3, 2, 3}));
  EXPECT_EQ(t.dtype(), torch::kFloat32);
  EXPECT_FLOAT_EQ(t[0][1][2].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(t[1][1][2].item<float>(), 0.2f);
  EXPECT_FLOAT_EQ(t[2][1][2].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(t.sum().item<float>(), 1.2f);
}

TEST(ImageTest, KeepsChannelOrderRgb) {
  cv::Mat bgr(16, 16, CV_8UC3, cv::Scalar(255, 0, 0));  // Pure blue in OpenCV's BGR.
  const auto dir = FreshTempDir("rgb");
  WriteFile(dir / "blue.png", [&] {
    std::vector<unsigned char> bytes;
    cv::imencode(".png", bgr, bytes);
    return std::string(bytes.begin(), bytes.end());
  }());
  auto rgb = ReadRgbImage((dir / "blue.png").string());
  ASSERT_TRUE(rgb.ok());
  EXPECT_EQ(rgb->at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));
}

TEST(ImageTest, MissingFileIsNotFoundAndNamesIt) {
  auto image = ReadRgbImage("/no/such/dir/face.jpg");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(image.status().message().find("/no/such/dir/face.jpg"), std::string::npos);
}

TEST(ImageTest, EmptyFileIsDataLoss) {
  const auto path = FreshTempDir("empty") / "empty.jpg";
  WriteFile(path, "");
  auto image = ReadRgbImage(path.string());
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(image.status().message().find("empty.jpg: empty file"), std::string::npos)
      << image.status();
}

TEST(ImageTest, TruncatedJpegIsDataLoss) {
  cv::Mat bgr(64, 64, CV_8UC3);
  cv::randu(bgr, 0, 255);
  const std::string jpeg = EncodeJpeg(bgr);
  const auto path = FreshTempDir("truncated") / "half.jpg";
  WriteFile(path, jpeg.substr(0, jpeg.size() / 2));
  auto image = ReadRgbImage(path.string());
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(image.status().message().find("half.jpg: truncated JPEG"), std::string::npos)
      << image.status();
  // The intact file decodes.
  WriteFile(path, jpeg);
  EXPECT_TRUE(ReadRgbImage(path.string()).ok());
}

TEST(ImageTest, GarbageBytesAreDataLoss) {
  const auto path = FreshTempDir("garbage") / "noise.jpg";
  WriteFile(path, std::string(1000, 'z'));
  auto image = ReadRgbImage(path.string());
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(image.status().message().find("noise.jpg: cannot decode"), std::string::npos)
      << image.status();
}

TEST(ImageTest, CorruptJpegBodyIsDataLoss) {
  cv::Mat bgr(64, 64, CV_8UC3);
  cv::randu(bgr, 0, 255);
  std::string jpeg = EncodeJpeg(bgr);
  // Keep the SOI and EOI markers but wipe the headers in between.
  std::fill(jpeg.begin() + 2, jpeg.begin() + 400, '\x00');
  auto image = DecodeRgbImage(jpeg, "wiped.jpg");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(image.status().message().find("wiped.jpg"), std::string::npos);
}

}  // namespace
}  // namespace facerec::data
