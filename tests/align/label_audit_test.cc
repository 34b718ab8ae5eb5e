// The label audit on real MTFL faces: a known shift written into one half's
// labels is measured back, on every point, in the right direction; two
// halves labelled alike measure no shift.
#include "facerec/align/label_audit.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/test_data.h"

namespace facerec::align {
namespace {

class LabelAuditTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // lfw_5590 rows only: one labelling protocol, no shifted rows.
    auto faces = LoadMtflExamples(testing::DataRoot(), "new_training.txt", 2,
                                  [](const data::LandmarkFace& face) {
                                    return face.image_path.find("/lfw_5590/") != std::string::npos;
                                  });
    ASSERT_TRUE(faces.ok()) << faces.status();
    ASSERT_GE(faces->size(), 4000u);
    first_ = new std::vector<LandmarkExample>(faces->begin(), faces->begin() + 2000);
    second_ = new std::vector<LandmarkExample>(faces->begin() + 2000, faces->begin() + 4000);
  }
  static std::vector<LandmarkExample>* first_;
  static std::vector<LandmarkExample>* second_;
};
std::vector<LandmarkExample>* LabelAuditTest::first_ = nullptr;
std::vector<LandmarkExample>* LabelAuditTest::second_ = nullptr;

TEST_F(LabelAuditTest, TwoHalvesOfOneListAgree) {
  const std::vector<cv::Mat> a = MeanPointPatches(*first_);
  const std::vector<cv::Mat> b = MeanPointPatches(*second_);
  for (int k = 0; k < 5; ++k) {
    const data::Point2 shift = LabelShift(a[k], b[k]);
    EXPECT_LT(std::hypot(shift.x, shift.y), 0.01) << "point " << k;
  }
}

TEST_F(LabelAuditTest, MeasuresAShiftWrittenIntoTheLabels) {
  // Every label of the second half moved 6 % of its face's eye distance
  // right and 3 % up, as a convention change would.
  std::vector<LandmarkExample> moved = *second_;
  for (LandmarkExample& face : moved) {
    const double eyes = std::hypot(face.points[1].x - face.points[0].x,
                                   face.points[1].y - face.points[0].y);
    for (data::Point2& p : face.points) {
      p.x += 0.06 * eyes;
      p.y -= 0.03 * eyes;
    }
  }
  const std::vector<cv::Mat> reference = MeanPointPatches(*first_);
  const std::vector<cv::Mat> candidate = MeanPointPatches(moved);
  for (int k = 0; k < 5; ++k) {
    const data::Point2 shift = LabelShift(reference[k], candidate[k]);
    EXPECT_NEAR(shift.x, 0.06, 0.01) << "point " << k;
    EXPECT_NEAR(shift.y, -0.03, 0.01) << "point " << k;
  }
}

}  // namespace
}  // namespace facerec::align
