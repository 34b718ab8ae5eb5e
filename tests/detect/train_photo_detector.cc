// Writes tests/detect/testdata/detector_on_2008_002506.pt, the detector net
// tests/detect:detectors_test runs behind the FaceDetector interface: a net
// trained for 80 epochs on the three annotated faces of one photo of dlib's
// test set (well under a minute of CPU). It is checked in so the unit test
// loads it instead of training it on every run; run this again when
// DetectorNet's layers or its defaults change (the test then fails to load
// the old file):
//
//   tools/bazel run //tests/detect:train_photo_detector -- --out=$PWD/tests/detect/testdata/detector_on_2008_002506.pt
//
// So little training does not make a general detector; what the test checks is
// the path from a net to photo-pixel boxes, not its generality.
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "facerec/data/face_boxes.h"
#include "facerec/data/image.h"
#include "facerec/detect/detector_examples.h"
#include "facerec/detect/detector_net.h"
#include "facerec/train/detector_trainer.h"
#include "gflags/gflags.h"

DEFINE_string(out, "", "Where to write the net (required).");
DEFINE_string(data_root, "", "Dataset directory (default $FACEREC_DATA, else ../shared/data).");

namespace facerec::detect {
namespace {

constexpr char kPhoto[] = "2008_002506.jpg";

absl::Status Run() {
  if (FLAGS_out.empty()) return absl::InvalidArgumentError("--out is required");
  std::filesystem::path root = FLAGS_data_root;
  if (root.empty()) root = std::getenv("FACEREC_DATA") != nullptr ? std::getenv("FACEREC_DATA") : "../shared/data";
  absl::StatusOr<std::vector<data::BoxedImage>> photos = data::LoadDlibFaces(root, "testing.xml");
  if (!photos.ok()) return photos.status();
  TrainingPhoto photo{"dlib_test", kPhoto};
  absl::StatusOr<cv::Mat> rgb = data::ReadRgbImage((root / "dlib_faces" / kPhoto).string());
  if (!rgb.ok()) return rgb.status();
  photo.rgb = *rgb;
  for (const data::BoxedImage& p : *photos) {
    if (p.image_path.find(kPhoto) == std::string::npos) continue;
    for (const data::FaceBox& box : p.boxes) photo.faces.push_back({box});
  }
  if (photo.faces.size() != 3) {
    return absl::FailedPreconditionError(
        absl::StrCat(kPhoto, " has ", photo.faces.size(), " annotated faces in testing.xml, expected 3"));
  }
  train::DetectorTrainOptions options;
  options.epochs = 80;
  options.batch_size = 8;
  options.lr = 5e-3;
  options.augment.min_crop_scale = 0.6;  // Whole faces in most crops.
  options.augment.max_crop_scale = 1.5;
  torch::manual_seed(0);
  DetectorNet net(DetectorNetOptions{});
  const std::vector<TrainingPhoto> copies(16, photo);
  if (absl::Status s = train::TrainDetectorNet(net, copies, options, nullptr); !s.ok()) return s;
  return SaveDetectorNet(net, FLAGS_out);
}

}  // namespace
}  // namespace facerec::detect

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  const absl::Status status = facerec::detect::Run();
  if (!status.ok()) {
    std::cerr << status << "\n";
    return 1;
  }
  std::cout << "wrote " << FLAGS_out << "\n";
  return 0;
}
