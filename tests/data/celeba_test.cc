#include "facerec/data/celeba.h"

#include <gtest/gtest.h>

#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

using ::facerec::testing::DataRoot;
using ::facerec::testing::FreshTempDir;
using ::facerec::testing::WriteFile;

TEST(Celeba500Test, ReadsTheRealSetWithItsDocumentedCounts) {
  auto dataset = LoadCeleba500(DataRoot());
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->images.size(), 12011u);
  EXPECT_EQ(dataset->num_identities, 500);
  EXPECT_EQ(dataset->Indices(Split::kTrain).size(), 8544u);
  EXPECT_EQ(dataset->Indices(Split::kVal).size(), 1878u);
  EXPECT_EQ(dataset->Indices(Split::kTest).size(), 1589u);
  EXPECT_EQ(dataset->ByIdentity(Split::kTrain).size(), 500u);  // All ids in train.
  EXPECT_EQ(dataset->images[0].file, "000001.jpg");
  EXPECT_EQ(dataset->images[0].identity, 0);
}

TEST(IdRateSetTest, ReadsTheRealSetAndItsPairCounts) {
  auto set = LoadIdRateSet(DataRoot());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->queries.size(), 1222u);
  EXPECT_EQ(set->distractors.size(), 2001u);
  EXPECT_EQ(set->NumQueryIdentities(), 51);
  const IdRatePairCounts counts = set->PairCounts();
  EXPECT_EQ(counts.positive, 14721);
  EXPECT_EQ(counts.query_negative, 731310);
  EXPECT_EQ(counts.distractor_negative, 2445222);
}

// A tiny CelebA-500 layout with the given annotation and split texts.
std::filesystem::path MakeCeleba(const std::string& name, const std::string& anno,
                                 const std::string& split) {
  const auto root = FreshTempDir(name);
  const auto dir = root / "celeba500" / "celebA_train_500";
  WriteFile(dir / "celebA_anno.txt", anno);
  WriteFile(dir / "celebA_train_split.txt", split);
  WriteFile(dir / "celebA_imgs" / "a.jpg", "x");
  WriteFile(dir / "celebA_imgs" / "b.jpg", "x");
  return root;
}

TEST(Celeba500Test, MalformedAnnotationLineNamesFileAndLine) {
  const auto root = MakeCeleba("malformed", "a.jpg 0\nb.jpg one\n", "a.jpg 0\nb.jpg 0\n");
  auto dataset = LoadCeleba500(root);
  ASSERT_FALSE(dataset.ok());
  EXPECT_EQ(dataset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(dataset.status().message().find("celebA_anno.txt:2:"), std::string::npos)
      << dataset.status();
  EXPECT_NE(dataset.status().message().find("b.jpg one"), std::string::npos);
}

TEST(Celeba500Test, BadSplitValueNamesTheSplitFile) {
  const auto root = MakeCeleba("badsplit", "a.jpg 0\nb.jpg 0\n", "a.jpg 0\nb.jpg 7\n");
  auto dataset = LoadCeleba500(root);
  ASSERT_FALSE(dataset.ok());
  EXPECT_NE(dataset.status().message().find("celebA_train_split.txt:2:"), std::string::npos)
      << dataset.status();
}

TEST(Celeba500Test, MissingImageNamesTheAnnotationLine) {
  const auto root = MakeCeleba("missing", "a.jpg 0\nc.jpg 0\n", "a.jpg 0\nc.jpg 0\n");
  auto dataset = LoadCeleba500(root);
  ASSERT_FALSE(dataset.ok());
  EXPECT_EQ(dataset.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(dataset.status().message().find("celebA_anno.txt:2: image"), std::string::npos)
      << dataset.status();
  EXPECT_NE(dataset.status().message().find("c.jpg"), std::string::npos);
}

TEST(Celeba500Test, MissingAnnotationFileIsNotFound) {
  const auto root = FreshTempDir("noanno");
  std::filesystem::create_directories(root / "celeba500" / "celebA_train_500");
  auto dataset = LoadCeleba500(root);
  ASSERT_FALSE(dataset.ok());
  EXPECT_EQ(dataset.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(dataset.status().message().find("celebA_anno.txt"), std::string::npos);
}

TEST(IdRateSetTest, MalformedQueryLineNamesFileAndLine) {
  const auto root = FreshTempDir("badquery");
  const auto dir = root / "celeba500" / "celebA_ir";
  WriteFile(dir / "celebA_anno_query.csv", "img,id\nq.jpg,3\nq.jpg;4\n");
  WriteFile(dir / "celebA_query" / "q.jpg", "x");
  std::filesystem::create_directories(dir / "celebA_distractors");
  auto set = LoadIdRateSet(root);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("celebA_anno_query.csv:3:"), std::string::npos)
      << set.status();
}

TEST(IdRateSetTest, PairCountsByFormula) {
  IdRateSet set;
  for (int id : {1, 1, 1, 2, 2}) set.queries.push_back({"", "", id});
  set.distractors = {"d1", "d2"};
  const IdRatePairCounts counts = set.PairCounts();
  EXPECT_EQ(counts.positive, 3 + 1);
  EXPECT_EQ(counts.query_negative, 10 - 4);
  EXPECT_EQ(counts.distractor_negative, 10);
}

}  // namespace
}  // namespace facerec::data
