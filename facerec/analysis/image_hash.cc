#include "facerec/analysis/image_hash.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>

#include "glog/logging.h"

namespace facerec::analysis {

namespace {
cv::Mat Grey(const cv::Mat& image) {
  CHECK(!image.empty() && image.depth() == CV_8U) << "the image hashes take a decoded 8-bit image";
  if (image.channels() == 1) return image;
  cv::Mat grey;
  cv::cvtColor(image, grey, cv::COLOR_RGB2GRAY);
  return grey;
}
}  // namespace

std::vector<float> GreyThumbnail(const cv::Mat& image) {
  cv::Mat small;
  cv::resize(Grey(image), small, cv::Size(16, 16), 0, 0, cv::INTER_AREA);
  small.convertTo(small, CV_64F);
  small -= cv::mean(small)[0];
  const double norm = cv::norm(small);
  std::vector<float> out(256, 0.0f);
  if (norm < 1e-9) return out;
  for (int i = 0; i < 256; ++i) out[i] = static_cast<float>(small.at<double>(i / 16, i % 16) / norm);
  return out;
}

uint64_t PerceptualHash(const cv::Mat& image) {
  const cv::Mat grey = Grey(image);
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
