#include "facerec/pipeline/alignment.h"

#include "facerec/core/data_root.h"

#include <chrono>
#include <cmath>

#include "facerec/align/similarity_transform.h"
#include "absl/strings/string_view.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "glog/logging.h"

namespace facerec::pipeline {

align::SquareBox CropLandmarkBox(int width, int height) {
  return {0.5 * width, 0.57 * height, 1.3 * height};
}

std::vector<std::vector<data::Point2>> PredictInCrops(align::LandmarkDetector& detector,
                                                      const data::FaceImages& images) {
  std::vector<cv::Mat> photos;
  std::vector<align::SquareBox> boxes;
  for (size_t i = 0; i < images.size(); ++i) {
    photos.push_back(images.image(i));
    boxes.push_back(CropLandmarkBox(images.image(i).cols, images.image(i).rows));
  }
  return detector.Detect(photos, boxes);
}

namespace {

std::vector<data::Point2> Absolute(const std::vector<data::Point2>& relative, int w, int h) {
  std::vector<data::Point2> out;
  for (const data::Point2& p : relative) out.push_back({p.x * w, p.y * h});
  return out;
}

}  // namespace

data::FaceImages WarpToRelativeTemplate(const data::FaceImages& images,
                                        const std::vector<std::vector<data::Point2>>& points,
                                        const std::vector<data::Point2>& template_points) {
  CHECK_EQ(images.size(), points.size());
  std::vector<cv::Mat> warped;
  warped.reserve(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    const cv::Mat& image = images.image(i);
    const cv::Matx23d m = align::EstimateSimilarity(
        points[i], Absolute(template_points, image.cols, image.rows));
    warped.push_back(align::WarpToTemplate(image, m, image.size()));
  }
  return data::FaceImages::FromImages(std::move(warped), images.labels());
}

absl::StatusOr<AlignmentReport> RealignRecognitionData(align::LandmarkDetector& detector,
                                                       RecognitionData* d) {
  const auto start = std::chrono::steady_clock::now();
  AlignmentReport report;
  data::FaceImages* sets[] = {&d->train, &d->val, &d->test, &d->queries, &d->distractors, &d->lfw};
  std::vector<std::vector<std::vector<data::Point2>>> points;
  for (data::FaceImages* set : sets) points.push_back(PredictInCrops(detector, *set));
  Sha256 digest;
  digest.Update(d->fingerprint);
  for (const auto& set_points : points) {
    for (const auto& face : set_points) {
      for (const data::Point2& p : face) {
        const double xy[2] = {p.x, p.y};
        digest.Update(absl::string_view(reinterpret_cast<const char*>(xy), sizeof(xy)));
      }
    }
  }
  d->fingerprint = digest.HexDigest();
  // The template: the mean predicted point over the training crops, relative.
  report.template_points.assign(5, {0, 0});
  for (size_t i = 0; i < d->train.size(); ++i) {
    const cv::Mat& image = d->train.image(i);
    for (int k = 0; k < 5; ++k) {
      report.template_points[k].x += points[0][i][k].x / image.cols / d->train.size();
      report.template_points[k].y += points[0][i][k].y / image.rows / d->train.size();
    }
  }
  double residual = 0;
  int64_t counted = 0;
  for (size_t s = 0; s < std::size(sets); ++s) {
    for (size_t i = 0; i < sets[s]->size(); ++i) {
      const cv::Mat& image = sets[s]->image(i);
      const std::vector<data::Point2> target =
          Absolute(report.template_points, image.cols, image.rows);
      const cv::Matx23d m = align::EstimateSimilarity(points[s][i], target);
      for (int k = 0; k < 5; ++k) {
        const data::Point2 q = align::Apply(m, points[s][i][k]);
        residual += std::hypot(q.x - target[k].x, q.y - target[k].y);
        ++counted;
      }
    }
    *sets[s] = WarpToRelativeTemplate(*sets[s], points[s], report.template_points);
  }
  report.mean_residual = counted ? residual / counted : 0;
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace facerec::pipeline
