#include "facerec/data/lfw.h"

#include <gtest/gtest.h>

#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

using ::facerec::testing::DataRoot;
using ::facerec::testing::FreshTempDir;
using ::facerec::testing::WriteFile;

TEST(LfwTest, ReadsFoldOne) {
  auto pairs = LoadLfwPairs(DataRoot() / "lfw_fold1");
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(pairs->folds, 1);
  EXPECT_EQ(pairs->pairs_per_class, 300);
  ASSERT_EQ(pairs->pairs.size(), 600u);
  EXPECT_TRUE(pairs->pairs[0].same);
  EXPECT_FALSE(pairs->pairs[300].same);
  EXPECT_NE(pairs->pairs[0].first.find("Abel_Pacheco/Abel_Pacheco_0001.jpg"), std::string::npos);
  EXPECT_NE(pairs->pairs[0].second.find("Abel_Pacheco_0004.jpg"), std::string::npos);
}

TEST(LfwTest, MalformedPairLineNamesFileAndLine) {
  const auto dir = FreshTempDir("lfw");
  WriteFile(dir / "lfw-deepfunneled" / "A" / "A_0001.jpg", "x");
  WriteFile(dir / "lfw-deepfunneled" / "A" / "A_0002.jpg", "x");
  WriteFile(dir / "pairs.txt", "1\t1\nA\t1\t2\nA\t1\tB\n");
  auto pairs = LoadLfwPairs(dir);
  ASSERT_FALSE(pairs.ok());
  EXPECT_NE(pairs.status().message().find("pairs.txt:3:"), std::string::npos) << pairs.status();
}

}  // namespace
}  // namespace facerec::data
