// Face detectors by name, so experiments and tools choose one with a flag.
//
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<FaceDetector> d,
//                            MakeFaceDetector("dlib_hog", FaceDetectorOptions()));
//
// Known names: KnownFaceDetectors(): "ours" (our_detector.h; needs a trained
// model file, pipeline/trained_models.h finds the newest), "haar", "dlib_hog".
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
// score); ours kOurDefaultScoreThreshold. Lowest for an unknown name.
double DefaultScoreThreshold(const std::string& name);

// The smallest face a detector searches for when the options leave it to it
// (FaceDetectorOptions::min_face_size 0): kOurSmallestFace,
// kHaarSmallestFace, kDlibHogSmallestFace. 0 for an unknown name.
int OwnSmallestFace(const std::string& name);

// `options` as the detector `name` applies them: a min_face_size of 0 is its
// own smallest face (at least 1 px for an unknown name), and ours' input_scale
// is the factor it resizes a photo by (OurInputScale). What a store of a
// detector's faces keys on (pipeline/face_cache.h).
FaceDetectorOptions ResolvedOptions(const std::string& name, const FaceDetectorOptions& options);

// `model_path`: the trained model, for "ours" only (others ignore it).
// InvalidArgumentError for an unknown name (listing the known ones), bad
// options or "ours" without a model; NotFoundError when a model file is
// missing, DataLossError when it is not a model.
absl::StatusOr<std::unique_ptr<FaceDetector>> MakeFaceDetector(const std::string& name,
                                                               const FaceDetectorOptions& options,
                                                               const std::string& model_path = "");

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_DETECTORS_H_
