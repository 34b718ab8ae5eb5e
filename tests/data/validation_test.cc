#include "facerec/data/validation.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

using ::facerec::testing::DataRoot;
using ::facerec::testing::FreshTempDir;
using ::facerec::testing::WriteFile;

std::string Jpeg(int width, int height) {
  cv::Mat image(height, width, CV_8UC3, cv::Scalar(10, 20, 30));
  std::vector<unsigned char> bytes;
  cv::imencode(".jpg", image, bytes);
  return std::string(bytes.begin(), bytes.end());
}

TEST(ValidationTest, ReportsEachBrokenImageWithItsReason) {
  const auto dir = FreshTempDir("validation");
  std::vector<std::string> images;
  for (int i = 0; i < 20; ++i) {
    images.push_back((dir / ("ok" + std::to_string(i) + ".jpg")).string());
    WriteFile(images.back(), Jpeg(8, 6));
  }
  const std::string good = Jpeg(8, 6);
  WriteFile(dir / "truncated.jpg", good.substr(0, good.size() / 2));
  WriteFile(dir / "empty.jpg", "");
  WriteFile(dir / "wrong_size.jpg", Jpeg(9, 6));
  for (const char* name : {"truncated.jpg", "empty.jpg", "wrong_size.jpg", "missing.jpg"}) {
    images.push_back((dir / name).string());
  }
  const ValidationReport report = DecodeAll(images, std::make_pair(8, 6), /*threads=*/2);
  EXPECT_EQ(report.decoded, 20);
  ASSERT_EQ(report.failures.size(), 4u);
  // Sorted by path.
  EXPECT_NE(report.failures[0].reason.find("empty file"), std::string::npos);
  EXPECT_NE(report.failures[1].reason.find("cannot open"), std::string::npos);
  EXPECT_NE(report.failures[2].reason.find("truncated JPEG"), std::string::npos);
  EXPECT_NE(report.failures[3].reason.find("size 9x6, expected 8x6"), std::string::npos);
}

TEST(ValidationTest, InventoriesEveryDatasetOfTheRealRoot) {
  auto all = InventoryAll(DataRoot());
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 10u);
  size_t images = 0;
  for (const DatasetInventory& dataset : *all) images += dataset.images.size();
  // README: 12,011 + 3,223 + 12,995 (MTFL) + 185 + 711 + 479 + 2,364 + 9 + 807.
  EXPECT_EQ(images, 32784u);
}

}  // namespace
}  // namespace facerec::data
