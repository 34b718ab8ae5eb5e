// SearchTrash end to end on a few real CelebA-500 images with tiny fold
// recognisers: what the face check is shown, what it reports, and that the
// wrong-identity flag follows its rule.
#include "facerec/analysis/trash_search.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <torch/torch.h>

#include "facerec/analysis/trash_sets.h"
#include "tests/testing/test_data.h"

namespace facerec::analysis {
namespace {

// The first `per_identity` images of each of the first `identities`
// identities of CelebA-500's train split, with the ID-rate window set.
std::vector<TrashItem> SmallSet(int identities, int per_identity, TrashSearchOptions* options) {
  absl::StatusOr<std::vector<TrashItem>> all = LoadTrashSet(testing::DataRoot(), "celeba500", options);
  EXPECT_TRUE(all.ok()) << all.status();
  std::map<int, int> taken;
  std::vector<TrashItem> items;
  for (const TrashItem& item : *all) {
    if (item.split != "train" || item.identity < 0) continue;
    if (taken.size() == static_cast<size_t>(identities) && !taken.count(item.identity)) continue;
    if (taken[item.identity] == per_identity) continue;
    ++taken[item.identity];
    items.push_back(item);
  }
  return items;
}

FoldTraining TinyTraining() {
  FoldTraining t;
  t.backbone.name = "ir_mini";
  t.backbone.width_multiplier = 0.25;
  t.backbone.embedding_size = 16;
  t.backbone.input_height = 32;
  t.backbone.input_width = 28;
  t.loss.name = "ce";
  t.loss.embedding_size = 16;
  t.sampler.batch_size = 4;
  t.augment.output_height = 32;
  t.augment.output_width = 28;
  t.train.epochs = 1;
  t.train.lr = 0.05;
  t.train.progress_interval_seconds = 1000;
  return t;
}

TEST(TrashSearchTest, TheFaceCheckSeesWholeFramesAndItsVerdictIsReportedPerImage) {
  TrashSearchOptions options;
  std::vector<TrashItem> items = SmallSet(3, 4, &options);
  ASSERT_EQ(items.size(), 12u);
  ASSERT_TRUE(options.window.has_value());
  options.folds = 2;
  std::set<std::pair<int, int>> sizes_seen;
  int calls = 0;
  // "No face" in every third image the check is shown, so the report must
  // carry the check's own verdicts, not a constant.
  options.has_face = [&](const cv::Mat& rgb) {
    sizes_seen.insert({rgb.cols, rgb.rows});
    return calls++ % 3 != 0;
  };
  absl::StatusOr<TrashReport> report = SearchTrash(items, TinyTraining(), options, torch::kCPU);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(calls, 12);
  EXPECT_EQ(sizes_seen, (std::set<std::pair<int, int>>{{options.frame.width, options.frame.height}}));
  ASSERT_EQ(report->face_found.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(report->face_found[i], i % 3 != 0) << "item " << i;
}

TEST(TrashSearchTest, AnImageIsFlaggedWrongIdentityExactlyWhenItsCentreGapAndLabelProbabilityPass) {
  TrashSearchOptions options;
  std::vector<TrashItem> items = SmallSet(4, 4, &options);
  options.folds = 2;
  // A gap of -2 passes every image with class mates: the probability alone decides.
  options.min_centre_gap = -2;
  options.max_label_probability = 0.3;
  absl::StatusOr<TrashReport> report = SearchTrash(items, TinyTraining(), options, torch::kCPU);
  ASSERT_TRUE(report.ok()) << report.status();
  int flagged = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const IdentityEvidence& ev = report->identity_evidence[i];
    const double gap = ev.nearest_other_cosine - ev.own_cosine;
    const bool expected = gap >= options.min_centre_gap && ev.p_label < options.max_label_probability;
    EXPECT_EQ(report->wrong_identity_flagged[i], expected) << "item " << i << " p_label " << ev.p_label;
    flagged += report->wrong_identity_flagged[i];
  }
  // Four identities at one epoch: labels are near-uniform guesses (~0.25), so
  // some images pass 0.3 and some do not; a rule that ignored it would not.
  EXPECT_GT(flagged, 0);
  EXPECT_LT(flagged, static_cast<int>(items.size()));

  // The same search with a gap no image can reach flags none.
  options.min_centre_gap = 2;
  report = SearchTrash(items, TinyTraining(), options, torch::kCPU);
  ASSERT_TRUE(report.ok()) << report.status();
  for (size_t i = 0; i < items.size(); ++i) EXPECT_FALSE(report->wrong_identity_flagged[i]) << "item " << i;
}

TEST(TrashSearchTest, ACentreGapOutsideTheCosineRangeIsAnErrorNamingIt) {
  TrashSearchOptions options;
  std::vector<TrashItem> items = SmallSet(2, 2, &options);
  options.min_centre_gap = 2.5;
  absl::StatusOr<TrashReport> report = SearchTrash(items, TinyTraining(), options, torch::kCPU);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(report.status().message().find("min_centre_gap=2.5"), std::string::npos) << report.status();
}

}  // namespace
}  // namespace facerec::analysis
