// OpenCV's Viola-Jones Haar cascade behind the FaceDetector interface: the
// classic CPU face detector and the weakest peer (frontal faces only, no
// landmarks). The cascade file comes from Debian's opencv-data, which
// tools/bazel installs.
//
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<HaarFaceDetector> haar,
//                            HaarFaceDetector::Load(kDefaultHaarCascade, FaceDetectorOptions()));
//   FACEREC_ASSIGN_OR_RETURN(std::vector<Detection> faces, haar->Detect(photo));
//
// The score is the cascade's last-stage weight (detectMultiScale with
// outputRejectLevels), which ranks candidates; candidates that fewer than
// kHaarMinNeighbors overlapping windows agree on are dropped by OpenCV
// before scoring, as in its own default use. The cascade's window is
// kHaarWindow px: for smaller options.min_face_size (default
// kHaarSmallestFace) the photo is scanned enlarged by kHaarWindow /
// min_face_size (times input_scale).
//
// Thread-safety: Detect is not thread-safe (cv::CascadeClassifier keeps
// buffers); use one detector per thread. Ownership: owns the cascade.
#ifndef FACEREC_DETECT_HAAR_DETECTOR_H_
#define FACEREC_DETECT_HAAR_DETECTOR_H_

#include <opencv2/objdetect.hpp>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/detect/face_detector.h"

namespace facerec::detect {

inline constexpr char kDefaultHaarCascade[] =
    "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
inline constexpr double kHaarScaleStep = 1.1;
inline constexpr int kHaarMinNeighbors = 3;
inline constexpr double kHaarWindow = 24;  // haarcascade_frontalface_default's.
// The smallest face searched for when the options leave it to the detector
// (min_face_size 0): smaller faces cost the enlargement squared in time and
// the cascade finds few of them (RESULTS.md, "Face detection").
inline constexpr int kHaarSmallestFace = 20;

class HaarFaceDetector : public FaceDetector {
 public:
  // NotFoundError naming the file when it cannot be read as a cascade;
  // InvalidArgumentError for bad options.
  static absl::StatusOr<std::unique_ptr<HaarFaceDetector>> Load(const std::string& cascade_path,
                                                                const FaceDetectorOptions& options);

  absl::StatusOr<std::vector<Detection>> Detect(const cv::Mat& photo) override;
  std::string name() const override { return "haar"; }

 private:
  explicit HaarFaceDetector(const FaceDetectorOptions& options)
      : options_(WithOwnSmallestFace(options, kHaarSmallestFace)) {}

  cv::CascadeClassifier cascade_;
  const FaceDetectorOptions options_;
};

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_HAAR_DETECTOR_H_
