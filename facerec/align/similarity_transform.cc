#include "facerec/align/similarity_transform.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "glog/logging.h"

namespace facerec::align {

std::vector<data::Point2> CanonicalFivePoints(int width, int height) {
  // insightface's arcface_torch template for 112 x 112.
  static const double kTemplate[5][2] = {{38.2946, 51.6963},
                                         {73.5318, 51.5014},
                                         {56.0252, 71.7366},
                                         {41.5493, 92.3655},
                                         {70.7299, 92.2041}};
  std::vector<data::Point2> points;
  for (const auto& p : kTemplate) points.push_back({p[0] * width / 112.0, p[1] * height / 112.0});
  return points;
}

cv::Matx23d EstimateSimilarity(const std::vector<data::Point2>& src,
                               const std::vector<data::Point2>& dst) {
  CHECK_EQ(src.size(), dst.size());
  CHECK_GE(src.size(), 2u);
  const double n = static_cast<double>(src.size());
  cv::Vec2d mean_src(0, 0), mean_dst(0, 0);
  for (size_t i = 0; i < src.size(); ++i) {
    mean_src += cv::Vec2d(src[i].x, src[i].y) / n;
    mean_dst += cv::Vec2d(dst[i].x, dst[i].y) / n;
  }
  // Covariance of the centred point sets and the source variance.
  cv::Matx22d covariance = cv::Matx22d::zeros();
  double variance_src = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    const cv::Vec2d s = cv::Vec2d(src[i].x, src[i].y) - mean_src;
    const cv::Vec2d d = cv::Vec2d(dst[i].x, dst[i].y) - mean_dst;
    covariance += cv::Matx22d(d[0] * s[0], d[0] * s[1], d[1] * s[0], d[1] * s[1]) * (1.0 / n);
    variance_src += s.dot(s) / n;
  }
  CHECK_GT(variance_src, 0) << "source points coincide";
  cv::Mat w, u, vt;
  cv::SVD::compute(cv::Mat(covariance), w, u, vt);
  cv::Matx22d s_diag = cv::Matx22d::eye();
  if (cv::determinant(cv::Mat(covariance)) < 0) s_diag(1, 1) = -1;  // No reflection.
  const cv::Matx22d U(u), Vt(vt);
  const cv::Matx22d rotation = U * s_diag * Vt;
  const double scale = (w.at<double>(0) * s_diag(0, 0) + w.at<double>(1) * s_diag(1, 1)) / variance_src;
  const cv::Vec2d t = mean_dst - scale * (rotation * mean_src);
  return cv::Matx23d(scale * rotation(0, 0), scale * rotation(0, 1), t[0],
                     scale * rotation(1, 0), scale * rotation(1, 1), t[1]);
}

data::Point2 Apply(const cv::Matx23d& m, const data::Point2& p) {
  return {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)};
}

cv::Mat WarpToTemplate(const cv::Mat& image, const cv::Matx23d& m, const cv::Size& size) {
  cv::Mat out;
  cv::warpAffine(image, out, cv::Mat(m), size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

}  // namespace facerec::align
