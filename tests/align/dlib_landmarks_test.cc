// The dlib peer through our example type: on real MTFL/AFLW faces it lands
// its five points near the labels, and a missing model is an error naming it.
#include "facerec/align/dlib_landmarks.h"

#include <gtest/gtest.h>

#include "facerec/metrics/landmarks.h"
#include "facerec/pipeline/landmarks.h"
#include "tests/testing/test_data.h"

namespace facerec::align {
namespace {

TEST(DlibLandmarksTest, FivePointsNearTheLabelsOnRealFaces) {
  auto dlib = DlibLandmarkPredictor::Load("/usr/share/dlib/shape_predictor_68_face_landmarks.dat");
  ASSERT_TRUE(dlib.ok()) << dlib.status();
  auto set = pipeline::LoadLandmarkSet(testing::DataRoot(), "afw", 2);
  ASSERT_TRUE(set.ok()) << set.status();
  std::vector<LandmarkExample> faces(set->examples.begin(), set->examples.begin() + 40);
  const DlibPredictions p = dlib->Predict(faces);
  ASSERT_EQ(p.points.size(), faces.size());
  std::vector<std::vector<data::Point2>> truth;
  for (const auto& f : faces) truth.push_back(f.points);
  for (const auto& points : p.points) ASSERT_EQ(points.size(), 5u);
  const metrics::LandmarkSummary s =
      metrics::SummariseLandmarkErrors(metrics::NormalisedMeanErrors(p.points, truth));
  EXPECT_LT(s.mean_nme, 0.15);  // dlib's full-AFW NME is 8.1 % (RESULTS.md).
  EXPECT_GE(p.miss_share, 0.0);
  EXPECT_LE(p.miss_share, 0.5);
  EXPECT_GT(p.median_us, 0.0);
}

TEST(DlibLandmarksTest, AMissingModelIsNotFoundNamingIt) {
  auto dlib = DlibLandmarkPredictor::Load("/no/such/predictor.dat");
  EXPECT_EQ(dlib.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(dlib.status().message().find("/no/such/predictor.dat"), std::string::npos);
}

}  // namespace
}  // namespace facerec::align
