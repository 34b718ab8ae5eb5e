// The landmark datasets as ready-to-use examples: decoded photo, 5 points and
// the face box the net sees.
//
//   FACEREC_ASSIGN_OR_RETURN(std::vector<LandmarkExample> test,
//                            LoadMtflExamples(data_root, "new_testing.txt", /*threads=*/2));
//
// MTFL: each 80x80 image is a face crop; the box is the whole image. AFW: the
// 68 points reduce to 5 (data::ReduceIbug68ToFive) and the box is
// BoxAroundPoints(68 points, kAfwBoxScale).
#ifndef FACEREC_ALIGN_LANDMARK_EXAMPLES_H_
#define FACEREC_ALIGN_LANDMARK_EXAMPLES_H_

#include <filesystem>
#include <functional>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/align/landmark_crops.h"
#include "facerec/data/landmarks.h"

namespace facerec::align {

struct LandmarkExample {
  cv::Mat photo;                     // RGB; photos with several faces are shared, not copied.
  std::vector<data::Point2> points;  // 5, photo pixels.
  SquareBox box;
  std::string image_path;            // Absolute.
  std::string source;                // "file:line" or the .pts path.
};

// Rows for which `keep` is false are dropped before their images are decoded.
absl::StatusOr<std::vector<LandmarkExample>> LoadMtflExamples(
    const std::filesystem::path& data_root, const std::string& list, int threads,
    const std::function<bool(const data::LandmarkFace&)>& keep = nullptr);

// The same examples with every label moved by (dx, dy) photo pixels.
std::vector<LandmarkExample> MoveLabels(std::vector<LandmarkExample> examples, double dx, double dy);

// The examples mirrored: each photo flipped left to right, every point's x
// taken to width - 1 - x (OpenCV's pixel-centre convention) and left and
// right points swapped (SwapLeftRight), the box's centre mirrored too.
std::vector<LandmarkExample> MirrorExamples(std::vector<LandmarkExample> examples);

absl::StatusOr<std::vector<LandmarkExample>> LoadAfwExamples(const std::filesystem::path& data_root,
                                                             int threads);

}  // namespace facerec::align

#endif  // FACEREC_ALIGN_LANDMARK_EXAMPLES_H_
