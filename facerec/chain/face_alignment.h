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

// Pixels of the 83x100 window, data::kFivePointNames order: the mean of our
// landmark net's predictions over the 8,544 CelebA-500 training windows
// (the default landmark net, run b354d2de; experiments:evaluate_pipeline
// measures it again with the net it uses and records it as
// template/<point>/x|y). CelebA's own alignment put the eyes at fixed places,
// so the spread around these means is small.
inline constexpr std::array<data::Point2, 5> kIdRateWindowTemplate = {{
    {25.37, 36.71}, {63.83, 36.81}, {44.29, 60.25}, {27.37, 77.35}, {61.65, 77.46}}};

std::vector<data::Point2> IdRateWindowTemplate();

// `rgb` warped so `points` land on the template, 83x100 (borders replicated).
cv::Mat AlignToIdRateWindow(const cv::Mat& rgb, const std::vector<data::Point2>& points);

}  // namespace facerec::chain

#endif  // FACEREC_CHAIN_FACE_ALIGNMENT_H_
