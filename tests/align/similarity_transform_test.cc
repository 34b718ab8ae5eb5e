#include "facerec/align/similarity_transform.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>

namespace facerec::align {
namespace {

using data::Point2;

TEST(SimilarityTransformTest, ExactSimilarityLandsOnTheTemplate) {
  const std::vector<Point2> target = CanonicalFivePoints(112, 112);
  // Photo points = the inverse of a known similarity applied to the template.
  const double angle = 0.3, scale = 1.7, tx = 40, ty = -12;
  std::vector<Point2> photo;
  for (const Point2& p : target) {
    photo.push_back({scale * (std::cos(angle) * p.x - std::sin(angle) * p.y) + tx,
                     scale * (std::sin(angle) * p.x + std::cos(angle) * p.y) + ty});
  }
  const cv::Matx23d m = EstimateSimilarity(photo, target);
  for (size_t i = 0; i < target.size(); ++i) {
    const Point2 mapped = Apply(m, photo[i]);
    EXPECT_NEAR(mapped.x, target[i].x, 1e-4);
    EXPECT_NEAR(mapped.y, target[i].y, 1e-4);
  }
  EXPECT_NEAR(std::hypot(m(0, 0), m(1, 0)), 1 / scale, 1e-9);
}

// Least squares over the similarity parameters (a, b, tx, ty) with
// m = [a -b tx; b a ty], solved with the normal equations.
cv::Matx23d BruteForceLeastSquares(const std::vector<Point2>& src, const std::vector<Point2>& dst) {
  cv::Mat A(static_cast<int>(2 * src.size()), 4, CV_64F), y(static_cast<int>(2 * src.size()), 1, CV_64F);
  for (size_t i = 0; i < src.size(); ++i) {
    const int r = static_cast<int>(2 * i);
    A.at<double>(r, 0) = src[i].x, A.at<double>(r, 1) = -src[i].y, A.at<double>(r, 2) = 1, A.at<double>(r, 3) = 0;
    A.at<double>(r + 1, 0) = src[i].y, A.at<double>(r + 1, 1) = src[i].x, A.at<double>(r + 1, 2) = 0, A.at<double>(r + 1, 3) = 1;
    y.at<double>(r) = dst[i].x;
    y.at<double>(r + 1) = dst[i].y;
  }
  cv::Mat p;
  cv::solve(A.t() * A, A.t() * y, p);
  const double a = p.at<double>(0), b = p.at<double>(1);
  return cv::Matx23d(a, -b, p.at<double>(2), b, a, p.at<double>(3));
}

TEST(SimilarityTransformTest, AgreesWithBruteForceLeastSquaresOnNoisyPoints) {
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 2.0);
  std::uniform_real_distribution<double> uniform(-1, 1);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Point2> src, dst = CanonicalFivePoints(96, 112);
    const double angle = uniform(rng), scale = 2 + uniform(rng);
    for (const Point2& p : dst) {
      src.push_back({scale * (std::cos(angle) * p.x - std::sin(angle) * p.y) + 100 + noise(rng),
                     scale * (std::sin(angle) * p.x + std::cos(angle) * p.y) + 50 + noise(rng)});
    }
    const cv::Matx23d umeyama = EstimateSimilarity(src, dst);
    const cv::Matx23d brute = BruteForceLeastSquares(src, dst);
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(umeyama(r, c), brute(r, c), 1e-6) << trial;
    }
  }
}

TEST(SimilarityTransformTest, WarpMovesPixelsWhereTheTransformSays) {
  cv::Mat image(200, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::circle(image, cv::Point(150, 60), 3, cv::Scalar(255, 255, 255), -1);
  const cv::Matx23d m(0.5, 0, 10, 0, 0.5, 20);  // (150, 60) -> (85, 50).
  const cv::Mat out = WarpToTemplate(image, m, cv::Size(112, 112));
  EXPECT_EQ(out.size(), cv::Size(112, 112));
  EXPECT_GT(out.at<cv::Vec3b>(50, 85)[0], 200);
  EXPECT_EQ(out.at<cv::Vec3b>(10, 10)[0], 0);
}

}  // namespace
}  // namespace facerec::align
