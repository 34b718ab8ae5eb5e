#include "facerec/align/landmark_examples.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <functional>
#include <map>

#include "facerec/core/status_macros.h"
#include "facerec/data/face_batches.h"

namespace facerec::align {
namespace {

// Decodes every distinct photo once, on `threads` threads.
absl::StatusOr<std::vector<cv::Mat>> DecodePhotos(const std::vector<data::LandmarkFace>& faces,
                                                  int threads) {
  std::map<std::string, size_t> index;
  std::vector<std::string> paths;
  for (const data::LandmarkFace& face : faces) {
    if (index.emplace(face.image_path, paths.size()).second) paths.push_back(face.image_path);
  }
  FACEREC_ASSIGN_OR_RETURN(
      data::FaceImages images,
      data::FaceImages::Load(paths, std::vector<int>(paths.size(), 0), std::nullopt, threads));
  std::vector<cv::Mat> photos;
  for (const data::LandmarkFace& face : faces) photos.push_back(images.image(index[face.image_path]));
  return photos;
}

}  // namespace

absl::StatusOr<std::vector<LandmarkExample>> LoadMtflExamples(
    const std::filesystem::path& data_root, const std::string& list, int threads,
    const std::function<bool(const data::LandmarkFace&)>& keep) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<data::LandmarkFace> faces, data::LoadMtfl(data_root, list));
  if (keep) faces.erase(std::remove_if(faces.begin(), faces.end(), std::not_fn(keep)), faces.end());
  FACEREC_ASSIGN_OR_RETURN(std::vector<cv::Mat> photos, DecodePhotos(faces, threads));
  std::vector<LandmarkExample> examples;
  for (size_t i = 0; i < faces.size(); ++i) {
    examples.push_back({photos[i], faces[i].points, WholeImageBox(photos[i]), faces[i].image_path,
                        faces[i].source});
  }
  return examples;
}

absl::StatusOr<std::vector<LandmarkExample>> LoadAfwExamples(const std::filesystem::path& data_root,
                                                             int threads) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<data::LandmarkFace> faces, data::LoadAfw(data_root));
  FACEREC_ASSIGN_OR_RETURN(std::vector<cv::Mat> photos, DecodePhotos(faces, threads));
  std::vector<LandmarkExample> examples;
  for (size_t i = 0; i < faces.size(); ++i) {
    examples.push_back({photos[i], data::ReduceIbug68ToFive(faces[i].points),
                        BoxAroundPoints(faces[i].points, kAfwBoxScale), faces[i].image_path,
                        faces[i].source});
  }
  return examples;
}

std::vector<LandmarkExample> MoveLabels(std::vector<LandmarkExample> examples, double dx, double dy) {
  for (LandmarkExample& e : examples) {
    for (data::Point2& p : e.points) {
      p.x += dx;
      p.y += dy;
    }
  }
  return examples;
}

std::vector<LandmarkExample> MirrorExamples(std::vector<LandmarkExample> examples) {
  for (LandmarkExample& e : examples) {
    cv::Mat flipped;
    cv::flip(e.photo, flipped, /*flipCode=*/1);
    e.photo = flipped;
    for (data::Point2& p : e.points) p.x = e.photo.cols - 1 - p.x;
    e.points = SwapLeftRight(e.points);
    e.box.center_x = e.photo.cols - 1 - e.box.center_x;
  }
  return examples;
}

}  // namespace facerec::align
