// Re-aligns face crops with our own landmark net: predict the 5 points in
// each crop, then warp the crop by the least-squares similarity that maps
// them onto a template, into a crop of the same size. Used to train and
// evaluate recognition on our alignment instead of the dataset's.
//
//   FACEREC_ASSIGN_OR_RETURN(std::string model, LatestLandmarkModel(store));
//   FACEREC_ASSIGN_OR_RETURN(align::LandmarkDetector detector, align::LandmarkDetector::Load(model));
//   FACEREC_ASSIGN_OR_RETURN(AlignmentReport report, RealignRecognitionData(detector, &data));
//
// The template is the mean of the points predicted on the CelebA-500
// training crops (in units of the crop's width and height), so aligned crops
// keep the framing of the provided ones and differ only by each face's own
// similarity normalisation. Every crop (CelebA-500 windows, celebA_ir crops,
// LFW windows) is treated alike: the landmark box is CropLandmarkBox() of the
// crop, and pixels outside the crop are replicated from its border.
#ifndef FACEREC_PIPELINE_ALIGNMENT_H_
#define FACEREC_PIPELINE_ALIGNMENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/data/face_batches.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/pipeline/trained_models.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::pipeline {

// The landmark box in a tight face crop of width w and height h: centred at
// (0.5 w, 0.57 h), side 1.3 h. For the 83x100 ID-rate window that puts the
// eye-to-mouth distance at ~31% of the side, the median framing of the MTFL
// test faces.
align::SquareBox CropLandmarkBox(int width, int height);

// Predicted 5 points of every image, in pixels of that image.
std::vector<std::vector<data::Point2>> PredictInCrops(align::LandmarkDetector& detector,
                                                      const data::FaceImages& images);

// Each image warped so its points land on `template_points` (given in units
// of width and height), same size as the image.
data::FaceImages WarpToRelativeTemplate(const data::FaceImages& images,
                                        const std::vector<std::vector<data::Point2>>& points,
                                        const std::vector<data::Point2>& template_points);

struct AlignmentReport {
  std::vector<data::Point2> template_points;  // Relative units.
  double mean_residual = 0;  // Mean point distance to the template after warping, in pixels.
  double seconds = 0;
};

// Replaces every image set of `data` with its re-aligned version, and
// `data->fingerprint` with a digest of the old one and every predicted point:
// crops aligned by another net (or the same net through other detector code)
// never share a fingerprint (nor, in compare_losses, a checkpoint).
absl::StatusOr<AlignmentReport> RealignRecognitionData(align::LandmarkDetector& detector,
                                                       RecognitionData* data);

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_ALIGNMENT_H_
