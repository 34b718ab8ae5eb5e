// Runs a trained landmark net on faces in photos: crop each box, predict,
// map the 5 points back to photo pixels. Also saves and loads the net with
// its options, so a model file is self-describing.
//
//   FACEREC_ASSIGN_OR_RETURN(LandmarkDetector detector,
//                            LandmarkDetector::Load("artifacts/landmarks/x/landmark_net.pt"));
//   std::vector<data::Point2> points = detector.Detect(photo, box);   // 5, photo pixels
//
// Thread-safety: Detect may not be called concurrently on one detector
// (LibTorch modules are not re-entrant); use one detector per thread.
#ifndef FACEREC_ALIGN_LANDMARK_DETECTOR_H_
#define FACEREC_ALIGN_LANDMARK_DETECTOR_H_

#include <c10/core/Device.h>

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "facerec/align/landmark_crops.h"
#include "facerec/align/landmark_net.h"
#include "facerec/backbones/net_forward.h"
#include "facerec/data/landmarks.h"

namespace facerec::align {

// Writes the net and its options to `path` (atomically: a temporary file, then rename).
absl::Status SaveLandmarkNet(LandmarkNet net, const std::string& path);
// NotFoundError / DataLossError naming the file.
absl::StatusOr<LandmarkNet> LoadLandmarkNet(const std::string& path);

struct LandmarkDetectorOptions {
  // Second looks: after each prediction the face is re-cropped with
  // RefinementBox(points) and predicted again. Datasets (and detectors) frame
  // faces differently; the re-crop gives the net the framing it was trained
  // around whatever box came in, for a second forward pass (chosen on held-out
  // MTFL faces; experiments/RESULTS.md). Default 1.
  int refine_passes = 1;
  // The last pass also predicts on the mirrored crop (one batch of 2N) and
  // averages the two, left and right swapped back: it halves the part of the
  // error that is not symmetric under a flip, for ~1.2x the time of a pass
  // (chosen on held-out MTFL faces; experiments/RESULTS.md). Earlier passes only place
  // the next crop and are not flipped. Default true.
  bool flip_average = true;
  // Refinement crops are turned so that the previous pass's eyes lie level:
  // the net sees the face upright, however far the face is rolled in the
  // photo (the net trains on rolls up to +-15 degrees; AFLW's and AFW's faces
  // go further). No effect without refinement passes. Chosen on held-out
  // MTFL faces over three seeds of the soft-argmax net (issue 35; the numbers
  // are in experiments/RESULTS.md, "Landmark net over seeds"). The crop is
  // warped either way, so turning it costs nothing. Default true.
  bool upright_refinement = true;
};

// The angle of the line from the eye on the image's left to the other eye,
// in degrees (positive: the other eye lower, image y pointing down). A
// crop turned by it (PhotoToCrop) shows those eyes level.
double EyeLineDegrees(const std::vector<data::Point2>& points);

// The box a refinement pass uses: centred on the 5 points' mean, side =
// eye-to-mouth distance / kRefineEyeMouthFraction (the geometric middle of
// the framings the default augmentation trains on).
inline constexpr double kRefineEyeMouthFraction = 0.27;
SquareBox RefinementBox(const std::vector<data::Point2>& points);

class LandmarkDetector {
 public:
  // Runs a copy of `net` made for inference (BatchNorm folded in): later
  // changes to `net` do not reach it, and `net` stays as it was.
  explicit LandmarkDetector(const LandmarkNet& net, c10::Device device = c10::kCPU,
                            LandmarkDetectorOptions options = {});
  static absl::StatusOr<LandmarkDetector> Load(const std::string& path,
                                               c10::Device device = c10::kCPU,
                                               LandmarkDetectorOptions options = {});
  // The net computed by `forward` ([N, 3, S, S] -> [N, 5, 2], S =
  // `input_size`; another runtime, export/opencv_dnn.h), with the same crops,
  // refinement and flip averaging.
  LandmarkDetector(backbones::NetForward forward, int input_size, LandmarkDetectorOptions options = {});

  // One RGB photo and a face box in it -> 5 points in photo pixels.
  std::vector<data::Point2> Detect(const cv::Mat& photo, const SquareBox& box);
  // Batched: boxes[i] is in photos[i]; any number (run in chunks of 256).
  // Faster per face than one at a time.
  std::vector<std::vector<data::Point2>> Detect(const std::vector<cv::Mat>& photos,
                                                const std::vector<SquareBox>& boxes);


 private:
  // angles[i]: the turn of boxes[i]'s crop, in degrees.
  std::vector<std::vector<data::Point2>> DetectOnce(const std::vector<cv::Mat>& photos,
                                                    const std::vector<SquareBox>& boxes,
                                                    const std::vector<double>& angles, bool flip_average);

  backbones::NetForward forward_;
  int input_size_;
  LandmarkDetectorOptions options_;
};

}  // namespace facerec::align

#endif  // FACEREC_ALIGN_LANDMARK_DETECTOR_H_
