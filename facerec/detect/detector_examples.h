// The photos our detector is trained on, and their augmentation: random
// square crops at 0.3-2x the photo's scale (so small faces exist even in
// photos of one large face), mirror flips with left/right points swapped,
// and colour jitter.
//
//   FACEREC_ASSIGN_OR_RETURN(std::vector<TrainingPhoto> photos,
//                            LoadDetectorTrainingPhotos(data_root, {"facemask_train"}, nullptr, 2));
//   std::mt19937_64 rng(seed);
//   DetectorSample s = AugmentDetectorPhoto(photos[0], DetectorAugmentOptions(), &rng);
//   // s.image: 320x320 RGB; s.faces in its pixels.
//
// Sources (KnownDetectorTrainingSources()), each only from the training side
// of detection_sets.h's splits:
//   facemask_train  VOC boxes; every face boxed, so the rest is background.
//   webfaces_train  points only; boxes by FaceBoxFromPoints. Not every face is
//                   annotated, so background is taught only near annotated faces.
//   celeba_wild     one official (loose, hair-to-chin) box per photo; our
//                   landmark net finds the five points inside it and the box is
//                   FaceBoxFromPoints of them, the WebFaces rule, so both sources
//                   frame faces alike. Others in the photo are not annotated:
//                   background near the face only.
//   dlib_train      dlib's boxes (4 photos, 18 faces).
// Landmarks: five from celeba_wild (predicted), eyes and nose from webfaces
// (its mouth point is the centre, not the corners); unknown points are NaN.
//
// Thread-safety: functions of their arguments (the loader runs `threads`
// decoders internally).
#ifndef FACEREC_DETECT_DETECTOR_EXAMPLES_H_
#define FACEREC_DETECT_DETECTOR_EXAMPLES_H_

#include <opencv2/core.hpp>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/data/face_boxes.h"
#include "facerec/data/landmarks.h"

namespace facerec::detect {

struct TrainingFace {
  data::FaceBox box;  // Pixels of its photo.
  // Neither a face to find nor background (too small, cut by a crop).
  bool ignore = false;
  // Five points in data/landmarks.h order; an unknown point is NaN. Empty
  // when none is known.
  std::vector<data::Point2> points;
};

struct TrainingPhoto {
  std::string source;      // A KnownDetectorTrainingSources() name.
  std::string image_path;  // Absolute, for messages.
  cv::Mat rgb;             // 8-bit RGB, long side at most kMaxTrainingPhotoSide.
  std::vector<TrainingFace> faces;
  // Whether every face is annotated, so any other pixel is background.
  bool background_reliable = true;
};

// Larger photos are shrunk on loading (faces with them): crops never need
// more and memory stays bounded.
inline constexpr int kMaxTrainingPhotoSide = 800;

std::vector<std::string> KnownDetectorTrainingSources();

// The face box the WebFaces and CelebA points stand for: a square of side
// 2.2x the distance from the eyes' midpoint to the mouth centre, centred
// 0.66 of the way from the eyes' midpoint to the mouth. Measured on AFW's
// 68-point faces (the hull of the 68 points, brows to chin): median width
// 2.26x and height 2.20x that distance, the eyes at 0.20 of the height. The
// eye-to-mouth distance, not the eye distance, because it shrinks less when
// the head turns.
data::FaceBox FaceBoxFromPoints(const data::Point2& left_eye, const data::Point2& right_eye,
                                const data::Point2& mouth_centre);

// Photos in the order of `sources`, each source's by file name.
// `celeba_landmarks` is needed only when `sources` holds celeba_wild.
// InvalidArgumentError for an unknown source (listing the known ones); the
// annotation readers' errors for missing or malformed files; the decoder's,
// naming the photo, for an unreadable one (the shared data all decodes).
absl::StatusOr<std::vector<TrainingPhoto>> LoadDetectorTrainingPhotos(
    const std::filesystem::path& data_root, const std::vector<std::string>& sources,
    align::LandmarkDetector* celeba_landmarks, int threads);

struct DetectorAugmentOptions {
  int input_size = 320;          // Side of the square training input. Default 320.
  // Crop side over the photo's shorter side, drawn log-uniformly from
  // [min_crop_scale, max_crop_scale]; above 1 the photo lies inside a
  // grey-padded crop and its faces shrink. Defaults 0.3 and 2.
  double min_crop_scale = 0.3;
  double max_crop_scale = 2.0;
  double flip_probability = 0.5;    // Default 0.5.
  double brightness = 0.25;         // Added, times 255, uniform in +-. Default 0.25.
  double contrast = 0.3;            // Multiplied, uniform in 1 +-. Default 0.3.
  double saturation = 0.4;          // Colour blended with grey, 1 +-. Default 0.4.
  double grey_probability = 0.05;   // Default 0.05.
  // Faces smaller than this (shorter side, input pixels) after cropping are
  // marked ignore: too small to learn from. Default 5.
  double min_face_side = 5;
  // A face cut by the crop keeping less than this share of its box is
  // marked ignore. Default 0.6.
  double min_visible_fraction = 0.6;
};

// InvalidArgumentError naming the first bad field.
absl::Status ValidateDetectorAugmentOptions(const DetectorAugmentOptions& options);

struct DetectorSample {
  cv::Mat rgb;  // input_size x input_size, 8-bit RGB.
  std::vector<TrainingFace> faces;  // In rgb's pixels; faces outside dropped.
  bool background_reliable = true;
};

// `rng` null: the whole photo, letterboxed into the square, no flip or colour.
DetectorSample AugmentDetectorPhoto(const TrainingPhoto& photo,
                                    const DetectorAugmentOptions& options, std::mt19937_64* rng);

// `faces` of a photo `width` pixels wide, mirrored: boxes and points
// reflected, left and right points swapped.
std::vector<TrainingFace> MirrorFaces(const std::vector<TrainingFace>& faces, int width);

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_DETECTOR_EXAMPLES_H_
