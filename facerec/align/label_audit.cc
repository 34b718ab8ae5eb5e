#include "facerec/align/label_audit.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <opencv2/imgproc.hpp>

#include "glog/logging.h"

namespace facerec::align {

std::vector<cv::Mat> MeanPointPatches(const std::vector<LandmarkExample>& faces,
                                      const LabelAuditOptions& options) {
  CHECK(!faces.empty());
  CHECK(options.patch_side % 2 == 1) << "patch_side must be odd: " << options.patch_side;
  const int side = options.patch_side;
  const double centre = (side - 1) / 2.0;
  std::vector<cv::Mat> sums(5);
  std::vector<int> counts(5, 0);
  for (cv::Mat& s : sums) s = cv::Mat::zeros(side, side, CV_64F);
  cv::Mat colour, grey, patch;
  for (const LandmarkExample& face : faces) {
    CHECK_EQ(face.points.size(), 5u) << face.source;
    CHECK_EQ(face.photo.channels(), 3) << face.source;
    const double eye_distance = std::hypot(face.points[1].x - face.points[0].x,
                                           face.points[1].y - face.points[0].y);
    // Photo pixels per patch pixel.
    const double step = eye_distance / options.eye_distance;
    for (int k = 0; k < 5; ++k) {
      const data::Point2& p = face.points[k];
      // Patch pixel (u, v) samples the photo at p + ((u, v) - centre) * step:
      // OpenCV's pixel centres are integers in both images.
      const cv::Matx23d patch_to_photo(step, 0, p.x - centre * step, 0, step, p.y - centre * step);
      cv::warpAffine(face.photo, colour, patch_to_photo, cv::Size(side, side),
                     cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
      cv::cvtColor(colour, grey, cv::COLOR_RGB2GRAY);
      grey.convertTo(patch, CV_64F);
      cv::Scalar mean, deviation;
      cv::meanStdDev(patch, mean, deviation);
      if (deviation[0] < 1e-6) continue;  // A flat patch (a point far outside the photo) says nothing.
      sums[k] += (patch - mean[0]) / deviation[0];
      ++counts[k];
    }
  }
  for (int k = 0; k < 5; ++k) sums[k] /= std::max(1, counts[k]);
  return sums;
}

namespace {

// Largest move searched, in patch pixels, each axis.
constexpr double kMaxMove = 4;

// Weighted squared difference between `candidate` and `reference` moved by
// t: sum over x of w(x) (candidate(x) - reference(x - t))^2.
double MovedDifference(const cv::Mat& reference, const cv::Mat& candidate, const cv::Mat& weights,
                       cv::Point2d t) {
  cv::Mat moved;
  cv::warpAffine(reference, moved, cv::Matx23d(1, 0, t.x, 0, 1, t.y), reference.size(),
                 cv::INTER_CUBIC, cv::BORDER_REPLICATE);
  cv::Mat difference = candidate - moved;
  return cv::sum(difference.mul(difference).mul(weights))[0];
}

}  // namespace

data::Point2 LabelShift(const cv::Mat& reference, const cv::Mat& candidate,
                        const LabelAuditOptions& options) {
  CHECK_EQ(reference.size(), candidate.size());
  CHECK_EQ(reference.type(), CV_64F);
  CHECK_EQ(candidate.type(), CV_64F);
  // A Gaussian window: the content near the point decides, and the rows and
  // columns a move fills in by replication barely count.
  const int side = reference.cols;
  const cv::Mat profile = cv::getGaussianKernel(side, side / 5.0, CV_64F);
  const cv::Mat weights = profile * profile.t();
  // Grid search over moves, then a finer grid around the best: the
  // objective is smooth but not quadratic over whole pixels, and a grid
  // cannot land on a wrong local optimum the way a descent from 0 can.
  cv::Point2d best(0, 0);
  double best_value = MovedDifference(reference, candidate, weights, best);
  for (const auto& [step, reach] : {std::pair{0.25, kMaxMove}, std::pair{0.02, 0.25}}) {
    const cv::Point2d around = best;
    for (double y = around.y - reach; y <= around.y + reach + 1e-9; y += step) {
      for (double x = around.x - reach; x <= around.x + reach + 1e-9; x += step) {
        const double value = MovedDifference(reference, candidate, weights, {x, y});
        if (value < best_value) {
          best_value = value;
          best = {x, y};
        }
      }
    }
  }
  // candidate(x) ~ reference(x - t). Labels d eye distances right of the
  // reference's show the content d * eye_distance patch pixels left of the
  // centre: t = -d * eye_distance.
  return {-best.x / options.eye_distance, -best.y / options.eye_distance};
}

}  // namespace facerec::align
