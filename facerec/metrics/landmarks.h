// Landmark accuracy: normalised mean error (NME), failure rate and the
// cumulative error distribution (CED), the measures of the MTFL/AFLW and
// 300-W literature.
//
//   std::vector<double> nme = NormalisedMeanErrors(predicted, truth);  // one per face
//   LandmarkSummary s = SummariseLandmarkErrors(nme);
//   // s.mean_nme, s.failure_rate (NME > 0.10), s.ced (NME -> share of faces at or below)
//
// NME of one face = mean Euclidean point error / distance between the eye
// centres (points 0 and 1 of the 5-point order, data/landmarks.h).
#ifndef FACEREC_METRICS_LANDMARKS_H_
#define FACEREC_METRICS_LANDMARKS_H_

#include <vector>

#include "facerec/data/landmarks.h"

namespace facerec::metrics {

// One NME per face. Both lists hold 5-point faces in the same order;
// CHECK-fails on mismatched sizes (programmer error).
std::vector<double> NormalisedMeanErrors(const std::vector<std::vector<data::Point2>>& predicted,
                                         const std::vector<std::vector<data::Point2>>& truth);

// The systematic part of the error: per point, the mean over faces of
// (predicted - truth) / that face's eye-centre distance. Near 0 when a model
// and an annotation protocol agree; a convention difference between datasets
// (1-based pixels, where a "nose tip" is put) shows up here as a constant,
// which the NME alone cannot tell from spread. Same CHECKs as above.
std::vector<data::Point2> MeanNormalisedOffsets(
    const std::vector<std::vector<data::Point2>>& predicted,
    const std::vector<std::vector<data::Point2>>& truth);

// NME with the systematic offset taken out, to separate a model's own error
// from an annotation-protocol difference between its training and test
// labels. Cross-fitted, so no face's label shapes its own correction: faces
// are split by index parity and each half is corrected by the other half's
// MeanNormalisedOffsets (times the face's eye distance). Needs >= 2 faces
// (CHECK); same point CHECKs as NormalisedMeanErrors.
std::vector<double> OffsetRemovedNormalisedMeanErrors(
    const std::vector<std::vector<data::Point2>>& predicted,
    const std::vector<std::vector<data::Point2>>& truth);

struct CedPoint {
  double nme = 0;       // Error threshold.
  double fraction = 0;  // Share of faces with NME <= threshold.
};

struct LandmarkSummary {
  double mean_nme = 0;
  double median_nme = 0;
  double failure_rate = 0;  // Share of faces with NME > failure_threshold.
  double failure_threshold = 0.10;
  std::vector<CedPoint> ced;  // Thresholds 0, 0.005, ..., ced_max.
};

LandmarkSummary SummariseLandmarkErrors(const std::vector<double>& nme,
                                        double failure_threshold = 0.10, double ced_max = 0.30,
                                        double ced_step = 0.005);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_LANDMARKS_H_
