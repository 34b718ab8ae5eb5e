#include "facerec/analysis/image_hash.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>

#include "glog/logging.h"

namespace facerec::analysis {

uint64_t PerceptualHash(const cv::Mat& image) {
  CHECK(!image.empty() && image.depth() == CV_8U) << "PerceptualHash takes a decoded 8-bit image";
  cv::Mat grey;
  if (image.channels() == 3) {
    cv::cvtColor(image, grey, cv::COLOR_RGB2GRAY);
  } else {
    grey = image;
  }
  cv::Mat small;
  cv::resize(grey, small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
  small.convertTo(small, CV_32F);
  cv::Mat frequencies;
  cv::dct(small, frequencies);
  std::array<float, 64> low;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) low[y * 8 + x] = frequencies.at<float>(y, x);
  }
  std::array<float, 63> without_dc;
  std::copy(low.begin() + 1, low.end(), without_dc.begin());
  std::nth_element(without_dc.begin(), without_dc.begin() + 31, without_dc.end());
  const float median = without_dc[31];
  uint64_t hash = 0;
  for (int i = 0; i < 64; ++i) {
    if (low[i] > median) hash |= uint64_t{1} << i;
  }
  return hash;
}

}  // namespace facerec::analysis
