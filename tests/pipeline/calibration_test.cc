// The calibrated thresholds against brute force on random embeddings: the
// FPIR threshold lets through at most the asked share of strangers (and one
// step lower lets through more); enrolled people never calibrate; too few
// strangers or pairs is an error, not a number.
#include "facerec/pipeline/calibration.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "facerec/metrics/unit_rows.h"

namespace facerec::pipeline {
namespace {

CalibrationSet RandomSet(int persons, int photos_each, int dim, uint64_t seed) {
  torch::manual_seed(seed);
  CalibrationSet set;
  set.name = "random";
  const torch::Tensor centres = torch::randn({persons, dim});
  std::vector<torch::Tensor> rows;
  for (int p = 0; p < persons; ++p) {
    for (int k = 0; k < photos_each; ++k) {
      rows.push_back(centres[p] + 0.7 * torch::randn({dim}));
      set.persons.push_back(absl::StrCat("p", p));
    }
  }
  set.embeddings = metrics::UnitRows(torch::stack(rows));
  return set;
}

chain::Gallery GalleryOf(const CalibrationSet& set, const std::vector<std::string>& names) {
  chain::Gallery gallery("sha", static_cast<int>(set.embeddings.size(1)));
  for (const std::string& name : names) {
    std::vector<torch::Tensor> rows;
    for (size_t i = 0; i < set.persons.size(); ++i) {
      if (set.persons[i] == name) rows.push_back(set.embeddings[static_cast<int64_t>(i)]);
    }
    EXPECT_TRUE(gallery.Add(name, torch::stack(rows)).ok());
  }
  return gallery;
}

TEST(GalleryThresholdAtFpirTest, AcceptsAtMostTheAskedShareOfStrangersAndNoFewerThanBruteForceAllows) {
  const CalibrationSet set = RandomSet(/*persons=*/160, /*photos_each=*/2, /*dim=*/16, 1);
  std::vector<std::string> enrolled;
  for (int p = 0; p < 20; ++p) enrolled.push_back(absl::StrCat("p", p));
  const chain::Gallery gallery = GalleryOf(set, enrolled);
  for (double fpir : {0.01, 0.05, 0.2}) {
    const absl::StatusOr<GalleryCalibration> c = GalleryThresholdAtFpir(set, gallery, fpir);
    ASSERT_TRUE(c.ok()) << c.status();
    // Brute force over the strangers' best scores.
    std::vector<double> best;
    for (size_t i = 0; i < set.persons.size(); ++i) {
      if (std::find(enrolled.begin(), enrolled.end(), set.persons[i]) != enrolled.end()) continue;
      best.push_back(gallery.BestMatch(set.embeddings[static_cast<int64_t>(i)]).score);
    }
    EXPECT_EQ(c->strangers, static_cast<int64_t>(best.size()));
    const auto accepted = std::count_if(best.begin(), best.end(), [&](double s) { return s >= c->threshold; });
    EXPECT_EQ(c->accepted, accepted);
    EXPECT_LE(accepted, static_cast<int64_t>(fpir * best.size())) << fpir;
    EXPECT_EQ(accepted, static_cast<int64_t>(std::floor(fpir * best.size()))) << fpir;
    // Lowered to the best score it refuses, one more stranger would pass: too many.
    double refused = -2;
    for (double b : best) {
      if (b < c->threshold) refused = std::max(refused, b);
    }
    const auto lowered = std::count_if(best.begin(), best.end(), [&](double s) { return s >= refused; });
    EXPECT_GT(static_cast<double>(lowered), fpir * best.size()) << fpir;
  }
}

TEST(GalleryThresholdAtFpirTest, TooFewStrangersCannotResolveTheRate) {
  const CalibrationSet set = RandomSet(30, 2, 8, 2);
  const chain::Gallery gallery = GalleryOf(set, {"p0", "p1"});
  const absl::Status status = GalleryThresholdAtFpir(set, gallery, 0.01).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_NE(status.message().find("need at least 100"), std::string::npos) << status;
}

TEST(PairThresholdAtFarTest, DifferentPersonPairsExceedItAtTheAskedRate) {
  const CalibrationSet set = RandomSet(60, 3, 16, 3);
  const absl::StatusOr<double> t = PairThresholdAtFar(set, 0.01);
  ASSERT_TRUE(t.ok()) << t.status();
  const torch::Tensor s = torch::mm(set.embeddings, set.embeddings.t());
  int64_t false_pairs = 0, above = 0;
  for (int64_t i = 0; i < s.size(0); ++i) {
    for (int64_t j = i + 1; j < s.size(0); ++j) {
      if (set.persons[i] == set.persons[j]) continue;
      ++false_pairs;
      above += s[i][j].item<float>() >= *t;
    }
  }
  EXPECT_NEAR(static_cast<double>(above) / false_pairs, 0.01, 0.002);
  const absl::Status few = PairThresholdAtFar(RandomSet(5, 2, 8, 4), 1e-3).status();
  EXPECT_NE(few.message().find("cannot resolve a false-accept rate"), std::string::npos) << few;
}

TEST(WithoutPersonsTest, DropsEveryPhotoOfTheNamedPeopleAndKeepsTheRestInOrder) {
  const CalibrationSet set = RandomSet(4, 2, 4, 5);
  const CalibrationSet kept = WithoutPersons(set, {"p1", "p3"});
  EXPECT_EQ(kept.persons, (std::vector<std::string>{"p0", "p0", "p2", "p2"}));
  EXPECT_TRUE(torch::equal(kept.embeddings[2], set.embeddings[4]));
}

}  // namespace
}  // namespace facerec::pipeline
