#include "facerec/align/dlib_landmarks.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "facerec/core/statistics.h"
#include "facerec/align/landmark_crops.h"

namespace facerec::align {
namespace {

struct DlibBox {
  bool detected = false;
  double center_x = 0, center_y = 0, side = 0;  // Photo pixels.
};

// dlib's detection nearest the centre of the region around `box`, in photo pixels.
DlibBox Detect(dlib::frontal_face_detector& detector, const LandmarkExample& e) {
  const SquareBox region{e.box.center_x, e.box.center_y, e.box.side * kDlibSearchScale};
  const cv::Matx23d m = PhotoToCrop(region, kDlibSearchSize);
  cv::Mat crop;
  cv::warpAffine(e.photo, crop, m, cv::Size(kDlibSearchSize, kDlibSearchSize), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  dlib::cv_image<dlib::rgb_pixel> image(crop);
  const std::vector<dlib::rectangle> found = detector(image);
  DlibBox best;
  double best_distance = 1e18;
  for (const dlib::rectangle& r : found) {
    const double cx = (r.left() + r.right()) / 2.0, cy = (r.top() + r.bottom()) / 2.0;
    const double d = std::hypot(cx - kDlibSearchSize / 2.0, cy - kDlibSearchSize / 2.0);
    if (d < best_distance) {
      best_distance = d;
      const double scale = region.side / kDlibSearchSize;
      best = {true, region.center_x + (cx - kDlibSearchSize / 2.0) * scale,
              region.center_y + (cy - kDlibSearchSize / 2.0) * scale, r.width() * scale};
    }
  }
  return best;
}

DlibPredictions PredictAll(const std::vector<LandmarkExample>& examples,
                           dlib::frontal_face_detector& detector, dlib::shape_predictor& predictor) {
  std::vector<DlibBox> boxes;
  std::vector<double> scales, dx, dy;
  for (const LandmarkExample& e : examples) {
    boxes.push_back(Detect(detector, e));
    if (boxes.back().detected) {
      scales.push_back(boxes.back().side / e.box.side);
      dx.push_back((boxes.back().center_x - e.box.center_x) / e.box.side);
      dy.push_back((boxes.back().center_y - e.box.center_y) / e.box.side);
    }
  }
  const double scale = scales.empty() ? 0.7 : Median(scales);
  const double offset_x = Median(dx), offset_y = Median(dy);
  int misses = 0;
  DlibPredictions predicted;
  std::vector<double> microseconds;
  for (size_t i = 0; i < examples.size(); ++i) {
    const LandmarkExample& e = examples[i];
    DlibBox b = boxes[i];
    if (!b.detected) {
      ++misses;
      b = {false, e.box.center_x + offset_x * e.box.side, e.box.center_y + offset_y * e.box.side,
           e.box.side * scale};
    }
    const dlib::rectangle rect(static_cast<long>(std::lround(b.center_x - b.side / 2)),
                               static_cast<long>(std::lround(b.center_y - b.side / 2)),
                               static_cast<long>(std::lround(b.center_x + b.side / 2)),
                               static_cast<long>(std::lround(b.center_y + b.side / 2)));
    dlib::cv_image<dlib::rgb_pixel> image(e.photo);
    const auto start = std::chrono::steady_clock::now();
    const dlib::full_object_detection shape = predictor(image, rect);
    microseconds.push_back(std::chrono::duration<double, std::micro>(
                               std::chrono::steady_clock::now() - start).count());
    std::vector<data::Point2> points68;
    for (unsigned k = 0; k < shape.num_parts(); ++k) {
      points68.push_back({static_cast<double>(shape.part(k).x()),
                          static_cast<double>(shape.part(k).y())});
    }
    predicted.points.push_back(data::ReduceIbug68ToFive(points68));
  }
  predicted.miss_share = examples.empty() ? 0 : static_cast<double>(misses) / examples.size();
  predicted.median_us = Median(microseconds);
  return predicted;
}

}  // namespace

struct DlibLandmarkPredictor::Impl {
  dlib::shape_predictor predictor;
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
};

absl::StatusOr<DlibLandmarkPredictor> DlibLandmarkPredictor::Load(const std::string& model) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(model, error)) {
    return absl::NotFoundError(absl::StrCat(model, ": no such file"));
  }
  auto impl = std::make_unique<Impl>();
  try {
    dlib::deserialize(model) >> impl->predictor;
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat(model, ": ", e.what()));
  }
  return DlibLandmarkPredictor(std::move(impl));
}

DlibLandmarkPredictor::DlibLandmarkPredictor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DlibLandmarkPredictor::DlibLandmarkPredictor(DlibLandmarkPredictor&&) noexcept = default;
DlibLandmarkPredictor& DlibLandmarkPredictor::operator=(DlibLandmarkPredictor&&) noexcept = default;
DlibLandmarkPredictor::~DlibLandmarkPredictor() = default;

DlibPredictions DlibLandmarkPredictor::Predict(const std::vector<LandmarkExample>& examples) {
  return PredictAll(examples, impl_->detector, impl_->predictor);
}

}  // namespace facerec::align
