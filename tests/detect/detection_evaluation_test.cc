// The evaluation loop with stand-in detectors on dlib's real test photos:
// one that returns the annotations scores AP 1, one that finds nothing 0;
// an unreadable photo is named and skipped; a detector error names the photo.
#include "facerec/detect/detection_evaluation.h"

#include <gtest/gtest.h>

#include <map>

#include <opencv2/imgcodecs.hpp>

#include "absl/status/status.h"
#include "tests/testing/test_data.h"

namespace facerec::detect {
namespace {

// Answers each photo with what the set says is in it (by photo size, the only
// thing Detect sees), or with nothing, or with an error.
class StandIn : public FaceDetector {
 public:
  enum class Mode { kTruth, kNothing, kFail };
  StandIn(const DetectionSet& set, Mode mode) : mode_(mode) {
    for (const DetectionPhoto& p : set.photos) {
      const cv::Mat image = cv::imread(p.image_path);
      if (!image.empty()) truth_[{image.cols, image.rows}] = p.faces;
    }
  }
  absl::StatusOr<std::vector<Detection>> Detect(const cv::Mat& photo) override {
    if (mode_ == Mode::kFail) return absl::InternalError("out of order");
    std::vector<Detection> out;
    if (mode_ == Mode::kNothing) return out;
    double score = 1;
    for (const metrics::AnnotatedFace& f : truth_[{photo.cols, photo.rows}]) {
      Detection d;
      d.box = f.box;
      d.score = score -= 0.01;
      out.push_back(d);
    }
    return out;
  }
  std::string name() const override { return "stand_in"; }

 private:
  Mode mode_;
  std::map<std::pair<int, int>, std::vector<metrics::AnnotatedFace>> truth_;
};

DetectionSet DlibTest() {
  auto set = LoadDetectionSet(testing::DataRoot(), "dlib_test");
  EXPECT_TRUE(set.ok()) << set.status();
  return *set;
}

TEST(DetectionEvaluationTest, TheAnnotationsScoreOneAndNothingScoresZero) {
  const DetectionSet set = DlibTest();
  StandIn truth(set, StandIn::Mode::kTruth);
  auto e = EvaluateDetector(truth, set, DetectionEvaluationOptions());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->photos, 5);
  EXPECT_DOUBLE_EQ(e->all.average_precision, 1.0);
  EXPECT_DOUBLE_EQ(e->all.recall_at_false_positive_rate, 1.0);
  EXPECT_EQ(e->all.faces, 25);
  EXPECT_GT(e->median_ms_per_photo, 0.0);
  // dlib's test faces are 37-109 px: with the cut at 40 px some are ignored.
  DetectionEvaluationOptions cut;
  cut.min_face_side = 40;
  auto large = EvaluateDetector(truth, set, cut);
  ASSERT_TRUE(large.ok());
  EXPECT_LT(large->large.faces, 25);
  EXPECT_GT(large->large.faces, 0);
  EXPECT_EQ(large->large.ignored_detections, 25 - large->large.faces);

  StandIn nothing(set, StandIn::Mode::kNothing);
  auto none = EvaluateDetector(nothing, set, DetectionEvaluationOptions());
  ASSERT_TRUE(none.ok());
  EXPECT_DOUBLE_EQ(none->all.average_precision, 0.0);
}

TEST(DetectionEvaluationTest, AnUnreadablePhotoIsNamedAndSkipped) {
  DetectionSet set = DlibTest();
  const std::filesystem::path broken = testing::FreshTempDir("broken") / "broken.jpg";
  testing::WriteFile(broken, "not a jpeg");
  DetectionPhoto bad;
  bad.image_path = broken.string();
  bad.faces = {{{0, 0, 50, 50}, false, {}}};
  set.photos.push_back(bad);
  StandIn truth(set, StandIn::Mode::kTruth);
  auto e = EvaluateDetector(truth, set, DetectionEvaluationOptions());
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->unreadable.size(), 1u);
  EXPECT_EQ(e->unreadable[0], broken.string());
  EXPECT_EQ(e->photos, 5);
  EXPECT_EQ(e->all.faces, 25);  // Its face is not a miss.
}

TEST(DetectionEvaluationTest, ADetectorErrorNamesThePhoto) {
  const DetectionSet set = DlibTest();
  StandIn failing(set, StandIn::Mode::kFail);
  auto e = EvaluateDetector(failing, set, DetectionEvaluationOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find(".jpg: out of order"), std::string::npos) << e.status();
}

// A fully annotated validation set where the detector's third false
// detection scores 0.5 (budget: 2 photos, 2 false positives), and a
// recall-only set read at the cut that leaves: by hand, scores 0.9, 0.8 (false),
// 0.7 (false), 0.6 -> the cut is 0.6.
TEST(DetectionEvaluationTest, ARecallOnlySetIsReadAtTheValidationSetsOperatingScore) {
  const auto face = [](double x) { return metrics::AnnotatedFace{{x, 0, 10, 10}, false, {}}; };
  const auto box = [](double x, double score) { return metrics::ScoredBox{{x, 0, 10, 10}, score}; };
  std::vector<metrics::PhotoDetections> val(2);
  val[0].faces = {face(0), face(100)};
  val[0].detections = {box(0, 0.9), box(300, 0.8), box(100, 0.6)};
  val[1].faces = {face(0)};
  val[1].detections = {box(300, 0.7), box(500, 0.5), box(0, 0.4)};
  // Recall-only photos (matched by IoU here for brevity): faces found at
  // 0.95, 0.61 and 0.59, and one unannotated face at 0.99 that must not matter.
  std::vector<metrics::PhotoDetections> afw(2);
  afw[0].faces = {face(0), face(100)};
  afw[0].detections = {box(0, 0.95), box(100, 0.61), box(700, 0.99)};
  afw[1].faces = {face(0)};
  afw[1].detections = {box(0, 0.59)};
  const DetectionEvaluationOptions options;
  std::vector<DetectionSet> sets(2);
  sets[0].name = kOperatingPointSet;
  sets[1].name = "afw";
  sets[1].recall_only = true;
  const std::vector<DetectorEvaluation> results = {
      ScoreDetections(val, metrics::MatchRule::kIntersectionOverUnion, {1, 1}, options),
      ScoreDetections(afw, metrics::MatchRule::kIntersectionOverUnion, {1, 1}, options)};
  const std::vector<OperatingPointRecall> recalls = RecallsAtOperatingPoint(sets, results);
  ASSERT_EQ(recalls.size(), 1u);
  EXPECT_EQ(recalls[0].set, "afw");
  EXPECT_DOUBLE_EQ(recalls[0].operating_score, 0.6);
  EXPECT_DOUBLE_EQ(recalls[0].recall, 2.0 / 3.0);
  EXPECT_EQ(DescribeOperatingPointRecall(recalls[0]),
            "afw recall 0.667 at score >= 0.600, its 1 FP/photo on facemask_val");
  // Without the validation set there is no operating point to read at.
  EXPECT_TRUE(RecallsAtOperatingPoint({sets[1]}, {results[1]}).empty());
}

}  // namespace
}  // namespace facerec::detect
