// The alignment warp: a least-squares similarity transform (rotation, uniform
// scale, translation; Umeyama 1991) from detected landmarks to a canonical
// template, applied with OpenCV.
//
//   std::vector<data::Point2> points = ...;                       // 5 landmarks in the photo
//   std::vector<data::Point2> target = CanonicalFivePoints(112, 112);
//   cv::Matx23d m = EstimateSimilarity(points, target);
//   cv::Mat aligned = WarpToTemplate(photo, m, cv::Size(112, 112));
//
// The template is insightface's ArcFace 5-point template for 112x112 crops,
// scaled to the requested size, in the data::kFivePointNames order (eye on the
// image's left first).
#ifndef FACEREC_ALIGN_SIMILARITY_TRANSFORM_H_
#define FACEREC_ALIGN_SIMILARITY_TRANSFORM_H_

#include <opencv2/core.hpp>
#include <vector>

#include "facerec/data/landmarks.h"

namespace facerec::align {

// The 5-point template for a width x height crop.
std::vector<data::Point2> CanonicalFivePoints(int width, int height);

// The similarity (no reflection) minimising sum |m * src_i - dst_i|^2. At
// least 2 distinct points; CHECK-fails on mismatched sizes (programmer error).
cv::Matx23d EstimateSimilarity(const std::vector<data::Point2>& src,
                               const std::vector<data::Point2>& dst);

data::Point2 Apply(const cv::Matx23d& m, const data::Point2& p);

// Bilinear warp of `image` by `m` into a `size` crop (borders replicated).
cv::Mat WarpToTemplate(const cv::Mat& image, const cv::Matx23d& m, const cv::Size& size);

}  // namespace facerec::align

#endif  // FACEREC_ALIGN_SIMILARITY_TRANSFORM_H_
