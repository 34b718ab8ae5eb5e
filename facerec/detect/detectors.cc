#include "facerec/detect/detectors.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/core/status_macros.h"
#include "facerec/detect/dlib_hog_detector.h"
#include "facerec/detect/haar_detector.h"
#include "facerec/detect/our_detector.h"

namespace facerec::detect {

std::vector<std::string> KnownFaceDetectors() { return {"ours", "haar", "dlib_hog"}; }

double DefaultScoreThreshold(const std::string& name) {
  if (name == "dlib_hog") return 0.0;
  if (name == "ours") return kOurDefaultScoreThreshold;
  return -std::numeric_limits<double>::infinity();
}

int OwnSmallestFace(const std::string& name) {
  if (name == "ours") return kOurSmallestFace;
  if (name == "haar") return kHaarSmallestFace;
  if (name == "dlib_hog") return kDlibHogSmallestFace;
  return 0;
}

FaceDetectorOptions ResolvedOptions(const std::string& name, const FaceDetectorOptions& options) {
  FaceDetectorOptions resolved = WithOwnSmallestFace(options, std::max(1, OwnSmallestFace(name)));
  if (name == "ours") resolved.input_scale = OurInputScale(options);
  return resolved;
}

absl::StatusOr<std::unique_ptr<FaceDetector>> MakeFaceDetector(const std::string& name,
                                                               const FaceDetectorOptions& options,
                                                               const std::string& model_path) {
  if (name == "ours") {
    if (model_path.empty()) {
      return absl::InvalidArgumentError("detector 'ours' needs a trained model file");
    }
    FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<OurDetector> d, OurDetector::Load(model_path, options));
    return std::unique_ptr<FaceDetector>(std::move(d));
  }
  if (name == "haar") {
    FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<HaarFaceDetector> d,
                             HaarFaceDetector::Load(kDefaultHaarCascade, options));
    return std::unique_ptr<FaceDetector>(std::move(d));
  }
  if (name == "dlib_hog") {
    FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<DlibHogFaceDetector> d,
                             DlibHogFaceDetector::Create(options));
    return std::unique_ptr<FaceDetector>(std::move(d));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown face detector '", name, "'; known: ",
                                                 absl::StrJoin(KnownFaceDetectors(), ", ")));
}

}  // namespace facerec::detect
