#include "facerec/analysis/fault_injection.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <map>
#include <random>

#include "facerec/data/image.h"

namespace facerec::analysis {
namespace {

std::string Jpeg(const cv::Mat& bgr) {
  std::vector<uchar> bytes;
  cv::imencode(".jpg", bgr, bytes);
  return std::string(bytes.begin(), bytes.end());
}

// 60 small distinct images of 6 identities.
std::vector<TrashItem> CleanSet() {
  std::vector<TrashItem> items;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 60; ++i) {
    cv::Mat bgr(218, 178, CV_8UC3);
    cv::randu(bgr, cv::Scalar::all(0), cv::Scalar::all(255));
    items.push_back({"img" + std::to_string(i) + ".jpg", "train", i % 6, Jpeg(bgr)});
  }
  return items;
}

std::vector<BackgroundPhoto> Backgrounds() {
  BackgroundPhoto photo;
  photo.rgb = cv::Mat(300, 400, CV_8UC3, cv::Scalar(30, 120, 200));
  photo.faces = {cv::Rect(0, 0, 100, 100)};
  return {photo};
}

TEST(RocAucTest, EqualsTheShareOfPositiveNegativePairsOrderedRightTiesHalf) {
  std::mt19937_64 rng(2);
  std::vector<double> score;
  std::vector<bool> positive;
  for (int i = 0; i < 80; ++i) {
    score.push_back(static_cast<double>(rng() % 10));
    positive.push_back(rng() % 3 == 0);
  }
  double wins = 0, pairs = 0;
  for (size_t i = 0; i < score.size(); ++i) {
    for (size_t j = 0; j < score.size(); ++j) {
      if (!positive[i] || positive[j]) continue;
      wins += score[i] > score[j] ? 1 : score[i] == score[j] ? 0.5 : 0;
      ++pairs;
    }
  }
  EXPECT_NEAR(RocAuc(score, positive), wins / pairs, 1e-12);
  EXPECT_DOUBLE_EQ(RocAuc({1, 2}, {true, true}), 0.5);
}

TEST(InjectFaultsTest, InjectsTheAskedCountsAndRecordsEachFault) {
  const std::vector<TrashItem> clean = CleanSet();
  FaultInjectionOptions o;
  o.swap_rate = 0.1;
  o.exact_duplicate_rate = 0.05;
  o.near_duplicate_rate = 0.1;
  o.junk_rate = 0.1;
  auto set = InjectFaults(clean, Backgrounds(), o);
  ASSERT_TRUE(set.ok()) << set.status();
  std::map<InjectedFault, int> count;
  for (InjectedFault f : set->fault) ++count[f];
  EXPECT_EQ(count[InjectedFault::kSwap], 6);
  EXPECT_EQ(count[InjectedFault::kExactDuplicate], 3);
  EXPECT_EQ(count[InjectedFault::kNearDuplicate], 6);
  EXPECT_EQ(count[InjectedFault::kJunk], 6);
  EXPECT_EQ(set->originals, 60);
  ASSERT_EQ(set->items.size(), 60u + 3 + 6 + 6);
  for (size_t i = 0; i < set->items.size(); ++i) {
    const TrashItem& item = set->items[i];
    switch (set->fault[i]) {
      case InjectedFault::kSwap:
        EXPECT_NE(item.identity, clean[i].identity);
        EXPECT_EQ(item.bytes, clean[i].bytes);
        break;
      case InjectedFault::kNone:
        EXPECT_EQ(item.identity, clean[i].identity);
        break;
      case InjectedFault::kExactDuplicate:
        EXPECT_EQ(item.bytes, clean[set->source[i]].bytes);
        EXPECT_EQ(item.identity, clean[set->source[i]].identity);
        break;
      case InjectedFault::kNearDuplicate: {
        EXPECT_NE(item.bytes, clean[set->source[i]].bytes);
        EXPECT_EQ(item.identity, clean[set->source[i]].identity);
        EXPECT_TRUE(data::DecodeRgbImage(item.bytes, item.file).ok());
        EXPECT_FALSE(set->change[i].empty());
        break;
      }
      case InjectedFault::kJunk: {
        auto rgb = data::DecodeRgbImage(item.bytes, item.file);
        ASSERT_TRUE(rgb.ok());
        EXPECT_EQ(rgb->size(), o.frame);
        EXPECT_EQ(set->source[i], -1);
        break;
      }
    }
  }
  // Deterministic in the seed.
  auto again = InjectFaults(clean, Backgrounds(), o);
  EXPECT_EQ(again->fault, set->fault);
  EXPECT_EQ(again->items.back().bytes, set->items.back().bytes);
}

TEST(InjectFaultsTest, RejectsBadRatesAndJunkWithoutBackgrounds) {
  FaultInjectionOptions o;
  o.swap_rate = 1.5;
  EXPECT_EQ(InjectFaults(CleanSet(), Backgrounds(), o).status().code(), absl::StatusCode::kInvalidArgument);
  o.swap_rate = 0.1;
  o.junk_rate = 0.1;
  EXPECT_EQ(InjectFaults(CleanSet(), {}, o).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ScoreInjectionTest, CountsFoundCopiesOnlyWhenJoinedToTheirSourceAndIgnoresTheSetsOwnPairs) {
  InjectedSet set;
  set.originals = 4;
  set.items.resize(7);
  set.fault = {InjectedFault::kSwap, InjectedFault::kNone, InjectedFault::kNone, InjectedFault::kNone,
               InjectedFault::kNearDuplicate, InjectedFault::kNearDuplicate, InjectedFault::kJunk};
  set.source = {-1, -1, -1, -1, 1, 2, -1};
  TrashReport report;
  report.wrong_identity_score = {0.9, 0.1, 0.8, 0.2, 0, 0, 0.99};
  report.wrong_identity_flagged = {true, false, true, false, false, false, true};
  report.unusable_score = {0, 0, 0, 0.6, 0, 0, 0.7};
  report.duplicates = {{0, 3, DuplicateKind::kNear, 2, 0.9, 0.9},   // The set's own pair.
                       {1, 4, DuplicateKind::kNear, 4, 0.9, 0.9},   // Copy 4 joined to its source 1.
                       {0, 5, DuplicateKind::kNear, 6, 0.9, 0.9}};  // Copy 5 joined to the wrong image.
  report.suspects = {{6, TrashKind::kUnusable, 0.7, ""}, {3, TrashKind::kUnusable, 0.6, ""}};
  const std::vector<FaultScore> scores = ScoreInjection(set, report);
  ASSERT_EQ(scores.size(), 3u);
  const FaultScore& swap = scores[0];
  EXPECT_EQ(swap.kind, InjectedFault::kSwap);
  EXPECT_EQ(swap.injected, 1);
  EXPECT_EQ(swap.flagged, 2);  // Junk (item 6) is not among the originals scored.
  EXPECT_DOUBLE_EQ(swap.recall, 1);
  EXPECT_DOUBLE_EQ(swap.precision, 0.5);
  EXPECT_DOUBLE_EQ(swap.precision_at_k, 1);
  EXPECT_DOUBLE_EQ(swap.roc_auc, 1);
  const FaultScore& near = scores[1];
  EXPECT_EQ(near.kind, InjectedFault::kNearDuplicate);
  EXPECT_EQ(near.injected, 2);
  EXPECT_EQ(near.flagged, 2);
  EXPECT_EQ(near.found, 1);
  EXPECT_DOUBLE_EQ(near.recall, 0.5);
  EXPECT_EQ(near.own_duplicate_pairs, 1);
  const FaultScore& junk = scores[2];
  EXPECT_EQ(junk.kind, InjectedFault::kJunk);
  EXPECT_DOUBLE_EQ(junk.recall, 1);
  EXPECT_DOUBLE_EQ(junk.precision, 0.5);
  EXPECT_DOUBLE_EQ(junk.roc_auc, 1);
}

}  // namespace
}  // namespace facerec::analysis
