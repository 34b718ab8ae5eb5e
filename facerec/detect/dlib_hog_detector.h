// dlib's HOG + linear SVM frontal face detector (get_frontal_face_detector:
// 5 HOG filters for frontal and turned faces, an 80x80 window) behind the
// FaceDetector interface: the stronger classic peer. No landmarks (dlib's
// shape predictor is align/dlib_landmarks.h).
//
//   std::unique_ptr<DlibHogFaceDetector> hog = DlibHogFaceDetector::Create(FaceDetectorOptions());
//   FACEREC_ASSIGN_OR_RETURN(std::vector<Detection> faces, hog->Detect(photo));
//
// The score is the SVM margin (dlib's detection_confidence; dlib's own
// operating point is 0). dlib is asked for candidates down to
// max(options.score_threshold, kDlibHogLowestMargin), so an AP evaluation
// sees a whole precision-recall curve. dlib's window is kDlibHogWindow px:
// to find faces from options.min_face_size px up (default
// kDlibHogSmallestFace), the photo is scanned
// enlarged by kDlibHogWindow / min_face_size when that is above 1 (times
// input_scale), which costs that factor squared in time.
//
// Thread-safety: Detect is not thread-safe (the scanner keeps state); use one
// detector per thread.
#ifndef FACEREC_DETECT_DLIB_HOG_DETECTOR_H_
#define FACEREC_DETECT_DLIB_HOG_DETECTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/detect/face_detector.h"

namespace facerec::detect {

inline constexpr double kDlibHogLowestMargin = -0.5;
inline constexpr double kDlibHogWindow = 80;
// The smallest face searched for when the options leave it to the detector
// (min_face_size 0): 20 px already costs a 4x enlargement, 16x the time.
inline constexpr int kDlibHogSmallestFace = 20;

class DlibHogFaceDetector : public FaceDetector {
 public:
  // InvalidArgumentError for bad options.
  static absl::StatusOr<std::unique_ptr<DlibHogFaceDetector>> Create(
      const FaceDetectorOptions& options);
  ~DlibHogFaceDetector() override;

  absl::StatusOr<std::vector<Detection>> Detect(const cv::Mat& photo) override;
  std::string name() const override { return "dlib_hog"; }

 private:
  struct Scanner;  // dlib's detector, kept out of this header (dlib headers are heavy).
  explicit DlibHogFaceDetector(const FaceDetectorOptions& options);

  std::unique_ptr<Scanner> scanner_;
  const FaceDetectorOptions options_;
};

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_DLIB_HOG_DETECTOR_H_
