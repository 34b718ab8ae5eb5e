#include "facerec/core/sha256.h"

#include <gtest/gtest.h>

#include <fstream>

namespace facerec {
namespace {

TEST(Sha256Test, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, ADigestIsSixtyFourLowercaseHexDigits) {
  EXPECT_TRUE(IsSha256Hex(Sha256Hex("abc")));
  EXPECT_FALSE(IsSha256Hex(Sha256Hex("abc").substr(1)));
  std::string upper = Sha256Hex("abc");
  upper[0] = 'B';
  EXPECT_FALSE(IsSha256Hex(upper));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'g')));
  EXPECT_FALSE(IsSha256Hex("nets/a.pt"));
}

TEST(Sha256Test, IncrementalEqualsOneShotAndFile) {
  const std::string text(200000, 'x');
  Sha256 hasher;
  hasher.Update(absl::string_view(text).substr(0, 12345));
  hasher.Update(absl::string_view(text).substr(12345));
  const std::string digest = hasher.HexDigest();
  EXPECT_EQ(digest, Sha256Hex(text));
  const std::string path = ::testing::TempDir() + "/sha.bin";
  std::ofstream(path, std::ios::binary) << text;
  EXPECT_EQ(*Sha256OfFile(path), digest);
  EXPECT_EQ(Sha256OfFile(path + ".missing").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace facerec
