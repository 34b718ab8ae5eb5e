// The named landmark sets: each name loads its faces, the corrected AFLW
// set differs from the distributed one by exactly the documented pixel, and
// an unknown name is an error that names it.
#include "facerec/pipeline/landmarks.h"

#include <gtest/gtest.h>

#include "facerec/data/landmarks.h"
#include "tests/testing/test_data.h"

namespace facerec::pipeline {
namespace {

TEST(LandmarkSetTest, CorrectedAflwLabelsAreTheDistributedOnesMovedOnePixelUpLeft) {
  absl::StatusOr<LandmarkSet> distributed = LoadLandmarkSet(testing::DataRoot(), "mtfl_test", 2);
  absl::StatusOr<LandmarkSet> corrected =
      LoadLandmarkSet(testing::DataRoot(), kMtflTestMinus1px, 2);
  ASSERT_TRUE(distributed.ok()) << distributed.status();
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  ASSERT_EQ(distributed->examples.size(), 2995u);
  ASSERT_EQ(corrected->examples.size(), distributed->examples.size());
  EXPECT_EQ(corrected->mtfl_list, "new_testing.txt");
  for (size_t i = 0; i < distributed->examples.size(); ++i) {
    const auto& a = distributed->examples[i];
    const auto& b = corrected->examples[i];
    ASSERT_EQ(a.image_path, b.image_path);
    for (int k = 0; k < 5; ++k) {
      ASSERT_DOUBLE_EQ(b.points[k].x, a.points[k].x - data::kMtflTestLabelOffsetPx) << a.source;
      ASSERT_DOUBLE_EQ(b.points[k].y, a.points[k].y - data::kMtflTestLabelOffsetPx) << a.source;
    }
    // The box is the whole 80x80 image for both: the net sees the same input.
    ASSERT_EQ(a.box.center_x, b.box.center_x);
    ASSERT_EQ(a.box.side, b.box.side);
  }
}

TEST(LandmarkSetTest, CorrectedAflwSetInAListReusesTheDistributedSetsPhotos) {
  absl::StatusOr<std::vector<LandmarkSet>> sets =
      LoadLandmarkSets(testing::DataRoot(), "mtfl_test,mtfl_test_minus1px", 2);
  ASSERT_TRUE(sets.ok()) << sets.status();
  ASSERT_EQ(sets->size(), 2u);
  const LandmarkSet& distributed = (*sets)[0];
  const LandmarkSet& corrected = (*sets)[1];
  EXPECT_EQ(distributed.same_faces_as, "");
  EXPECT_EQ(corrected.name, kMtflTestMinus1px);
  EXPECT_EQ(corrected.same_faces_as, "mtfl_test");  // Predictions on mtfl_test serve it.
  ASSERT_EQ(corrected.examples.size(), distributed.examples.size());
  for (size_t i = 0; i < corrected.examples.size(); ++i) {
    // Made from the loaded set, not decoded again: the very same pixels.
    ASSERT_EQ(corrected.examples[i].photo.data, distributed.examples[i].photo.data);
    ASSERT_DOUBLE_EQ(corrected.examples[i].points[0].x,
                     distributed.examples[i].points[0].x - data::kMtflTestLabelOffsetPx);
  }
}

TEST(LandmarkSetTest, TrainingSourcesLeaveOutTheShiftedRows) {
  absl::StatusOr<LandmarkSet> lfw = LoadLandmarkSet(testing::DataRoot(), "mtfl_train_lfw", 2);
  absl::StatusOr<LandmarkSet> net = LoadLandmarkSet(testing::DataRoot(), "mtfl_train_net", 2);
  ASSERT_TRUE(lfw.ok()) << lfw.status();
  ASSERT_TRUE(net.ok()) << net.status();
  EXPECT_EQ(lfw->examples.size(), 4151u);
  EXPECT_EQ(net->examples.size(), 5849u - 2350u);
  for (const auto& e : net->examples) ASSERT_FALSE(data::IsShiftedMtflRow(e.image_path)) << e.source;
}

TEST(LandmarkSetTest, PoseSeriesIsTheShiftedRowsWithTheirYRestored) {
  absl::StatusOr<LandmarkSet> pose = LoadLandmarkSet(testing::DataRoot(), "mtfl_train_pose", 2);
  ASSERT_TRUE(pose.ok()) << pose.status();
  ASSERT_EQ(pose->examples.size(), 2350u);
  absl::StatusOr<std::vector<data::LandmarkFace>> rows =
      data::LoadMtfl(testing::DataRoot(), "new_training.txt");
  ASSERT_TRUE(rows.ok()) << rows.status();
  size_t next = 0;
  for (const data::LandmarkFace& row : *rows) {
    if (!data::IsShiftedMtflRow(row.image_path)) continue;
    const auto& e = pose->examples[next++];
    ASSERT_EQ(e.image_path, row.image_path);
    for (int k = 0; k < 5; ++k) {
      ASSERT_DOUBLE_EQ(e.points[k].x, row.points[k].x);
      ASSERT_DOUBLE_EQ(e.points[k].y, row.points[k].y + data::kShiftedMtflRowOffsetY);
    }
  }
  EXPECT_EQ(next, pose->examples.size());
}

TEST(LandmarkSetTest, ListsLoadInOrderAndFailOnAnyUnknownName) {
  absl::StatusOr<std::vector<LandmarkSet>> sets =
      LoadLandmarkSets(testing::DataRoot(), "afw, mtfl_train_lfw", 2);
  ASSERT_TRUE(sets.ok()) << sets.status();
  ASSERT_EQ(sets->size(), 2u);
  EXPECT_EQ((*sets)[0].name, "afw");
  EXPECT_EQ((*sets)[0].examples.size(), 337u);
  EXPECT_EQ((*sets)[1].name, "mtfl_train_lfw");
  EXPECT_EQ(LoadLandmarkSets(testing::DataRoot(), "afw,afv", 2).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LandmarkSetTest, UnknownNameIsAnErrorNamingIt) {
  absl::StatusOr<LandmarkSet> set = LoadLandmarkSet(testing::DataRoot(), "aflw2000", 2);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(set.status().message().find("aflw2000"), std::string::npos) << set.status();
  EXPECT_NE(set.status().message().find("mtfl_test_minus1px"), std::string::npos) << set.status();
}

}  // namespace
TEST(LandmarkSetTest, SplitEveryNthHoldsOutEveryNthRowInOrder) {
  std::vector<align::LandmarkExample> rows(10);
  for (size_t i = 0; i < rows.size(); ++i) rows[i].source = std::to_string(i);
  std::vector<align::LandmarkExample> kept, held;
  SplitEveryNth(rows, 4, &kept, &held);
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].source, "3");
  EXPECT_EQ(held[1].source, "7");
  EXPECT_EQ(kept.size(), 8u);
  EXPECT_EQ(kept[3].source, "4");
  kept.clear();
  held.clear();
  SplitEveryNth(rows, 0, &kept, &held);
  EXPECT_EQ(kept.size(), 10u);
  EXPECT_TRUE(held.empty());
}

TEST(LandmarkSetTest, SetsWithTheSameFacesArePredictedOnce) {
  std::vector<LandmarkSet> sets(3);
  sets[0].name = "mtfl_test";
  sets[0].examples.resize(2);
  sets[1].name = "mtfl_test_minus1px";
  sets[1].same_faces_as = "mtfl_test";
  sets[1].examples.resize(2);
  sets[2].name = "afw";
  sets[2].examples.resize(3);
  int calls = 0;
  const auto predicted =
      PredictOncePerFaceSet(sets, [&calls](const std::vector<align::LandmarkExample>& examples) {
        ++calls;
        return std::vector<std::vector<data::Point2>>(examples.size(),
                                                      {{static_cast<double>(calls), 0}});
      });
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(predicted.size(), 3u);
  ASSERT_EQ(predicted[1].size(), 2u);
  EXPECT_EQ(predicted[1][0][0].x, predicted[0][0][0].x);  // The first call's, shared.
  EXPECT_EQ(predicted[1][0][0].x, 1);
  EXPECT_EQ(predicted[2].size(), 3u);
  EXPECT_EQ(predicted[2][0][0].x, 2);
}

}  // namespace facerec::pipeline
