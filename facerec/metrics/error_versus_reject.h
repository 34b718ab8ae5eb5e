// Error versus reject (Grother and Tabassi, "Performance of biometric quality
// measures", 2007; the curve MagFace, Meng et al. 2021, uses to show that its
// feature magnitude is a quality): how well a per-image quality predicts
// which comparisons fail.
//
// Over the pairs of `embeddings` (cosine similarity of L2-normalised rows):
// the threshold is fixed once, on every impostor pair, at `target_fmr` (the
// convention of identification_rate.h: floor(fmr * impostors) impostor pairs
// score strictly above it). A genuine pair's quality is the lower of its two
// images' qualities; for each reject fraction r, the r share of genuine pairs
// with the lowest quality is set aside and FNMR is measured on the rest
// (a genuine pair fails when it does not score strictly above the threshold).
// A quality that predicts failures makes FNMR fall as r grows; a random one
// leaves it flat.
//
//   ErrorVersusReject evrc = ErrorVersusRejectCurve(embeddings, ids, norms, 0.01, {0, 0.1, 0.2});
//   evrc.points[2].fnmr;  // FNMR with the lowest-quality 20 % of genuine pairs rejected
//
// Thread-safety: a function of its arguments.
#ifndef FACEREC_METRICS_ERROR_VERSUS_REJECT_H_
#define FACEREC_METRICS_ERROR_VERSUS_REJECT_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace facerec::metrics {

// The reject fractions a run records: 0 to 50 % in steps of 5 %.
std::vector<double> DefaultRejectFractions();

struct RejectPoint {
  double reject_fraction = 0;
  double fnmr = 0;             // Of the kept genuine pairs.
  int64_t genuine_kept = 0;
};

struct ErrorVersusReject {
  double threshold = 0;
  int64_t genuine_pairs = 0;
  int64_t impostor_pairs = 0;
  std::vector<RejectPoint> points;  // One per reject fraction, in the order asked.
};

// `embeddings` [N, d] float (any device; need not be normalised), `ids` and
// `quality` one per row. CHECK-fails on mismatched sizes or a fraction
// outside [0, 1) (programmer errors); with no genuine or no impostor pair the
// result has no points.
ErrorVersusReject ErrorVersusRejectCurve(const at::Tensor& embeddings, const std::vector<int>& ids,
                                         const std::vector<float>& quality, double target_fmr,
                                         const std::vector<double>& reject_fractions);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_ERROR_VERSUS_REJECT_H_
