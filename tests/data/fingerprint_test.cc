#include "facerec/data/fingerprint.h"

#include <gtest/gtest.h>

#include "tests/testing/test_data.h"

namespace facerec::data {
namespace {

using ::facerec::testing::FreshTempDir;
using ::facerec::testing::WriteFile;

TEST(FingerprintTest, ChangesWithLabelsFilesAndSizesButNotLocationOrOrder) {
  const auto a = FreshTempDir("fp_a");
  const auto b = FreshTempDir("fp_b");
  for (const auto& root : {a, b}) {
    WriteFile(root / "img" / "1.jpg", "aaaa");
    WriteFile(root / "img" / "2.jpg", "bb");
    WriteFile(root / "anno.txt", "1.jpg 0\n2.jpg 1\n");
  }
  auto fingerprint = [](const std::filesystem::path& root, std::vector<std::string> files) {
    std::vector<std::string> absolute;
    for (const auto& f : files) absolute.push_back((root / f).string());
    auto fp = DatasetFingerprint(root, absolute, {(root / "anno.txt").string()});
    EXPECT_TRUE(fp.ok()) << fp.status();
    return fp.value_or("");
  };
  const std::string base = fingerprint(a, {"img/1.jpg", "img/2.jpg"});
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(fingerprint(b, {"img/2.jpg", "img/1.jpg"}), base);  // Other place, other order.
  EXPECT_NE(fingerprint(a, {"img/1.jpg"}), base);                // A file fewer.
  WriteFile(b / "anno.txt", "1.jpg 0\n2.jpg 2\n");                // One label edited.
  EXPECT_NE(fingerprint(b, {"img/1.jpg", "img/2.jpg"}), base);
  WriteFile(a / "img" / "2.jpg", "bbb");                          // An image replaced.
  EXPECT_NE(fingerprint(a, {"img/1.jpg", "img/2.jpg"}), base);
}

TEST(FingerprintTest, MissingFileIsNotFound) {
  const auto root = FreshTempDir("fp_missing");
  auto fp = DatasetFingerprint(root, {(root / "nope.jpg").string()}, {});
  ASSERT_FALSE(fp.ok());
  EXPECT_EQ(fp.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(fp.status().message().find("nope.jpg"), std::string::npos);
}

}  // namespace
}  // namespace facerec::data
