// The chain's second stage: five points for each detected face, by name.
//
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<LandmarkStage> stage,
//                            MakeLandmarkStage("landmark_net", "artifacts/landmarks/x/landmark_net.pt"));
//   FACEREC_ASSIGN_OR_RETURN(std::vector<data::Point2> points, stage->Locate(rgb, detection));
//
// Stages (KnownLandmarkStages()):
//   landmark_net     our landmark net (align/landmark_detector.h) on a square
//                    around the detection, then its refinement pass.
//   detector_points  the detector's own five points (our detector has a
//                    landmark head; Haar and dlib HOG have none, and fail).
//
// Thread-safety: a stage is not thread-safe; one per thread.
#ifndef FACEREC_CHAIN_LANDMARK_STAGE_H_
#define FACEREC_CHAIN_LANDMARK_STAGE_H_

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/align/landmark_crops.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/data/landmarks.h"
#include "facerec/detect/face_detector.h"

namespace facerec::chain {

class LandmarkStage {
 public:
  virtual ~LandmarkStage() = default;
  // `rgb` is the photo the detection was made in, as 8-bit RGB.
  virtual absl::StatusOr<std::vector<data::Point2>> Locate(const cv::Mat& rgb,
                                                           const detect::Detection& face) = 0;
  virtual std::string name() const = 0;
};

std::vector<std::string> KnownLandmarkStages();

// A detection box is a tight face (eye-to-mouth ~0.45 of its side); the
// landmark net learnt faces framed looser (0.21-0.32, align/landmark_crops.h).
// The net's first look is at the box's square scaled by this, the middle of
// that range; its refinement pass then re-frames around the points.
inline constexpr double kDetectionToLandmarkBox = 1.65;
align::SquareBox LandmarkBoxForDetection(const data::FaceBox& box);

// `model_path`: the landmark net, for landmark_net. InvalidArgumentError for
// an unknown name (listing the known ones); the loader's errors.
absl::StatusOr<std::unique_ptr<LandmarkStage>> MakeLandmarkStage(const std::string& name,
                                                                 const std::string& model_path);

// Stage "landmark_net" around a detector already made (another runtime's:
// export/opencv_dnn.h).
std::unique_ptr<LandmarkStage> LandmarkNetStageOf(align::LandmarkDetector detector);

}  // namespace facerec::chain

#endif  // FACEREC_CHAIN_LANDMARK_STAGE_H_
