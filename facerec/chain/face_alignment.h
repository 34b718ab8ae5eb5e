// The chain's third stage: a face's five points -> the canonical crop the
// recogniser was trained on, by a least-squares similarity warp
// (align/similarity_transform.h).
//
//   cv::Mat crop = AlignToIdRateWindow(rgb, points);   // 83x100 RGB
//
// The canonical crop is the ID-rate window (data/image.h: 83x100, the
// framing of the CelebA-500 training crops and of celebA_ir), with the points
// where our landmark net finds them on average in the CelebA-500 training
// windows (kIdRateWindowTemplate): a face aligned here is framed like the
// faces the recogniser learnt.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_CHAIN_FACE_ALIGNMENT_H_
#define FACEREC_CHAIN_FACE_ALIGNMENT_H_

#include <opencv2/core.hpp>

#include <array>
#include <vector>

#include "facerec/data/landmarks.h"

namespace facerec::chain {

// Pixels of the 83x100 window, data::kFivePointNames order. The mean of our
// landmark net's predictions over the 8,544 CelebA-500 training windows
// (experiments:evaluate_pipeline records it as template/<point>/x|y, and
// tests/chain checks it against a fresh measurement).
inline constexpr std::array<data::Point2, 5> kIdRateWindowTemplate = {{
    {26.0, 37.0}, {57.0, 37.0}, {41.5, 56.0}, {29.0, 75.0}, {54.0, 75.0}}};

std::vector<data::Point2> IdRateWindowTemplate();

// `rgb` warped so `points` land on the template, 83x100 (borders replicated).
cv::Mat AlignToIdRateWindow(const cv::Mat& rgb, const std::vector<data::Point2>& points);

}  // namespace facerec::chain

#endif  // FACEREC_CHAIN_FACE_ALIGNMENT_H_
