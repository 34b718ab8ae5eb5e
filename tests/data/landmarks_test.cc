#include "facerec/data/landmarks.h"

#include <gtest/gtest.h>

#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

using ::facerec::testing::DataRoot;
using ::facerec::testing::FreshTempDir;
using ::facerec::testing::WriteFile;

TEST(MtflTest, ReadsTheRealLists) {
  auto train = LoadMtfl(DataRoot(), "new_training.txt");
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ(train->size(), 10000u);
  auto test = LoadMtfl(DataRoot(), "new_testing.txt");
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_EQ(test->size(), 2995u);
  // First training row: x1 = 34.32, y1 = 34.8 (columns are x1..x5 then y1..y5).
  EXPECT_DOUBLE_EQ((*train)[0].points[0].x, 34.32);
  EXPECT_NEAR((*train)[0].points[0].y, 34.8, 1e-9);
  EXPECT_DOUBLE_EQ((*train)[0].points[4].y, 52.08);
}

TEST(MtflTest, ShiftedTrainingRowsAreTheNet7876UnderscoreFilesWithEyesAtTheTop) {
  auto train = LoadMtfl(DataRoot(), "new_training.txt");
  ASSERT_TRUE(train.ok()) << train.status();
  int shifted = 0;
  double shifted_eye_y = 0, other_eye_y = 0;
  for (const LandmarkFace& face : *train) {
    const double eye_y = (face.points[0].y + face.points[1].y) / 2;
    if (IsShiftedMtflRow(face.image_path)) {
      ++shifted;
      shifted_eye_y += eye_y;
    } else {
      other_eye_y += eye_y;
    }
  }
  ASSERT_EQ(shifted, 2350);
  // The defect itself: eyes near the top edge of the 80x80 crop.
  EXPECT_LT(shifted_eye_y / shifted, 8);
  EXPECT_GT(other_eye_y / (train->size() - shifted), 25);
  auto test = LoadMtfl(DataRoot(), "new_testing.txt");
  ASSERT_TRUE(test.ok()) << test.status();
  for (const LandmarkFace& face : *test) EXPECT_FALSE(IsShiftedMtflRow(face.image_path)) << face.source;
}

TEST(MtflTest, MalformedRowNamesFileAndLine) {
  const auto root = FreshTempDir("mtfl");
  WriteFile(root / "mtfl" / "a.jpg", "x");
  WriteFile(root / "mtfl" / "list.txt", "a.jpg 1 2 3 4 5 6 7 8 9 10\na.jpg 1 2 3\n");
  auto faces = LoadMtfl(root, "list.txt");
  ASSERT_FALSE(faces.ok());
  EXPECT_NE(faces.status().message().find("list.txt:2:"), std::string::npos) << faces.status();
}

TEST(AfwTest, ReadsAll337FacesWith68Points) {
  auto faces = LoadAfw(DataRoot());
  ASSERT_TRUE(faces.ok()) << faces.status();
  EXPECT_EQ(faces->size(), 337u);
  for (const LandmarkFace& face : *faces) ASSERT_EQ(face.points.size(), 68u) << face.source;
}

TEST(AfwTest, PtsWithWrongCountNamesTheFileAndLine) {
  const auto path = FreshTempDir("pts") / "x_1.pts";
  WriteFile(path, "version: 1\nn_points: 3\n{\n1 2\n3 4\n}\n");
  auto points = ReadPts(path.string());
  ASSERT_FALSE(points.ok());
  EXPECT_NE(points.status().message().find("x_1.pts:2: n_points is 3 but 2"), std::string::npos)
      << points.status();
  WriteFile(path, "version: 1\nn_points: 1\n{\n1 two\n}\n");
  points = ReadPts(path.string());
  ASSERT_FALSE(points.ok());
  EXPECT_NE(points.status().message().find("x_1.pts:4:"), std::string::npos) << points.status();
}

TEST(LandmarksTest, ReducesIbug68ToFiveByTheDocumentedRule) {
  std::vector<Point2> points(68);
  for (int i = 0; i < 68; ++i) points[i] = {static_cast<double>(i + 1), 0};  // x = 1-based index.
  const std::vector<Point2> five = ReduceIbug68ToFive(points);
  ASSERT_EQ(five.size(), 5u);
  EXPECT_DOUBLE_EQ(five[0].x, (37 + 42) / 2.0);
  EXPECT_DOUBLE_EQ(five[1].x, (43 + 48) / 2.0);
  EXPECT_DOUBLE_EQ(five[2].x, 31);
  EXPECT_DOUBLE_EQ(five[3].x, 49);
  EXPECT_DOUBLE_EQ(five[4].x, 55);
}

}  // namespace
}  // namespace facerec::data
