// Each detector behind the interface, on a real photo of dlib's test set
// with three annotated faces of 90-110 px, by the detection metric.
#include "facerec/detect/detectors.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facerec/data/face_boxes.h"
#include "facerec/detect/haar_detector.h"
#include "facerec/metrics/detection.h"
#include "tests/testing/test_data.h"

namespace facerec::detect {
namespace {

constexpr char kPhoto[] = "2008_002506.jpg";

metrics::PhotoDetections Annotated() {
  auto photos = data::LoadDlibFaces(testing::DataRoot(), "testing.xml");
  EXPECT_TRUE(photos.ok()) << photos.status();
  metrics::PhotoDetections p;
  for (const data::BoxedImage& photo : *photos) {
    if (photo.image_path.find(kPhoto) == std::string::npos) continue;
    for (const data::FaceBox& box : photo.boxes) p.faces.push_back({box, false});
  }
  return p;
}

class EveryDetector : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryDetector, FindsTheFacesOfARealPhotoAndLittleElse) {
  metrics::PhotoDetections photo = Annotated();
  ASSERT_EQ(photo.faces.size(), 3u);
  const cv::Mat image = cv::imread((testing::DataRoot() / "dlib_faces" / kPhoto).string());
  ASSERT_FALSE(image.empty());
  auto detector = MakeFaceDetector(GetParam(), FaceDetectorOptions());
  ASSERT_TRUE(detector.ok()) << detector.status();
  EXPECT_EQ((*detector)->name(), GetParam());
  auto found = (*detector)->Detect(image);
  ASSERT_TRUE(found.ok()) << found.status();
  for (const Detection& d : *found) photo.detections.push_back({d.box, d.score});
  // Detectors frame a face differently from dlib's annotators: IoU 0.3.
  metrics::DetectionMatchOptions match;
  match.iou_threshold = 0.3;
  const metrics::DetectionScores s = metrics::EvaluateDetections({photo}, match);
  EXPECT_EQ(s.true_positives, 3) << GetParam() << " found " << found->size() << " boxes";
  EXPECT_GT(s.average_precision, 0.9);
  // Grey input gives the same boxes.
  cv::Mat grey;
  cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
  auto from_grey = (*detector)->Detect(grey);
  ASSERT_TRUE(from_grey.ok());
  EXPECT_EQ(from_grey->size(), found->size());
}

TEST_P(EveryDetector, AnEmptyPhotoIsAnError) {
  auto detector = MakeFaceDetector(GetParam(), FaceDetectorOptions());
  ASSERT_TRUE(detector.ok()) << detector.status();
  EXPECT_FALSE((*detector)->Detect(cv::Mat()).ok());
}

INSTANTIATE_TEST_SUITE_P(Known, EveryDetector, ::testing::ValuesIn(KnownFaceDetectors()));

TEST(DetectorsTest, AnUnknownNameListsTheKnownOnes) {
  auto detector = MakeFaceDetector("yolo", FaceDetectorOptions());
  ASSERT_FALSE(detector.ok());
  EXPECT_NE(detector.status().message().find("haar, dlib_hog"), std::string::npos);
}

TEST(DetectorsTest, AMissingCascadeIsAnErrorNamingIt) {
  auto haar = HaarFaceDetector::Load("/no/such/cascade.xml", FaceDetectorOptions());
  ASSERT_FALSE(haar.ok());
  EXPECT_NE(haar.status().message().find("/no/such/cascade.xml"), std::string::npos);
}

}  // namespace
}  // namespace facerec::detect
