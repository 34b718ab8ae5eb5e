#include "facerec/detect/detection_sets.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/face_boxes.h"
#include "facerec/data/landmarks.h"

namespace facerec::detect {
namespace {

bool IsValidationIndex(size_t i) { return i % kValidationEvery == kValidationEvery - 1; }

// Photos (sorted by path) -> the train or validation share.
std::vector<DetectionPhoto> Split(std::vector<DetectionPhoto> photos, bool validation) {
  std::sort(photos.begin(), photos.end(), [](const DetectionPhoto& a, const DetectionPhoto& b) {
    return a.image_path < b.image_path;
  });
  std::vector<DetectionPhoto> out;
  for (size_t i = 0; i < photos.size(); ++i) {
    if (IsValidationIndex(i) == validation) out.push_back(std::move(photos[i]));
  }
  return out;
}

std::vector<DetectionPhoto> FromBoxes(const std::vector<data::BoxedImage>& images) {
  std::vector<DetectionPhoto> photos;
  for (const data::BoxedImage& image : images) {
    DetectionPhoto p;
    p.image_path = image.image_path;
    for (const data::FaceBox& box : image.boxes) p.faces.push_back({box, false, {}});
    photos.push_back(std::move(p));
  }
  return photos;
}

// Faces listed one per line -> one photo per image, in path order.
std::vector<DetectionPhoto> FromPointFaces(const std::vector<data::LandmarkFace>& faces,
                                           bool reduce_ibug68) {
  std::map<std::string, DetectionPhoto> by_image;
  for (const data::LandmarkFace& face : faces) {
    DetectionPhoto& p = by_image[face.image_path];
    p.image_path = face.image_path;
    metrics::AnnotatedFace f;
    if (reduce_ibug68) {
      const std::vector<data::Point2> five = data::ReduceIbug68ToFive(face.points);
      const data::Point2 mouth{(five[3].x + five[4].x) / 2, (five[3].y + five[4].y) / 2};
      f.points = {five[0], five[1], five[2], mouth};
    } else {
      f.points = face.points;
    }
    p.faces.push_back(std::move(f));
  }
  std::vector<DetectionPhoto> photos;
  for (auto& [path, photo] : by_image) photos.push_back(std::move(photo));
  return photos;
}

}  // namespace

std::vector<std::string> KnownDetectionSets() {
  return {"facemask_train", "facemask_val", "webfaces_train", "webfaces_val",
          "dlib_train",     "dlib_test",    "afw"};
}

absl::StatusOr<DetectionSet> LoadDetectionSet(const std::filesystem::path& data_root,
                                              const std::string& name) {
  DetectionSet set;
  set.name = name;
  if (name == "facemask_train" || name == "facemask_val") {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<data::BoxedImage> images,
                             data::LoadFacemask(data_root));
    set.photos = Split(FromBoxes(images), absl::EndsWith(name, "_val"));
  } else if (name == "webfaces_train" || name == "webfaces_val") {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<data::LandmarkFace> faces,
                             data::LoadWebFaces(data_root));
    set.rule = metrics::MatchRule::kPointsInside;
    set.photos = Split(FromPointFaces(faces, /*reduce_ibug68=*/false), absl::EndsWith(name, "_val"));
  } else if (name == "dlib_train" || name == "dlib_test") {
    FACEREC_ASSIGN_OR_RETURN(
        const std::vector<data::BoxedImage> images,
        data::LoadDlibFaces(data_root, name == "dlib_train" ? "training.xml" : "testing.xml"));
    set.photos = FromBoxes(images);
    std::sort(set.photos.begin(), set.photos.end(),
              [](const DetectionPhoto& a, const DetectionPhoto& b) {
                return a.image_path < b.image_path;
              });
  } else if (name == "afw") {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<data::LandmarkFace> faces, data::LoadAfw(data_root));
    set.rule = metrics::MatchRule::kPointsInside;
    set.recall_only = true;
    set.photos = FromPointFaces(faces, /*reduce_ibug68=*/true);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown detection set '", name, "'; known: ",
                                                   absl::StrJoin(KnownDetectionSets(), ", ")));
  }
  return set;
}

double FaceSide(const metrics::AnnotatedFace& face) {
  if (face.points.size() >= 2) {
    return 2 * std::hypot(face.points[1].x - face.points[0].x, face.points[1].y - face.points[0].y);
  }
  return std::min(face.box.width, face.box.height);
}

void IgnoreFacesSmallerThan(double min_side, std::vector<metrics::AnnotatedFace>* faces) {
  for (metrics::AnnotatedFace& face : *faces) {
    if (FaceSide(face) < min_side) face.ignore = true;
  }
}

void IgnoreFacesSmallerThan(double min_side, DetectionSet* set) {
  for (DetectionPhoto& photo : set->photos) IgnoreFacesSmallerThan(min_side, &photo.faces);
}

}  // namespace facerec::detect
