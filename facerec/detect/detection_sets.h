// The photos a detector is trained and judged on, with their annotated faces
// as the detection metric takes them (metrics/detection.h), split once and
// for all so training never sees a validation photo.
//
//   FACEREC_ASSIGN_OR_RETURN(DetectionSet val, LoadDetectionSet(data_root, "facemask_val"));
//   IgnoreFacesSmallerThan(24, &val);  // "AP on faces >= 24 px"
//   // val.photos[i].image_path, val.photos[i].faces, val.rule
//
// Sets (KnownDetectionSets()):
//   facemask_train / facemask_val  facemask/ VOC boxes; every kValidationEvery-th
//                                  photo by file name is validation
//   webfaces_train / webfaces_val  webfaces/ points only (eyes, nose, mouth),
//                                  matched by MatchRule::kPointsInside; same split
//   dlib_train / dlib_test         dlib_faces/ training.xml / testing.xml boxes
//   afw                            afw/ 68 points reduced to eyes, nose and mouth
//                                  centre, matched by points; only some faces of a
//                                  photo are annotated, so recall only
// Unannotated faces exist in webfaces and afw photos: their false positives
// are not all false, which is why afw reports recall only.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_DETECT_DETECTION_SETS_H_
#define FACEREC_DETECT_DETECTION_SETS_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/metrics/detection.h"

namespace facerec::detect {

inline constexpr int kValidationEvery = 5;

struct DetectionPhoto {
  std::string image_path;  // Absolute.
  std::vector<metrics::AnnotatedFace> faces;
};

struct DetectionSet {
  std::string name;
  metrics::MatchRule rule = metrics::MatchRule::kIntersectionOverUnion;
  // Not every face is annotated: report recall, not AP or false positives.
  bool recall_only = false;
  std::vector<DetectionPhoto> photos;  // Sorted by image path.
};

std::vector<std::string> KnownDetectionSets();

// InvalidArgumentError for an unknown name (listing the known ones); the
// readers' errors (file and line) for missing or malformed annotations.
absl::StatusOr<DetectionSet> LoadDetectionSet(const std::filesystem::path& data_root,
                                              const std::string& name);

// Marks faces smaller than `min_side` px as ignore (metrics/detection.h):
// boxes by their shorter side, point faces by twice their eye distance (a
// face box is 1.2-4x the eye distance wide, 2x is its middle).
void IgnoreFacesSmallerThan(double min_side, DetectionSet* set);
// The same for one photo's faces.
void IgnoreFacesSmallerThan(double min_side, std::vector<metrics::AnnotatedFace>* faces);

// The size IgnoreFacesSmallerThan compares, in pixels.
double FaceSide(const metrics::AnnotatedFace& face);

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_DETECTION_SETS_H_
