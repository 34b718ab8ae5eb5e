#include "facerec/pipeline/alignment.h"
#include "facerec/tracking/experiment_names.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

using data::Point2;

TEST(AlignmentTest, WarpPutsEachImagesPointsOnTheTemplate) {
  // Points of a rotated, shifted face in an 83x100 crop; each marked by a dot.
  const std::vector<Point2> points = {{40, 52}, {66, 58}, {52, 72}, {40, 88}, {62, 92}};
  cv::Mat image(100, 83, CV_8UC3, cv::Scalar(0, 0, 0));
  for (const Point2& p : points) {
    cv::circle(image, cv::Point(static_cast<int>(p.x), static_cast<int>(p.y)), 2,
               cv::Scalar(255, 255, 255), cv::FILLED);
  }
  const std::vector<Point2> relative_template = {
      {0.33, 0.38}, {0.67, 0.38}, {0.5, 0.55}, {0.36, 0.74}, {0.64, 0.74}};
  const data::FaceImages warped = WarpToRelativeTemplate(
      data::FaceImages::FromImages({image}, {7}), {points}, relative_template);
  ASSERT_EQ(warped.size(), 1u);
  EXPECT_EQ(warped.label(0), 7);
  EXPECT_EQ(warped.image(0).size(), image.size());
  // The eyes are symmetric on the template and the input points nearly a
  // similarity of it: the eye dots must land within ~2 px of their targets.
  for (int k : {0, 1}) {
    const int x = static_cast<int>(relative_template[k].x * 83);
    const int y = static_cast<int>(relative_template[k].y * 100);
    cv::Mat window = warped.image(0)(cv::Rect(x - 3, y - 3, 7, 7));
    double max_value = 0;
    cv::minMaxLoc(window.reshape(1), nullptr, &max_value);
    EXPECT_GT(max_value, 100) << "no dot near template point " << k;
  }
}

TEST(AlignmentTest, RealignedDataGetsAFingerprintOfItsPoints) {
  cv::RNG rng(7);
  auto images = [&](int n) {
    std::vector<cv::Mat> mats;
    for (int i = 0; i < n; ++i) {
      cv::Mat m(100, 83, CV_8UC3);
      rng.fill(m, cv::RNG::UNIFORM, 0, 255);
      mats.push_back(m);
    }
    return data::FaceImages::FromImages(mats, std::vector<int>(n, 0));
  };
  RecognitionData original;
  original.train = images(3);
  original.val = images(1);
  original.test = images(1);
  original.queries = images(2);
  original.distractors = images(1);
  original.lfw = images(1);
  original.fingerprint = "provided";
  auto realigned_fingerprint = [&](int seed) {
    torch::manual_seed(seed);
    align::LandmarkNetOptions options;
    options.base_width = 8;
    options.hidden = 32;
    align::LandmarkDetector detector{align::LandmarkNet(options)};
    RecognitionData copy = original;
    auto report = RealignRecognitionData(detector, &copy);
    EXPECT_TRUE(report.ok()) << report.status();
    return copy.fingerprint;
  };
  const std::string first = realigned_fingerprint(1);
  EXPECT_NE(first, "provided");
  EXPECT_EQ(realigned_fingerprint(1), first);  // Same net, same crops: same data.
  EXPECT_NE(realigned_fingerprint(2), first);  // Another net: other crops.
}

TEST(AlignmentTest, CropLandmarkBoxScalesWithTheCrop) {
  const align::SquareBox box = CropLandmarkBox(83, 100);
  EXPECT_DOUBLE_EQ(box.center_x, 41.5);
  EXPECT_DOUBLE_EQ(box.center_y, 57);
  EXPECT_DOUBLE_EQ(box.side, 130);
}

TEST(AlignmentTest, LatestLandmarkModelIsTheNewestFinishedRunsArtifact) {
  const auto dir = testing::FreshTempDir("alignment_store");
  auto store = tracking::ExperimentStore::Open((dir / "store.db").string());
  ASSERT_TRUE(store.ok());
  const absl::StatusOr<std::string> none = LatestLandmarkModel(**store);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("train_landmarks"), std::string::npos);
  for (const char* status : {"old", "new", "failed"}) {
    tracking::RunOptions options;
    options.experiment = tracking::kTrainLandmarks;
    options.name = "landmark_net";
    auto id = (*store)->StartRun(options);
    ASSERT_TRUE(id.ok());
    const std::string model = (dir / (std::string(status) + ".pt")).string();
    testing::WriteFile(model, status);
    ASSERT_TRUE((*store)->LogArtifact(*id, "landmark_net", model).ok());
    ASSERT_TRUE((*store)
                    ->FinishRun(*id, std::string(status) == "failed" ? tracking::RunStatus::kFailed
                                                                     : tracking::RunStatus::kFinished)
                    .ok());
  }
  const absl::StatusOr<std::string> latest = LatestLandmarkModel(**store);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(std::filesystem::path(*latest).filename(), "new.pt");
  // The newest run's file gone (an export imported elsewhere): the older one serves.
  std::filesystem::remove(dir / "new.pt");
  const absl::StatusOr<std::string> older = LatestLandmarkModel(**store);
  ASSERT_TRUE(older.ok()) << older.status();
  EXPECT_EQ(std::filesystem::path(*older).filename(), "old.pt");
  // No file left: an error naming the newest missing one.
  std::filesystem::remove(dir / "old.pt");
  const absl::StatusOr<std::string> gone = LatestLandmarkModel(**store);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("new.pt"), std::string::npos) << gone.status();
}

}  // namespace
}  // namespace facerec::pipeline
