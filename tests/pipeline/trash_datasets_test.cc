// A folder of people as the trash search's items: a face found is searched
// as its aligned crop, a photo without one as its own bytes (so the search
// can call it unusable), every photo labelled with its person.
#include "facerec/pipeline/trash_datasets.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "facerec/core/file_bytes.h"
#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

namespace fs = std::filesystem;

TEST(TrashItemsFromDatasetTest, FacesBecomeAlignedCropsAndFacelessPhotosStayAsTheyAre) {
  const fs::path dir = testing::FreshTempDir("trash_items");
  const fs::path lfw = testing::DataRoot() / "lfw_fold1" / "lfw-deepfunneled";
  for (const char* person : {"Abel_Pacheco", "Antony_Leung"}) {
    fs::create_directories(dir / "people" / person);
    for (const auto& f : fs::directory_iterator(lfw / person)) {
      fs::copy_file(f.path(), dir / "people" / person / f.path().filename());
    }
  }
  cv::imwrite((dir / "people" / "Antony_Leung" / "wall.png").string(), cv::Mat(120, 160, CV_8UC3, cv::Scalar(90, 90, 90)));
  DatasetOptions options;
  options.dataset = *ParseDatasetSpec(absl::StrCat("folder:", (dir / "people").string()));
  options.chain.detector_model = "models/facerec-detector.pt";
  options.chain.landmark_model = "models/facerec-landmarks.pt";
  options.face_cache = dir / "cache";
  const absl::StatusOr<std::vector<analysis::TrashItem>> items = TrashItemsFromDataset(options);
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 7u);  // 3 + 3 photos and the wall.
  int crops = 0;
  for (const analysis::TrashItem& item : *items) {
    EXPECT_EQ(item.identity, absl::StartsWith(item.file, "Abel_Pacheco/") ? 0 : 1) << item.file;
    const cv::Mat decoded = cv::imdecode(std::vector<uchar>(item.bytes.begin(), item.bytes.end()), cv::IMREAD_COLOR);
    if (item.file == "Antony_Leung/wall.png") {
      EXPECT_EQ(item.bytes, *ReadFileBytes((dir / "people" / item.file).string()));
    } else {
      EXPECT_EQ(decoded.size(), cv::Size(83, 100)) << item.file;
      ++crops;
    }
  }
  EXPECT_EQ(crops, 6);
  DatasetOptions builtin;
  EXPECT_TRUE(absl::IsInvalidArgument(TrashItemsFromDataset(builtin).status()));
}

}  // namespace
}  // namespace facerec::pipeline
