#include "facerec/analysis/image_quality.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "facerec/core/statistics.h"
#include "glog/logging.h"

namespace facerec::analysis {

ImageQuality MeasureQuality(const cv::Mat& image) {
  CHECK(!image.empty() && image.depth() == CV_8U) << "MeasureQuality takes a decoded 8-bit image";
  cv::Mat grey;
  if (image.channels() == 3) {
    cv::cvtColor(image, grey, cv::COLOR_RGB2GRAY);
  } else {
    grey = image;
  }
  ImageQuality q;
  cv::Scalar mean, stddev;
  cv::meanStdDev(grey, mean, stddev);
  q.brightness = mean[0];
  q.contrast = stddev[0];
  cv::Mat laplacian;
  cv::Laplacian(grey, laplacian, CV_64F);
  cv::meanStdDev(laplacian, mean, stddev);
  q.sharpness = stddev[0] * stddev[0];
  return q;
}


std::vector<double> RobustZ(const std::vector<double>& values) {
  if (values.empty()) return {};
  const double median = Median(values);
  std::vector<double> deviation(values.size());
  double mean_deviation = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    deviation[i] = std::abs(values[i] - median);
    mean_deviation += deviation[i] / values.size();
  }
  double scale = 1.4826 * Median(deviation);
  if (!(scale > 0)) scale = mean_deviation > 0 ? 1.2533 * mean_deviation : 1;
  std::vector<double> z(values.size());
  for (size_t i = 0; i < values.size(); ++i) z[i] = (median - values[i]) / scale;
  return z;
}

}  // namespace facerec::analysis
