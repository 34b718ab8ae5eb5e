// Face crops for the landmark net: a square box in the photo, the affine map
// from photo to crop, and training samples with geometric and colour
// augmentation that keep the points right (horizontal flips swap the
// left/right eye and mouth corner).
//
// Training framings are drawn around the points (BoxAroundFivePoints), not
// around the dataset's crop, so a face's size and place in the crop vary
// independently of how one dataset frames its faces (MTFL's training faces
// fill less of the frame than its AFLW test faces or the CelebA windows).
//
//   SquareBox box = BoxAroundPoints(points68, kAfwBoxScale);
//   LandmarkSample s = MakeLandmarkSample(photo, points5, box, 64, augment, &rng);
//   // s.crop: 64x64 RGB; s.points: 5 points in crop units ([0, 1]).
//   std::vector<data::Point2> in_photo = CropToPhoto(box, predicted);
#ifndef FACEREC_ALIGN_LANDMARK_CROPS_H_
#define FACEREC_ALIGN_LANDMARK_CROPS_H_

#include <opencv2/core.hpp>
#include <random>
#include <vector>

#include "facerec/data/face_boxes.h"
#include "facerec/data/landmarks.h"

namespace facerec::align {

// A square region of a photo (axis-aligned before augmentation), in pixels:
// what the landmark net crops. Not data::FaceBox, an annotated rectangle
// (top-left corner and size); SquareAround converts one to the other.
struct SquareBox {
  double center_x = 0;
  double center_y = 0;
  double side = 0;
};

// The square with `rect`'s centre and its longer side.
SquareBox SquareAround(const data::FaceBox& rect);

// The whole image as a box (MTFL's 80x80 face crops).
SquareBox WholeImageBox(const cv::Mat& image);

// A square around the points' bounding box: same centre, side = scale x the
// longer side of the bounding box.
SquareBox BoxAroundPoints(const std::vector<data::Point2>& points, double scale);

// A box framing 5 points (eyes, nose, mouth corners): centred on their mean,
// side = eye-to-mouth distance / eye_mouth_fraction.
SquareBox BoxAroundFivePoints(const std::vector<data::Point2>& points, double eye_mouth_fraction);

// AFW faces are cropped with BoxAroundPoints(68 points, kAfwBoxScale): the
// 68 points span brows to chin, and 1.5x puts the eye-to-mouth distance at
// ~29% of the side (median over AFW), inside the range of MTFL's crops (21%
// median for training, 32% for the AFLW test faces).
inline constexpr double kAfwBoxScale = 1.5;

struct LandmarkAugmentOptions {
  bool enabled = true;             // false: the box, resized, as is.
  double max_rotation_degrees = 15;  // U(-r, r). Default 15.
  // When enabled, the box is drawn around the points: eye-to-mouth distance
  // / side log-uniform in [min, max]. Default [0.18, 0.42]: MTFL's training
  // faces are at 0.21 (median), its AFLW test faces 0.32, AFW boxes
  // (kAfwBoxScale) 0.29, the CelebA windows ~0.35.
  double min_eye_mouth_fraction = 0.18;
  double max_eye_mouth_fraction = 0.42;
  // Box centre moved from the points' mean by U(-s, s) x side per axis.
  // Default 0.1: detector boxes and dataset crops are centred on the face,
  // not on the 5 points' mean.
  double max_shift = 0.1;
  // Share of crops whose edges are cut off and refilled with the last row or
  // column (up to kMaxTightCut of the side per edge, never past a point):
  // tight face crops (CelebA's 83x100 windows, AFLW's) reach inference boxes
  // that extend past the photo, and the warp fills those with replicated
  // edge pixels. Default 0.3.
  double tight_crop_probability = 0.3;
  double flip_probability = 0.5;
  double color_jitter = 0.25;    // Brightness and contrast factors in 1 +- jitter.
  double grey_probability = 0.1;  // Some test photos are greyscale.
};

// The widest edge cut of a tight crop, as a fraction of the crop side (the
// CelebA windows' inference boxes extend ~18% past the photo at the sides).
inline constexpr double kMaxTightCut = 0.22;

// Photo -> crop of `crop_size` pixels; `angle_degrees` rotates the box about
// its centre, `mirror` flips the crop horizontally.
cv::Matx23d PhotoToCrop(const SquareBox& box, int crop_size, double angle_degrees = 0,
                        bool mirror = false);

struct LandmarkSample {
  cv::Mat crop;                      // crop_size x crop_size RGB, 8-bit.
  std::vector<data::Point2> points;  // 5 points in crop units.
};

// `box` frames the crop when augmentation is disabled; augmented crops are
// framed around `points` (5 of them) and ignore it. `rng` may be null when
// augmentation is disabled. Points outside the crop are kept (the loss still
// sees them).
LandmarkSample MakeLandmarkSample(const cv::Mat& photo, const std::vector<data::Point2>& points,
                                  const SquareBox& box, int crop_size,
                                  const LandmarkAugmentOptions& options, std::mt19937_64* rng);

// The crop_size x crop_size crop of `box` turned by `angle_degrees` (about
// the box's centre, as PhotoToCrop), unaugmented, edges replicated: what a
// net is run on.
cv::Mat CropOfBox(const cv::Mat& photo, const SquareBox& box, int crop_size, double angle_degrees = 0);

// Points in crop units (of an unaugmented crop of `box`, turned by
// `angle_degrees`) -> photo pixels: the inverse of PhotoToCrop.
std::vector<data::Point2> CropToPhoto(const SquareBox& box, const std::vector<data::Point2>& points,
                                      double angle_degrees = 0);

// The 5-point order after a horizontal flip: left and right swap.
std::vector<data::Point2> SwapLeftRight(const std::vector<data::Point2>& points);

}  // namespace facerec::align

#endif  // FACEREC_ALIGN_LANDMARK_CROPS_H_
