// The landmark peer as a library: dlib's 68-point shape predictor (Debian
// libdlib-data: Kazemi & Sullivan's regression-tree ensemble trained on iBUG
// 300-W), given the box dlib's own HOG face detector finds, reduced to our
// five points (data::ReduceIbug68ToFive).
//
//   FACEREC_ASSIGN_OR_RETURN(DlibLandmarkPredictor dlib, DlibLandmarkPredictor::Load(
//       "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"));
//   DlibPredictions p = dlib.Predict(examples);  // p.points[i]: 5 points of examples[i]
//
// The predictor was trained on boxes from dlib's HOG detector and is
// sensitive to framing, so each face gets the box that detector finds around
// it: the region kSearchScale x the example's box, resized to kSearchSize
// px, is searched, and the detection nearest its centre is used. Where the
// detector finds nothing, the face gets the example's box mapped by the
// median (scale, offset) of the detections, and the share of such faces is
// reported (miss_share). This gives dlib its best box; our net sees the
// dataset's box as is.
//
// Thread-safety: Predict is not thread-safe (dlib's detector keeps state);
// use one predictor per thread. Ownership: owns the loaded model.
#ifndef FACEREC_ALIGN_DLIB_LANDMARKS_H_
#define FACEREC_ALIGN_DLIB_LANDMARKS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/align/landmark_examples.h"

namespace facerec::align {

inline constexpr double kDlibSearchScale = 1.6;
inline constexpr int kDlibSearchSize = 240;

struct DlibPredictions {
  std::vector<std::vector<data::Point2>> points;  // 5 per face, photo pixels.
  double miss_share = 0;                          // Faces without a detection.
  double median_us = 0;                           // Predictor time per face (detector excluded).
};

class DlibLandmarkPredictor {
 public:
  // NotFoundError naming `model` when it cannot be read, DataLossError when
  // dlib cannot deserialize it.
  static absl::StatusOr<DlibLandmarkPredictor> Load(const std::string& model);

  DlibLandmarkPredictor(DlibLandmarkPredictor&&) noexcept;
  DlibLandmarkPredictor& operator=(DlibLandmarkPredictor&&) noexcept;
  ~DlibLandmarkPredictor();

  DlibPredictions Predict(const std::vector<LandmarkExample>& examples);

 private:
  struct Impl;
  explicit DlibLandmarkPredictor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace facerec::align

#endif  // FACEREC_ALIGN_DLIB_LANDMARKS_H_
