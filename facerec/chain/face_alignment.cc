#include "facerec/chain/face_alignment.h"

#include "facerec/align/similarity_transform.h"
#include "facerec/data/image.h"

namespace facerec::chain {

std::vector<data::Point2> IdRateWindowTemplate() {
  return {kIdRateWindowTemplate.begin(), kIdRateWindowTemplate.end()};
}

cv::Mat AlignToIdRateWindow(const cv::Mat& rgb, const std::vector<data::Point2>& points) {
  const cv::Matx23d m = align::EstimateSimilarity(points, IdRateWindowTemplate());
  return align::WarpToTemplate(rgb, m, data::kIdRateWindow.size());
}

}  // namespace facerec::chain
