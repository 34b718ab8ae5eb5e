// API keys: only listed keys open, lines that are not keys are named.
#include "facerec/serve/api_keys.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace facerec::serve {
namespace {

using ::testing::HasSubstr;

TEST(ApiKeysTest, AcceptsExactlyTheListedKeys) {
  const absl::StatusOr<ApiKeys> keys =
      ApiKeys::FromText("# team keys\n  0123456789abcdef  \n\nfedcba9876543210fedcba\n", "keys.txt");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_TRUE(keys->Accepts("0123456789abcdef"));
  EXPECT_TRUE(keys->Accepts("fedcba9876543210fedcba"));
  for (const char* wrong : {"", "0123456789abcde", "0123456789abcdef ", "0123456789ABCDEF", "# team keys"}) {
    EXPECT_FALSE(keys->Accepts(wrong)) << wrong;
  }
  EXPECT_FALSE(ApiKeys().Accepts("0123456789abcdef"));
}

TEST(ApiKeysTest, NamesTheLineOfAKeyThatIsTooShortOrHoldsASpace) {
  absl::StatusOr<ApiKeys> short_key = ApiKeys::FromText("0123456789abcdef\nshort\n", "keys.txt");
  EXPECT_EQ(short_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_key.status().message(), HasSubstr("keys.txt:2: a key of 5 characters; at least 16"));
  absl::StatusOr<ApiKeys> spaced = ApiKeys::FromText("0123456789 abcdef\n", "keys.txt");
  EXPECT_THAT(spaced.status().message(), HasSubstr("keys.txt:1: a key is printable ASCII without spaces"));
  EXPECT_THAT(ApiKeys::FromText("# nothing\n", "keys.txt").status().message(), HasSubstr("holds no key"));
  EXPECT_EQ(ApiKeys::FromFile("/nonexistent/keys.txt").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace facerec::serve
