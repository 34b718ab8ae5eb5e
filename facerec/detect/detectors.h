// Face detectors by name, so experiments and tools choose one with a flag.
//
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<FaceDetector> d,
//                            MakeFaceDetector("dlib_hog", FaceDetectorOptions()));
//
// Known names: KnownFaceDetectors() ("haar", "dlib_hog").
#ifndef FACEREC_DETECT_DETECTORS_H_
#define FACEREC_DETECT_DETECTORS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/detect/face_detector.h"

namespace facerec::detect {

std::vector<std::string> KnownFaceDetectors();

// The score threshold each detector's own library uses by default, for a
// tool that reports faces rather than ranks candidates: dlib's HOG 0 (its
// SVM margin); Haar none (OpenCV filters by neighbours instead, before any
// score). Lowest for an unknown name.
double DefaultScoreThreshold(const std::string& name);

// InvalidArgumentError for an unknown name (listing the known ones) or bad
// options; NotFoundError when a detector's model file is missing.
absl::StatusOr<std::unique_ptr<FaceDetector>> MakeFaceDetector(const std::string& name,
                                                               const FaceDetectorOptions& options);

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_DETECTORS_H_
