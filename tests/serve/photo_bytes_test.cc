// Photo headers are read as their formats define them, limits hold before
// decoding, and broken bytes are named.
#include "facerec/serve/photo_bytes.h"

#include <opencv2/imgcodecs.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace facerec::serve {
namespace {

using ::testing::HasSubstr;

std::string Encoded(const std::string& extension, int width, int height, std::vector<int> params = {}) {
  cv::Mat image(height, width, CV_8UC3);
  cv::randu(image, 0, 255);
  std::vector<uchar> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes, params));
  return std::string(bytes.begin(), bytes.end());
}

TEST(PhotoBytesTest, ReadsTheSizeOfEveryFormatOpenCvWritesFromTheHeader) {
  for (const auto& [extension, format, params] :
       std::vector<std::tuple<std::string, std::string, std::vector<int>>>{
           {".jpg", "jpeg", {}},
           {".jpg", "jpeg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
           {".png", "png", {}},
           {".bmp", "bmp", {}},
           {".webp", "webp", {cv::IMWRITE_WEBP_QUALITY, 80}},
           {".webp", "webp", {cv::IMWRITE_WEBP_QUALITY, 101}}}) {  // 101: lossless.
    const absl::StatusOr<PhotoHeader> h = ReadPhotoHeader(Encoded(extension, 123, 45, params));
    ASSERT_TRUE(h.ok()) << extension << ": " << h.status();
    EXPECT_EQ(h->format, format);
    EXPECT_EQ(h->width, 123) << extension;
    EXPECT_EQ(h->height, 45) << extension;
  }
}

TEST(PhotoBytesTest, DecodesWithinTheLimitsAndRefusesBeyondThemBeforeDecoding) {
  PhotoLimits limits;
  limits.max_pixels = 100 * 100;
  limits.max_side = 150;
  absl::StatusOr<cv::Mat> ok = DecodePhoto(Encoded(".png", 100, 100), limits);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->cols, 100);
  absl::StatusOr<cv::Mat> big = DecodePhoto(Encoded(".png", 101, 100), limits);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(big.status().message(), HasSubstr("101x100 pixels is over the limit"));
  EXPECT_EQ(DecodePhoto(Encoded(".png", 160, 10), limits).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(PhotoBytesTest, NamesEmptyForeignTruncatedAndCorruptBytes) {
  const std::string jpeg = Encoded(".jpg", 64, 48);
  const std::string png = Encoded(".png", 64, 48);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty photo"},
      {"GIF89a....", "not a JPEG, PNG, BMP or WebP"},
      {jpeg.substr(0, jpeg.size() - 100), "truncated JPEG"},
      {jpeg.substr(0, 10), "JPEG header cut short"},
      {png.substr(0, png.size() - 20), "truncated PNG"},
      {png.substr(0, 20), "PNG header cut short"},
      {std::string("BM") + std::string(10, '\0'), "BMP header cut short"},
  };
  for (const auto& [bytes, message] : cases) {
    const absl::StatusOr<cv::Mat> photo = DecodePhoto(bytes, PhotoLimits());
    EXPECT_EQ(photo.status().code(), absl::StatusCode::kInvalidArgument) << message;
    EXPECT_THAT(photo.status().message(), HasSubstr(message));
  }
  // A whole header with garbage where the pixels should be: OpenCV's refusal is named.
  std::string corrupt = png;
  for (size_t i = 40; i + 20 < corrupt.size(); ++i) corrupt[i] = static_cast<char>(i * 7);
  const absl::StatusOr<cv::Mat> photo = DecodePhoto(corrupt, PhotoLimits());
  EXPECT_EQ(photo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(photo.status().message(), HasSubstr("cannot be decoded"));
}

}  // namespace
}  // namespace facerec::serve
