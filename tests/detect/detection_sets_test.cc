// The detection sets on the real data: splits that partition each source,
// the README's face counts, the matching rule each needs, and the size rule.
#include "facerec/detect/detection_sets.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/testing/test_data.h"

namespace facerec::detect {
namespace {

size_t Faces(const DetectionSet& set) {
  size_t n = 0;
  for (const DetectionPhoto& p : set.photos) n += p.faces.size();
  return n;
}

DetectionSet Load(const std::string& name) {
  auto set = LoadDetectionSet(testing::DataRoot(), name);
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *set : DetectionSet();
}

void ExpectPartition(const DetectionSet& train, const DetectionSet& val) {
  std::set<std::string> seen;
  for (const DetectionSet* set : {&train, &val}) {
    for (const DetectionPhoto& p : set->photos) {
      EXPECT_TRUE(seen.insert(p.image_path).second) << p.image_path << " is in both splits";
    }
  }
  // One photo in kValidationEvery, to within one.
  const double share = static_cast<double>(val.photos.size()) / seen.size();
  EXPECT_NEAR(share, 1.0 / kValidationEvery, 1.0 / seen.size());
}

TEST(DetectionSetsTest, FacemaskSplitsPartitionThePhotosAndKeepEveryFace) {
  const DetectionSet train = Load("facemask_train"), val = Load("facemask_val");
  ExpectPartition(train, val);
  EXPECT_EQ(train.photos.size() + val.photos.size(), 711u);
  EXPECT_EQ(Faces(train) + Faces(val), 3441u);
  EXPECT_EQ(val.rule, metrics::MatchRule::kIntersectionOverUnion);
  EXPECT_FALSE(val.recall_only);
}

TEST(DetectionSetsTest, WebFacesAreMatchedByTheirPoints) {
  const DetectionSet train = Load("webfaces_train"), val = Load("webfaces_val");
  ExpectPartition(train, val);
  EXPECT_EQ(Faces(train) + Faces(val), 3464u);
  EXPECT_EQ(val.rule, metrics::MatchRule::kPointsInside);
  for (const DetectionPhoto& p : val.photos) {
    for (const metrics::AnnotatedFace& f : p.faces) ASSERT_EQ(f.points.size(), 4u) << p.image_path;
  }
}

TEST(DetectionSetsTest, DlibAndAfwSetsAreWhole) {
  const DetectionSet test = Load("dlib_test"), train = Load("dlib_train");
  EXPECT_EQ(test.photos.size(), 5u);
  EXPECT_EQ(Faces(test), 25u);
  EXPECT_EQ(train.photos.size(), 4u);
  EXPECT_EQ(Faces(train), 18u);
  const DetectionSet afw = Load("afw");
  EXPECT_TRUE(afw.recall_only);
  EXPECT_EQ(afw.rule, metrics::MatchRule::kPointsInside);
  EXPECT_EQ(Faces(afw), 337u);  // One per .pts file.
  EXPECT_LT(afw.photos.size(), Faces(afw));  // Some photos have several.
}

TEST(DetectionSetsTest, AnUnknownSetListsTheKnownOnes) {
  auto set = LoadDetectionSet(testing::DataRoot(), "wider");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("facemask_val"), std::string::npos);
}

TEST(DetectionSetsTest, SmallFacesAreIgnoredByTheirSide) {
  DetectionSet set;
  set.photos.resize(1);
  metrics::AnnotatedFace narrow;
  narrow.box = {0, 0, 20, 30};  // Shorter side 20.
  metrics::AnnotatedFace big;
  big.box = {0, 0, 30, 24};
  metrics::AnnotatedFace points;  // Eyes 15 px apart: side 30.
  points.points = {{0, 0}, {15, 0}, {7, 8}, {7, 15}};
  set.photos[0].faces = {narrow, big, points};
  IgnoreFacesSmallerThan(24, &set);
  EXPECT_TRUE(set.photos[0].faces[0].ignore);
  EXPECT_FALSE(set.photos[0].faces[1].ignore);
  EXPECT_FALSE(set.photos[0].faces[2].ignore);
  IgnoreFacesSmallerThan(31, &set);
  EXPECT_TRUE(set.photos[0].faces[2].ignore);
}

}  // namespace
}  // namespace facerec::detect
