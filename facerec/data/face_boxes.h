// Readers for the face-detection datasets: face boxes per photo.
//
//   FACEREC_ASSIGN_OR_RETURN(std::vector<BoxedImage> photos, LoadFacemask(data_root));
//
//   facemask/     Pascal-VOC XML per photo (<bndbox> xmin ymin xmax ymax); every class is a face.
//   celeba_wild/  list_bbox_celeba_subset.csv: image_id,x_1,y_1,width,height.
//   dlib_faces/   dlib XML: <image file='...'><box top left width height/>.
//   webfaces/     no boxes: 4 points per face (eyes, nose, mouth centre), see LoadWebFaces.
// Boxes are clamped to the photo only by the detection stage, which knows the
// photo's size; readers report them as annotated.
#ifndef FACEREC_DATA_FACE_BOXES_H_
#define FACEREC_DATA_FACE_BOXES_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/data/landmarks.h"

namespace facerec::data {

// An annotated face rectangle. (align::SquareBox, centre and side, is what
// the landmark net crops; align::SquareAround converts.)
struct FaceBox {
  double x = 0;  // Top-left corner, pixels.
  double y = 0;
  double width = 0;
  double height = 0;
};

struct BoxedImage {
  std::string image_path;  // Absolute.
  std::vector<FaceBox> boxes;
  std::string source;      // Annotation file (and line) for messages.
};

absl::StatusOr<std::vector<BoxedImage>> LoadFacemask(const std::filesystem::path& data_root);
absl::StatusOr<std::vector<BoxedImage>> LoadCelebaWild(const std::filesystem::path& data_root);
// `xml` is "training.xml" or "testing.xml".
absl::StatusOr<std::vector<BoxedImage>> LoadDlibFaces(const std::filesystem::path& data_root,
                                                      const std::string& xml);
// One LandmarkFace per annotated face, points: left eye, right eye, nose,
// mouth centre (eye on the image's left first).
absl::StatusOr<std::vector<LandmarkFace>> LoadWebFaces(const std::filesystem::path& data_root);

}  // namespace facerec::data

#endif  // FACEREC_DATA_FACE_BOXES_H_
