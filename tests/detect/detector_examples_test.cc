// The detector's training photos and augmentation: the points-to-box rule,
// mirroring, and that every augmented face box still lies on its face's
// pixels, whatever the crop, scale and flip.
#include "facerec/detect/detector_examples.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <random>

#include "tests/testing/test_data.h"

namespace facerec::detect {
namespace {

TEST(FaceBoxFromPoints, IsASquareOf2Point2EyeToMouthDistancesBelowTheEyes) {
  // Eyes at y 100, mouth centre 50 px below: side 110, centre 33 px below the eyes.
  const data::FaceBox b = FaceBoxFromPoints({80, 100}, {120, 100}, {100, 150});
  EXPECT_DOUBLE_EQ(b.width, 110);
  EXPECT_DOUBLE_EQ(b.height, 110);
  EXPECT_DOUBLE_EQ(b.x + b.width / 2, 100);
  EXPECT_DOUBLE_EQ(b.y + b.height / 2, 133);
}

TEST(FaceBoxFromPoints, FollowsATiltedHead) {
  // The same face rotated 90 degrees: the mouth to the right of the eyes.
  const data::FaceBox b = FaceBoxFromPoints({100, 80}, {100, 120}, {150, 100});
  EXPECT_DOUBLE_EQ(b.x + b.width / 2, 133);
  EXPECT_DOUBLE_EQ(b.y + b.height / 2, 100);
}

TEST(MirrorFaces, ReflectsBoxesAndSwapsLeftAndRightPoints) {
  TrainingFace f{{10, 20, 30, 40}, false, {{15, 30}, {35, 30}, {25, 40}, {18, 50}, {32, 50}}};
  const std::vector<TrainingFace> m = MirrorFaces({f}, 100);
  EXPECT_DOUBLE_EQ(m[0].box.x, 60);
  EXPECT_DOUBLE_EQ(m[0].box.width, 30);
  // The eye now on the image's left is the old right eye, reflected.
  EXPECT_DOUBLE_EQ(m[0].points[0].x, 65);
  EXPECT_DOUBLE_EQ(m[0].points[1].x, 85);
  EXPECT_DOUBLE_EQ(m[0].points[3].x, 68);
  const std::vector<TrainingFace> back = MirrorFaces(m, 100);
  EXPECT_DOUBLE_EQ(back[0].box.x, f.box.x);
  EXPECT_DOUBLE_EQ(back[0].points[0].x, f.points[0].x);
}

// A black photo with white boxes (the "faces") and a red dot at each
// face's first point.
TrainingPhoto SyntheticPhoto() {
  TrainingPhoto p{"synthetic", "synthetic.png", cv::Mat(300, 400, CV_8UC3, cv::Scalar(0, 0, 0))};
  for (const cv::Rect r : {cv::Rect(40, 50, 60, 60), cv::Rect(250, 120, 90, 90), cv::Rect(150, 230, 30, 30)}) {
    cv::rectangle(p.rgb, r, cv::Scalar(255, 255, 255), cv::FILLED);
    const data::Point2 point{r.x + 0.25 * r.width, r.y + 0.3 * r.height};
    cv::circle(p.rgb, cv::Point(static_cast<int>(point.x), static_cast<int>(point.y)), 3,
               cv::Scalar(255, 0, 0), cv::FILLED);
    const double nan = std::nan("");
    p.faces.push_back({{double(r.x), double(r.y), double(r.width), double(r.height)},
                       false,
                       {point, {nan, nan}, {nan, nan}, {nan, nan}, {nan, nan}}});
  }
  return p;
}

TEST(AugmentDetectorPhoto, WithoutRandomnessLetterboxesTheWholePhoto) {
  const TrainingPhoto photo = SyntheticPhoto();
  DetectorAugmentOptions options;
  const DetectorSample s = AugmentDetectorPhoto(photo, options, nullptr);
  ASSERT_EQ(s.rgb.rows, options.input_size);
  ASSERT_EQ(s.faces.size(), 3u);
  const double scale = options.input_size / 400.0;  // The long side fits.
  EXPECT_NEAR(s.faces[0].box.x, 40 * scale, 1e-9);
  EXPECT_NEAR(s.faces[0].box.y, (50 + 50) * scale, 1e-9);  // 50 px of padding above.
  EXPECT_NEAR(s.faces[1].box.width, 90 * scale, 1e-9);
}

TEST(AugmentDetectorPhoto, KeepsEveryBoxAndPointOnItsPixelsUnderCropsScalesAndFlips) {
  const TrainingPhoto photo = SyntheticPhoto();
  DetectorAugmentOptions options;
  options.brightness = options.contrast = options.saturation = 0;  // Pixels stay black/white/red.
  options.grey_probability = 0;
  int checked_boxes = 0, checked_points = 0, flipped_points = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::mt19937_64 rng(trial);
    const DetectorSample s = AugmentDetectorPhoto(photo, options, &rng);
    for (const TrainingFace& f : s.faces) {
      const double cx = f.box.x + f.box.width / 2, cy = f.box.y + f.box.height / 2;
      if (f.ignore || cx < 2 || cy < 2 || cx >= s.rgb.cols - 2 || cy >= s.rgb.rows - 2) continue;
      if (f.box.width < 6) continue;  // Too few pixels to tell.
      const cv::Vec3b centre = s.rgb.at<cv::Vec3b>(static_cast<int>(cy), static_cast<int>(cx));
      EXPECT_GT(centre[1], 200) << "trial " << trial << ": box centre not on its face";
      ++checked_boxes;
      // Just outside the box, a few pixels left of it: background.
      const int outside_x = static_cast<int>(f.box.x - 3);
      if (outside_x >= 0 && f.box.width > 12) {
        EXPECT_LT(s.rgb.at<cv::Vec3b>(static_cast<int>(cy), outside_x)[1], 60) << "trial " << trial;
      }
      // The point moved with the pixels: red where it says (on either side
      // after a flip: it is then the face's last point, not its first).
      for (int p : {0, 1}) {
        const data::Point2& q = f.points[p];
        if (std::isnan(q.x) || f.box.width < 40) continue;
        if (q.x < 0 || q.y < 0 || q.x > s.rgb.cols - 1 || q.y > s.rgb.rows - 1) continue;
        const cv::Vec3b v = s.rgb.at<cv::Vec3b>(static_cast<int>(std::lround(q.y)),
                                                static_cast<int>(std::lround(q.x)));
        EXPECT_GT(v[0], 150) << "trial " << trial;
        EXPECT_LT(v[1], 120) << "trial " << trial;
        ++checked_points;
        if (p == 1) ++flipped_points;
      }
    }
  }
  EXPECT_GT(checked_boxes, 300);
  EXPECT_GT(flipped_points, 10);   // Flips happened and moved the point to slot 1.
  EXPECT_GT(checked_points - flipped_points, 10);
}

TEST(AugmentDetectorPhoto, MarksFacesTooSmallOrMostlyCutAsIgnored) {
  const TrainingPhoto photo = SyntheticPhoto();
  DetectorAugmentOptions options;
  options.min_face_side = 20;  // The 30 px face, letterboxed at 0.8x, is 24 px: kept.
  EXPECT_FALSE(AugmentDetectorPhoto(photo, options, nullptr).faces[2].ignore);
  options.min_face_side = 30;
  EXPECT_TRUE(AugmentDetectorPhoto(photo, options, nullptr).faces[2].ignore);
}

TEST(LoadDetectorTrainingPhotos, ReadsTheTrainingSidesWithBoxesFromPoints) {
  auto photos = LoadDetectorTrainingPhotos(testing::DataRoot(), {"dlib_train", "webfaces_train"},
                                           nullptr, 2);
  ASSERT_TRUE(photos.ok()) << photos.status();
  int dlib = 0, webfaces = 0;
  for (const TrainingPhoto& p : *photos) {
    EXPECT_LE(std::max(p.rgb.cols, p.rgb.rows), kMaxTrainingPhotoSide) << p.image_path;
    if (p.source == "dlib_train") {
      ++dlib;
      EXPECT_TRUE(p.background_reliable);
    } else {
      ++webfaces;
      EXPECT_FALSE(p.background_reliable);
      for (const TrainingFace& f : p.faces) {
        ASSERT_EQ(f.points.size(), 5u);
        EXPECT_TRUE(std::isnan(f.points[3].x));  // No mouth corners in WebFaces.
        // The eyes lie inside the derived box.
        EXPECT_GT(f.points[0].x, f.box.x);
        EXPECT_LT(f.points[1].x, f.box.x + f.box.width);
      }
    }
  }
  EXPECT_EQ(dlib, 4);
  EXPECT_GT(webfaces, 1500);
}

TEST(LoadDetectorTrainingPhotos, NamesAnUnknownSourceAndNeedsALandmarkNetForCeleba) {
  auto unknown = LoadDetectorTrainingPhotos(testing::DataRoot(), {"wider"}, nullptr, 1);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("facemask_train"), std::string::npos);
  auto celeba = LoadDetectorTrainingPhotos(testing::DataRoot(), {"celeba_wild"}, nullptr, 1);
  EXPECT_EQ(celeba.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ValidateDetectorAugmentOptions, NamesTheBadField) {
  DetectorAugmentOptions o;
  EXPECT_TRUE(ValidateDetectorAugmentOptions(o).ok());
  o.input_size = 300;
  EXPECT_NE(ValidateDetectorAugmentOptions(o).message().find("input_size=300"), std::string::npos);
  o = DetectorAugmentOptions();
  o.max_crop_scale = 0.1;
  EXPECT_NE(ValidateDetectorAugmentOptions(o).message().find("max_crop_scale"), std::string::npos);
}

}  // namespace
}  // namespace facerec::detect
