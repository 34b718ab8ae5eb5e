// The detection stage's interface: a photo in, faces out (box, score, and
// five points when the detector has them). Every detector — ours, OpenCV's
// Haar cascade, dlib's HOG — sits behind it, so the photo-to-identity chain
// and the detection evaluation take any of them by name (detectors.h).
//
//   FaceDetectorOptions options;
//   options.min_face_size = 24;  // Default 0: the detector's own smallest face.
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<FaceDetector> detector,
//                            MakeFaceDetector("haar", options));
//   FACEREC_ASSIGN_OR_RETURN(std::vector<Detection> faces, detector->Detect(photo));
//   // faces[i].box: top-left and size in the photo's pixels; faces[i].score.
//
// Scores are each detector's own (a probability for ours, the last stage's
// weight for Haar, the SVM margin for dlib): they rank one detector's
// detections, for AP and thresholds, and are not comparable across detectors.
//
// Thread-safety: a FaceDetector is not thread-safe unless its class says so;
// use one per thread. The free functions are functions of their arguments.
#ifndef FACEREC_DETECT_FACE_DETECTOR_H_
#define FACEREC_DETECT_FACE_DETECTOR_H_

#include <opencv2/core.hpp>

#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "facerec/data/face_boxes.h"
#include "facerec/data/landmarks.h"

namespace facerec::detect {

struct Detection {
  data::FaceBox box;   // Top-left and size, pixels of the photo passed in.
  double score = 0;    // Higher is more confident; the detector's own scale.
  // The five points in data/landmarks.h order, photo pixels; empty when the
  // detector has no landmark head.
  std::vector<data::Point2> points;
};

struct FaceDetectorOptions {
  // Detections scoring below this are dropped. Default: lowest, so every
  // candidate is kept (what an AP evaluation needs); a deployment sets its
  // operating point here.
  double score_threshold = -std::numeric_limits<double>::infinity();
  // Of two detections overlapping by at least this IoU, the lower-scored one
  // is dropped. Default 0.4.
  double nms_iou = 0.4;
  // Faces narrower than this many pixels of the photo are neither searched
  // for nor reported. Default 0: each detector's own smallest face
  // (WithOwnSmallestFace), 8 px for ours and 20 px for Haar and dlib HOG,
  // whose windows (24 and 80 px) would need the photo enlarged 3-10x to
  // scan faces of 8 px.
  int min_face_size = 0;
  // The photo is resized by this factor before detection and the boxes are
  // mapped back: > 1 finds faces smaller than a detector's window (dlib
  // HOG's is 80 px), < 1 trades small faces for speed. Default 1.
  double input_scale = 1.0;
};

// InvalidArgumentError naming the field, the value and what is allowed.
absl::Status ValidateFaceDetectorOptions(const FaceDetectorOptions& options);

// `options` with min_face_size 0 replaced by `own_smallest_face`: what a
// detector searches for and reports when the caller leaves the size to it.
FaceDetectorOptions WithOwnSmallestFace(FaceDetectorOptions options, int own_smallest_face);

class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  // Faces in an 8-bit BGR or grey photo of any size (as cv::imread gives),
  // after the options' threshold, size limit and NMS, by falling score.
  // InvalidArgumentError for an empty photo or another pixel type.
  virtual absl::StatusOr<std::vector<Detection>> Detect(const cv::Mat& photo) = 0;
  // The name MakeFaceDetector knows it by ("haar", "dlib_hog", ...).
  virtual std::string name() const = 0;
};

// Greedy non-maximum suppression: by falling score, each detection is kept
// unless it overlaps an already kept one by IoU >= `iou`.
std::vector<Detection> NonMaximumSuppression(std::vector<Detection> detections, double iou);

// The options' threshold and size limit, then NMS, then sorted by falling
// score: what every detector applies to its raw candidates (in photo pixels).
std::vector<Detection> FinishDetections(std::vector<Detection> candidates,
                                        const FaceDetectorOptions& options);

// Checks the photo every Detect takes: non-empty, 8-bit, 1 or 3 channels.
absl::Status ValidatePhoto(const cv::Mat& photo);

// A valid photo as 8-bit grey, resized by `scale` (area averaging down,
// bilinear up): what the classic detectors scan. Never shares `photo`'s pixels.
cv::Mat GreyAtScale(const cv::Mat& photo, double scale);

}  // namespace facerec::detect

#endif  // FACEREC_DETECT_FACE_DETECTOR_H_
