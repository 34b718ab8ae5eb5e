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

}  // namespace
}  // namespace facerec::detect
