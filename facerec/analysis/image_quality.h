// Cheap per-image signals of an unusable face photo, and how far a value
// sits from the rest of its set.
//
//   ImageQuality q = MeasureQuality(rgb);            // sharpness, brightness, contrast
//   std::vector<double> z = RobustZ(values);         // (median - v) / (1.4826 MAD)
//
// Sharpness is the variance of the Laplacian of the grey image (Pech-Pacheco
// et al. 2000): a blurred photo has few edges, so little second-derivative
// energy. Brightness is the mean grey level and contrast its standard
// deviation, both in [0, 255]. None of them means anything alone (a pale
// face on a white wall is not broken); RobustZ says which images are far
// out from the set they belong to, the way the trash search uses them.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_ANALYSIS_IMAGE_QUALITY_H_
#define FACEREC_ANALYSIS_IMAGE_QUALITY_H_

#include <opencv2/core.hpp>

#include <vector>

namespace facerec::analysis {

struct ImageQuality {
  double sharpness = 0;   // Variance of the Laplacian (3x3 kernel) of the grey image.
  double brightness = 0;  // Mean grey level.
  double contrast = 0;    // Standard deviation of the grey levels.
};

// `image`: 8-bit RGB or grey, non-empty (CHECK).
ImageQuality MeasureQuality(const cv::Mat& image);

// Per value, (median - value) / (1.4826 * MAD): positive below the median,
// about N(0, 1) for normal data, unmoved by the outliers it is there to find.
// A zero MAD falls back to the mean absolute deviation, then to 1. Empty in,
// empty out.
std::vector<double> RobustZ(const std::vector<double>& values);

}  // namespace facerec::analysis

#endif  // FACEREC_ANALYSIS_IMAGE_QUALITY_H_
