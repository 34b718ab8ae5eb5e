// Checks, without any model, whether two landmark lists put their labels on
// the same image content: for each of the 5 points, the mean grey patch
// around the labelled point over a list's faces (each face scaled to one eye
// distance), and the sub-pixel shift that best lines up one list's mean
// patch with another's (least squares in a Gaussian window, grid-searched to
// 0.02 patch pixels within 4). Two lists labelled by one protocol
// agree to a small fraction of the eye distance; a list whose labels were
// written in another pixel convention (say 1-based) or moved by a resize
// shows the same shift on every point.
//
//   const LabelAuditOptions options;
//   std::vector<cv::Mat> reference = MeanPointPatches(training_faces, options);
//   std::vector<cv::Mat> test = MeanPointPatches(test_faces, options);
//   data::Point2 shift = LabelShift(reference[0], test[0], options);
//   // shift.x = 0.05: the test labels of point 0 sit 5 % of the eye distance
//   // right of where the training protocol puts that point.
//
// Why model-free: a net's or dlib's mean offset on a list mixes the
// labels' convention with the model's own bias and the list's poses; the
// mean patch only depends on the labels and the photos.
#ifndef FACEREC_ALIGN_LABEL_AUDIT_H_
#define FACEREC_ALIGN_LABEL_AUDIT_H_

#include <opencv2/core.hpp>
#include <vector>

#include "facerec/align/landmark_examples.h"
#include "facerec/data/landmarks.h"

namespace facerec::align {

struct LabelAuditOptions {
  // Patch side in patch pixels (odd, so the labelled point is a pixel centre). Default 33.
  int patch_side = 33;
  // Each face is scaled so that its eye distance spans this many patch
  // pixels: faces of every size then add up to one sharp mean patch, and
  // shifts come out in eye distances. Default 16.
  double eye_distance = 16;
};

// One mean patch per point (5, CV_64F, patch_side squared): grey levels
// sampled bilinearly around each face's labelled point (axes kept: a pixel
// convention acts along the photo's axes), each patch scaled to zero mean and
// unit variance so no bright photo dominates, then averaged. CHECK-fails on
// an empty list.
std::vector<cv::Mat> MeanPointPatches(const std::vector<LandmarkExample>& faces,
                                      const LabelAuditOptions& options = {});

// How far the labels behind `candidate` sit from those behind `reference`
// on the same content, in eye distances: +x right, +y down. Both are mean
// patches of the same point made with the same `options`.
data::Point2 LabelShift(const cv::Mat& reference, const cv::Mat& candidate,
                        const LabelAuditOptions& options = {});

}  // namespace facerec::align

#endif  // FACEREC_ALIGN_LABEL_AUDIT_H_
