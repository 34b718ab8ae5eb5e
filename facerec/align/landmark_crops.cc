#include "facerec/align/landmark_crops.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "facerec/align/similarity_transform.h"
#include "glog/logging.h"

namespace facerec::align {
namespace {

double Uniform(std::mt19937_64* rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(*rng);
}

}  // namespace

SquareBox SquareAround(const data::FaceBox& rect) {
  return {rect.x + rect.width / 2, rect.y + rect.height / 2, std::max(rect.width, rect.height)};
}

SquareBox WholeImageBox(const cv::Mat& image) {
  return {image.cols / 2.0, image.rows / 2.0, static_cast<double>(std::max(image.cols, image.rows))};
}

SquareBox BoxAroundFivePoints(const std::vector<data::Point2>& points, double eye_mouth_fraction) {
  CHECK_EQ(points.size(), 5u);
  CHECK_GT(eye_mouth_fraction, 0);
  double cx = 0, cy = 0;
  for (const data::Point2& p : points) {
    cx += p.x / 5;
    cy += p.y / 5;
  }
  const double eye_mouth =
      std::hypot((points[0].x + points[1].x - points[3].x - points[4].x) / 2,
                 (points[0].y + points[1].y - points[3].y - points[4].y) / 2);
  return {cx, cy, std::max(eye_mouth, 1.0) / eye_mouth_fraction};
}

SquareBox BoxAroundPoints(const std::vector<data::Point2>& points, double scale) {
  CHECK(!points.empty());
  double x0 = points[0].x, x1 = x0, y0 = points[0].y, y1 = y0;
  for (const data::Point2& p : points) {
    x0 = std::min(x0, p.x);
    x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y);
    y1 = std::max(y1, p.y);
  }
  return {(x0 + x1) / 2, (y0 + y1) / 2, scale * std::max(x1 - x0, y1 - y0)};
}

cv::Matx23d PhotoToCrop(const SquareBox& box, int crop_size, double angle_degrees, bool mirror) {
  const double scale = crop_size / box.side;
  const double a = angle_degrees * M_PI / 180.0;
  const double c = std::cos(a) * scale, s = std::sin(a) * scale;
  // Rotate by -angle about the box centre, scale, move the centre to the
  // crop's centre; mirroring negates x about that centre.
  const double half = crop_size / 2.0;
  cv::Matx23d m(c, s, half - c * box.center_x - s * box.center_y,  //
                -s, c, half + s * box.center_x - c * box.center_y);
  if (mirror) {
    for (int j = 0; j < 3; ++j) m(0, j) = -m(0, j);
    m(0, 2) += crop_size;
  }
  return m;
}

std::vector<data::Point2> SwapLeftRight(const std::vector<data::Point2>& points) {
  CHECK_EQ(points.size(), 5u);
  return {points[1], points[0], points[2], points[4], points[3]};
}

LandmarkSample MakeLandmarkSample(const cv::Mat& photo, const std::vector<data::Point2>& points,
                                  const SquareBox& box, int crop_size,
                                  const LandmarkAugmentOptions& o, std::mt19937_64* rng) {
  SquareBox b = box;
  double angle = 0;
  bool mirror = false;
  if (o.enabled) {
    CHECK(rng != nullptr);
    b = BoxAroundFivePoints(points, std::exp(Uniform(rng, std::log(o.min_eye_mouth_fraction),
                                                     std::log(o.max_eye_mouth_fraction))));
    b.center_x += Uniform(rng, -o.max_shift, o.max_shift) * b.side;
    b.center_y += Uniform(rng, -o.max_shift, o.max_shift) * b.side;
    angle = Uniform(rng, -o.max_rotation_degrees, o.max_rotation_degrees);
    mirror = Uniform(rng, 0, 1) < o.flip_probability;
  }
  const cv::Matx23d m = PhotoToCrop(b, crop_size, angle, mirror);
  LandmarkSample sample;
  cv::warpAffine(photo, sample.crop, m, cv::Size(crop_size, crop_size), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  for (const data::Point2& p : points) {
    const data::Point2 q = Apply(m, p);
    sample.points.push_back({q.x / crop_size, q.y / crop_size});
  }
  if (mirror) sample.points = SwapLeftRight(sample.points);
  if (o.enabled && Uniform(rng, 0, 1) < o.tight_crop_probability) {
    // Cut each edge by up to kMaxTightCut of the side, stopping 2 px short of
    // the nearest point, and refill it from the last remaining row/column.
    double min_x = 1, max_x = 0, min_y = 1, max_y = 0;
    for (const data::Point2& p : sample.points) {
      min_x = std::min(min_x, p.x);
      max_x = std::max(max_x, p.x);
      min_y = std::min(min_y, p.y);
      max_y = std::max(max_y, p.y);
    }
    auto cut = [&](double room) {
      const double limit = std::min(kMaxTightCut, room) * crop_size - 2;
      return limit < 1 ? 0 : static_cast<int>(Uniform(rng, 0, limit));
    };
    const int left = cut(min_x), right = cut(1 - max_x), top = cut(min_y),
              bottom = cut(1 - max_y);
    const cv::Mat inner =
        sample.crop(cv::Rect(left, top, crop_size - left - right, crop_size - top - bottom))
            .clone();
    cv::copyMakeBorder(inner, sample.crop, top, bottom, left, right, cv::BORDER_REPLICATE);
  }
  if (o.enabled) {
    if (Uniform(rng, 0, 1) < o.grey_probability) {
      cv::Mat grey;
      cv::cvtColor(sample.crop, grey, cv::COLOR_RGB2GRAY);
      cv::cvtColor(grey, sample.crop, cv::COLOR_GRAY2RGB);
    }
    const double contrast = Uniform(rng, 1 - o.color_jitter, 1 + o.color_jitter);
    const double brightness = Uniform(rng, 1 - o.color_jitter, 1 + o.color_jitter);
    const double mean = cv::mean(sample.crop)[0];
    sample.crop.convertTo(sample.crop, CV_8UC3, contrast * brightness,
                          (1 - contrast) * mean * brightness);
  }
  return sample;
}

cv::Mat CropOfBox(const cv::Mat& photo, const SquareBox& box, int crop_size, double angle_degrees) {
  cv::Mat crop;
  cv::warpAffine(photo, crop, PhotoToCrop(box, crop_size, angle_degrees), cv::Size(crop_size, crop_size),
                 cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return crop;
}

std::vector<data::Point2> CropToPhoto(const SquareBox& box, const std::vector<data::Point2>& points,
                                      double angle_degrees) {
  // PhotoToCrop rotates by -angle about the centre; this rotates back by +angle.
  const double a = angle_degrees * M_PI / 180.0;
  const double c = std::cos(a), s = std::sin(a);
  std::vector<data::Point2> out;
  out.reserve(points.size());
  for (const data::Point2& p : points) {
    const double u = (p.x - 0.5) * box.side, v = (p.y - 0.5) * box.side;
    out.push_back({box.center_x + c * u - s * v, box.center_y + s * u + c * v});
  }
  return out;
}

}  // namespace facerec::align
