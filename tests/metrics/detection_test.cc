// Detection AP on hand-worked photos, and against a brute-force AP written
// from the definition on random ones.
#include "facerec/metrics/detection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

namespace facerec::metrics {
namespace {

data::FaceBox Box(double x, double y, double w, double h) { return {x, y, w, h}; }

TEST(DetectionTest, IntersectionOverUnionByHand) {
  EXPECT_DOUBLE_EQ(IntersectionOverUnion(Box(0, 0, 10, 10), Box(0, 0, 10, 10)), 1.0);
  EXPECT_DOUBLE_EQ(IntersectionOverUnion(Box(0, 0, 10, 10), Box(5, 0, 10, 10)), 50.0 / 150.0);
  EXPECT_DOUBLE_EQ(IntersectionOverUnion(Box(0, 0, 10, 10), Box(10, 0, 10, 10)), 0.0);  // Touching.
  EXPECT_DOUBLE_EQ(IntersectionOverUnion(Box(0, 0, 0, 10), Box(0, 0, 10, 10)), 0.0);   // Empty.
}

TEST(DetectionTest, TheHeaderExampleScoresAsItSays) {
  std::vector<PhotoDetections> photos(1);
  photos[0].faces = {{Box(10, 10, 40, 40), false}, {Box(200, 50, 8, 8), true}};
  photos[0].detections = {{Box(12, 11, 38, 40), 0.9}, {Box(300, 300, 30, 30), 0.4}};
  const DetectionScores s = EvaluateDetections(photos, DetectionMatchOptions());
  EXPECT_DOUBLE_EQ(s.average_precision, 1.0);
  EXPECT_EQ(s.faces, 1);
  EXPECT_EQ(s.true_positives, 1);
  EXPECT_EQ(s.false_positives, 1);
}

TEST(DetectionTest, ASecondDetectionOfOneFaceIsFalse) {
  std::vector<PhotoDetections> photos(1);
  photos[0].faces = {{Box(0, 0, 10, 10), false}};
  photos[0].detections = {{Box(0, 0, 10, 10), 0.8}, {Box(1, 0, 10, 10), 0.9}};
  const DetectionScores s = EvaluateDetections(photos, DetectionMatchOptions());
  EXPECT_EQ(s.true_positives, 1);
  EXPECT_EQ(s.false_positives, 1);
  // The higher-scored duplicate took the face; the exact box came second.
  ASSERT_EQ(s.curve.size(), 2u);
  EXPECT_DOUBLE_EQ(s.curve[0].score, 0.9);
  EXPECT_DOUBLE_EQ(s.curve[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(s.curve[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(s.average_precision, 1.0);
}

TEST(DetectionTest, DetectionsOnIgnoredFacesCountNeitherWay) {
  std::vector<PhotoDetections> photos(1);
  photos[0].faces = {{Box(0, 0, 10, 10), true}, {Box(50, 50, 20, 20), false}};
  photos[0].detections = {{Box(0, 0, 10, 10), 0.95}, {Box(50, 50, 20, 20), 0.5}};
  const DetectionScores s = EvaluateDetections(photos, DetectionMatchOptions());
  EXPECT_EQ(s.faces, 1);
  EXPECT_EQ(s.ignored_detections, 1);
  EXPECT_EQ(s.false_positives, 0);
  EXPECT_DOUBLE_EQ(s.average_precision, 1.0);
  // Nor is an ignored face that nobody found a miss.
  photos[0].detections.erase(photos[0].detections.begin());
  EXPECT_DOUBLE_EQ(EvaluateDetections(photos, DetectionMatchOptions()).average_precision, 1.0);
}

TEST(DetectionTest, ADetectionPrefersAFaceThatCountsOverAnIgnoredOne) {
  // Two overlapping faces: the ignored one overlaps the detection more.
  std::vector<PhotoDetections> photos(1);
  photos[0].faces = {{Box(0, 0, 10, 10), true}, {Box(3, 0, 10, 10), false}};
  photos[0].detections = {{Box(1, 0, 10, 10), 0.9}};
  const DetectionScores s = EvaluateDetections(photos, DetectionMatchOptions());
  EXPECT_EQ(s.true_positives, 1);
  EXPECT_EQ(s.ignored_detections, 0);
}

TEST(DetectionTest, PhotosWithoutFacesOnlyAddFalsePositives) {
  std::vector<PhotoDetections> photos(2);
  photos[0].faces = {{Box(0, 0, 10, 10), false}};
  photos[0].detections = {{Box(0, 0, 10, 10), 0.5}};
  photos[1].detections = {{Box(0, 0, 10, 10), 0.9}};  // Nothing to find there.
  const DetectionScores s = EvaluateDetections(photos, DetectionMatchOptions());
  EXPECT_EQ(s.false_positives, 1);
  // Ranked together: a false one first, then the face: precision 1/2 at recall 1.
  EXPECT_DOUBLE_EQ(s.average_precision, 0.5);
  // No annotated face at all: AP 0, every detection false.
  const DetectionScores none = EvaluateDetections({photos[1]}, DetectionMatchOptions());
  EXPECT_EQ(none.faces, 0);
  EXPECT_DOUBLE_EQ(none.average_precision, 0.0);
  EXPECT_EQ(none.false_positives, 1);
}

TEST(DetectionTest, OverlapBelowTheThresholdIsAMiss) {
  std::vector<PhotoDetections> photos(1);
  photos[0].faces = {{Box(0, 0, 10, 10), false}};
  photos[0].detections = {{Box(5, 0, 10, 10), 0.9}};  // IoU 1/3.
  EXPECT_EQ(EvaluateDetections(photos, DetectionMatchOptions()).true_positives, 0);
  DetectionMatchOptions loose;
  loose.iou_threshold = 0.3;
  EXPECT_EQ(EvaluateDetections(photos, loose).true_positives, 1);
}

// 2 photos, 3 faces, 6 detections ranked T(0.9) F(0.8) F(0.7) T(0.6) F(0.5)
// T(0.4): a budget of one false positive per photo is 2.
std::vector<PhotoDetections> TwoPhotosRankedTFFTFT() {
  std::vector<PhotoDetections> photos(2);
  photos[0].faces = {{Box(0, 0, 10, 10), false}, {Box(100, 0, 10, 10), false}};
  photos[1].faces = {{Box(0, 0, 10, 10), false}};
  photos[0].detections = {{Box(0, 0, 10, 10), 0.9}, {Box(300, 0, 10, 10), 0.8},
                          {Box(100, 0, 10, 10), 0.6}};
  photos[1].detections = {{Box(300, 0, 10, 10), 0.7}, {Box(500, 0, 10, 10), 0.5},
                          {Box(0, 0, 10, 10), 0.4}};
  return photos;
}

TEST(DetectionTest, RecallAtOneFalsePositivePerPhotoStopsAtTheBudget) {
  const std::vector<PhotoDetections> photos = TwoPhotosRankedTFFTFT();
  const DetectionScores s = EvaluateDetections(photos, DetectionMatchOptions());
  EXPECT_DOUBLE_EQ(s.recall_at_false_positive_rate, 2.0 / 3.0);
  // AP by hand: TPs at ranks 1, 4, 6 with precision 1, 2/4, 3/6; envelope
  // 1, 0.5, 0.5 -> (1 + 0.5 + 0.5) / 3.
  EXPECT_NEAR(s.average_precision, 2.0 / 3.0, 1e-12);
}

TEST(DetectionTest, PointFacesMatchBoxesHoldingEyesAndMouthAtAPlausibleSize) {
  // Eyes 20 px apart at y 50, mouth at (60, 75); the nose is not used.
  AnnotatedFace face;
  face.points = {{50, 50}, {70, 50}, {60, 62}, {60, 75}};
  DetectionMatchOptions points;
  points.rule = MatchRule::kPointsInside;
  EXPECT_GT(MatchQuality(Box(35, 35, 50, 50), face, points), 0);    // 2.5x the eye distance.
  EXPECT_LT(MatchQuality(Box(55, 35, 50, 50), face, points), 0);    // The left eye is outside.
  EXPECT_LT(MatchQuality(Box(45, 45, 30, 20), face, points), 0);    // The mouth is outside.
  EXPECT_LT(MatchQuality(Box(0, 0, 120, 120), face, points), 0);    // 6x: too big.
  EXPECT_LT(MatchQuality(Box(48, 48, 23, 30), face, points), 0);    // 1.15x: too small.
  // Centred beats off-centre.
  EXPECT_GT(MatchQuality(Box(35, 33, 50, 50), face, points),
            MatchQuality(Box(45, 40, 50, 50), face, points));
  AnnotatedFace boxed;  // No points: never a match by points.
  boxed.box = Box(35, 35, 50, 50);
  EXPECT_LT(MatchQuality(Box(35, 35, 50, 50), boxed, points), 0);

  std::vector<PhotoDetections> photos(1);
  photos[0].faces = {face};
  photos[0].detections = {{Box(35, 35, 50, 50), 0.9}, {Box(36, 35, 50, 50), 0.8}};
  const DetectionScores s = EvaluateDetections(photos, points);
  EXPECT_EQ(s.true_positives, 1);
  EXPECT_EQ(s.false_positives, 1);  // One face, found twice.
}

// AP from the definition: each found face adds 1/faces x the best precision
// at its rank or any later one.
double BruteForceAp(const DetectionScores& s) {
  if (s.faces == 0) return 0;
  double ap = 0;
  double previous_recall = 0;
  for (size_t i = 0; i < s.curve.size(); ++i) {
    if (s.curve[i].recall <= previous_recall) continue;
    double best = 0;
    for (size_t j = i; j < s.curve.size(); ++j) best = std::max(best, s.curve[j].precision);
    ap += best / s.faces;
    previous_recall = s.curve[i].recall;
  }
  return ap;
}

// `count` photos of `faces` faces in a row (a fifth of them ignored), each
// found with probability 0.7 by a box a few pixels off, plus a false
// detection beside it with probability `false_rate`; scores uniform in [0, 1).
std::vector<PhotoDetections> RandomPhotos(int count, int faces, double false_rate, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<PhotoDetections> photos(count);
  for (PhotoDetections& p : photos) {
    for (int f = 0; f < faces; ++f) {
      p.faces.push_back({Box(100 * f, 0, 40, 40), u(rng) < 0.2});
      if (u(rng) < 0.7) p.detections.push_back({Box(100 * f + 4 * u(rng), 2, 40, 40), u(rng)});
      if (u(rng) < false_rate) p.detections.push_back({Box(100 * f + 50, 300, 30, 30), u(rng)});
    }
  }
  return photos;
}

TEST(DetectionTest, AveragePrecisionMatchesTheDefinitionOnRandomPhotos) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    const std::vector<PhotoDetections> photos = RandomPhotos(1 + trial % 4, 5, 0.3, rng);
    const DetectionScores s = EvaluateDetections(photos, DetectionMatchOptions());
    EXPECT_NEAR(s.average_precision, BruteForceAp(s), 1e-12) << "trial " << trial;
    EXPECT_LE(s.true_positives, s.faces);
  }
}

// A bootstrap over photos weighs photo p by how often it was drawn: that must
// score exactly as the photos physically repeated that many times.
TEST(DetectionTest, ScoringWithMultiplicitiesEqualsEvaluatingThePhotosRepeated) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> times(0, 3);
  for (int trial = 0; trial < 30; ++trial) {
    const std::vector<PhotoDetections> photos = RandomPhotos(2 + trial % 5, 4, 0.3, rng);
    std::vector<int> multiplicity(photos.size());
    std::vector<PhotoDetections> repeated;
    for (size_t p = 0; p < photos.size(); ++p) {
      multiplicity[p] = times(rng);
      for (int k = 0; k < multiplicity[p]; ++k) repeated.push_back(photos[p]);
    }
    DetectionMatchOptions options;
    options.false_positives_per_photo = 0.5;
    const DetectionScores weighted =
        ScoreMatchedDetections(MatchDetections(photos, options), multiplicity);
    const DetectionScores copied = EvaluateDetections(repeated, options);
    EXPECT_NEAR(weighted.average_precision, copied.average_precision, 1e-12) << "trial " << trial;
    EXPECT_NEAR(weighted.recall_at_false_positive_rate, copied.recall_at_false_positive_rate, 1e-12)
        << "trial " << trial;
    EXPECT_EQ(weighted.faces, copied.faces);
    EXPECT_EQ(weighted.true_positives, copied.true_positives);
    EXPECT_EQ(weighted.false_positives, copied.false_positives);
    EXPECT_EQ(weighted.ignored_detections, copied.ignored_detections);
  }
}

// The RecallAtOneFalsePositivePerPhoto example's cut, carried over by hand:
// ranked T(0.9) F(0.8) F(0.7) T(0.6) F(0.5) T(0.4), budget 2: the third false
// one (0.5) is over it, so the lowest score kept is 0.6.
TEST(DetectionTest, TheOperatingScoreIsTheLowestScoreWithinTheBudget) {
  const std::vector<PhotoDetections> photos = TwoPhotosRankedTFFTFT();
  const MatchedDetections m = MatchDetections(photos, DetectionMatchOptions());
  EXPECT_DOUBLE_EQ(ScoreAtFalsePositiveRate(m), 0.6);
  const std::vector<int> once(2, 1);
  EXPECT_DOUBLE_EQ(RecallAtScore(m, 0.6, once), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(RecallAtScore(m, 0.95, once), 0);
  EXPECT_DOUBLE_EQ(RecallAtScore(m, 0.4, once), 1);
  // Photo 0 drawn twice and photo 1 not at all: both of its faces score 0.9
  // and 0.6; photo 1 alone: its face scores 0.4.
  EXPECT_DOUBLE_EQ(RecallAtScore(m, 0.6, {2, 0}), 1);
  EXPECT_DOUBLE_EQ(RecallAtScore(m, 0.6, {0, 1}), 0);
}

TEST(DetectionTest, WithoutAFalsePositiveAllowedAFalseFirstDetectionKeepsNothing) {
  std::vector<PhotoDetections> photos(1);
  photos[0].faces = {{Box(0, 0, 10, 10), false}};
  photos[0].detections = {{Box(300, 0, 10, 10), 0.9}, {Box(0, 0, 10, 10), 0.8}};
  DetectionMatchOptions options;
  options.false_positives_per_photo = 0;
  EXPECT_EQ(ScoreAtFalsePositiveRate(MatchDetections(photos, options)),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(ScoreAtFalsePositiveRate(MatchDetections({PhotoDetections()}, options)),
            std::numeric_limits<double>::infinity());
  // Every detection within the budget: the lowest one.
  options.false_positives_per_photo = 5;
  EXPECT_DOUBLE_EQ(ScoreAtFalsePositiveRate(MatchDetections(photos, options)), 0.8);
}

// Read at a set's own operating score, the recall is that set's recall at its
// false-positive budget (scores drawn from a continuum: no ties), and it
// counts exactly the true detections at or above the score.
TEST(DetectionTest, RecallAtTheSetsOwnOperatingScoreIsItsRecallAtTheBudget) {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 40; ++trial) {
    const std::vector<PhotoDetections> photos = RandomPhotos(1 + trial % 5, 5, 0.4, rng);
    DetectionMatchOptions options;
    options.false_positives_per_photo = 0.5 * (trial % 3);
    const MatchedDetections m = MatchDetections(photos, options);
    const std::vector<int> once(photos.size(), 1);
    const DetectionScores s = ScoreMatchedDetections(m, once);
    const double cut = ScoreAtFalsePositiveRate(m);
    EXPECT_NEAR(RecallAtScore(m, cut, once), s.recall_at_false_positive_rate, 1e-12) << "trial " << trial;
    const double threshold = u(rng);
    int64_t found = 0;
    for (const MatchedDetections::Ranked& r : m.ranked) {
      found += r.score >= threshold && r.outcome == MatchedDetections::Outcome::kTrue;
    }
    EXPECT_NEAR(RecallAtScore(m, threshold, once), s.faces > 0 ? static_cast<double>(found) / s.faces : 0,
                1e-12)
        << "trial " << trial;
  }
}

}  // namespace
}  // namespace facerec::metrics
