// The gallery: templates as normalised means, the best match by brute force,
// the file round trip, and the refusal of another recogniser's gallery.
#include "facerec/chain/gallery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <torch/torch.h>

namespace facerec::chain {
namespace {

torch::Tensor Unit(const std::vector<float>& v) {
  torch::Tensor t = torch::tensor(v);
  return t / t.norm();
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / name).string();
}

TEST(Gallery, MatchesTheNearestTemplateByCosine) {
  Gallery g("sha-a", 3);
  ASSERT_TRUE(g.Add("x", torch::stack({Unit({1, 0, 0}), Unit({1, 0.2f, 0})})).ok());
  ASSERT_TRUE(g.Add("y", torch::stack({Unit({0, 1, 0})})).ok());
  const torch::Tensor probe = Unit({0.9f, 0.1f, 0.4f});
  // Brute force: the template is the renormalised mean.
  const torch::Tensor x = (Unit({1, 0, 0}) + Unit({1, 0.2f, 0})) / 2;
  const double expected_x = (x / x.norm()).dot(probe).item<double>();
  const GalleryMatch m = g.BestMatch(probe);
  EXPECT_EQ(m.name, "x");
  EXPECT_NEAR(m.score, expected_x, 1e-6);
  EXPECT_EQ(g.BestMatch(Unit({0.1f, 1, 0})).name, "y");
}

TEST(Gallery, RejectsBadEmbeddings) {
  Gallery g("sha", 3);
  EXPECT_EQ(g.Add("", torch::ones({1, 3})).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(g.Add("a", torch::ones({1, 4})).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(g.Add("a", torch::ones({0, 3})).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(g.BestMatch(Unit({1, 0, 0})).name.empty());  // Empty gallery.
}

TEST(Gallery, RoundTripsThroughItsFile) {
  Gallery g(std::string(64, 'a'), 3);
  ASSERT_TRUE(g.Add("Ada Lovelace", torch::stack({Unit({1, 2, 3}), Unit({3, 2, 1})})).ok());
  ASSERT_TRUE(g.Add("Bob", torch::stack({Unit({0, 0, 1})})).ok());
  const std::string path = TempPath("round_trip.gallery");
  ASSERT_TRUE(g.Save(path).ok());
  auto loaded = Gallery::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->recogniser_sha256(), g.recogniser_sha256());
  EXPECT_EQ(loaded->names(), (std::vector<std::string>{"Ada Lovelace", "Bob"}));
  EXPECT_EQ(loaded->photos(), (std::vector<int>{2, 1}));
  for (const auto& probe : {Unit({1, 1, 1}), Unit({0, 0.2f, 1}), Unit({-1, 0, 0})}) {
    EXPECT_EQ(loaded->BestMatch(probe).name, g.BestMatch(probe).name);
    EXPECT_NEAR(loaded->BestMatch(probe).score, g.BestMatch(probe).score, 1e-7);
  }
}

TEST(Gallery, RefusesAnotherRecogniserAndSaysWhy) {
  Gallery g(std::string(64, 'a'), 3);
  EXPECT_TRUE(g.CheckRecogniser(std::string(64, 'a')).ok());
  const absl::Status s = g.CheckRecogniser(std::string(64, 'b'));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("aaaaaaaaaaaa"), std::string::npos);
  EXPECT_NE(s.message().find("bbbbbbbbbbbb"), std::string::npos);
}

TEST(Gallery, NamesAMissingOrForeignFile) {
  EXPECT_EQ(Gallery::Load(TempPath("missing.gallery")).status().code(), absl::StatusCode::kNotFound);
  const std::string path = TempPath("not_a_gallery");
  {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("hello", f);
    std::fclose(f);
  }
  const auto bad = Gallery::Load(path);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace facerec::chain
