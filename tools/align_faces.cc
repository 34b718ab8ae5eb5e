// align_faces: runs the landmark net on a list of face images, writes each
// face warped to the canonical 5-point template, and a contact sheet (input
// with the predicted points drawn, next to the aligned output) to look at,
// and points.txt: each image's 5 predicted points (x1 y1 ... x5 y5, photo pixels).
//
//   tools/bazel run //tools:align_faces -- --list=/tmp/faces.txt --out_dir=/tmp/aligned
//   tools/bazel run //tools:align_faces -- --list=celeba500/celebA_ir/query.txt --box=tight
//
// List: one image per line, absolute or relative to --data_root; optionally
// followed by a face box "center_x center_y side" in pixels. Without a box
// the whole image is taken as the face box (--box=whole, MTFL-like face
// crops) or the tight-crop rule of the recognition experiments (--box=tight,
// for crops like the ID-rate set's).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "facerec/align/landmark_detector.h"
#include "facerec/align/similarity_transform.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/process.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/image.h"
#include "facerec/data/text_file.h"
#include "facerec/pipeline/alignment.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/tracking/experiment_store.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(list, "", "File with one image per line (optionally followed by cx cy side).");
DEFINE_string(out_dir, "aligned", "Output directory; relative to the workspace root.");
DEFINE_string(data_root, "", "Base for relative image paths (default: $FACEREC_DATA, else ../shared/data).");
DEFINE_string(landmark_model, "",
              "Landmark net: a file or a registry name NAME[@ALIAS|:VERSION] (default: the registry's alias "
              "default of kind landmarks, in --db).");
DEFINE_string(db, "results.db", "Experiment store holding the model registry (created when missing).");
DEFINE_string(box, "whole", "Face box when a line has none: whole | tight.");
DEFINE_int32(crop_size, 112, "Side of the aligned crop (insightface's 5-point template, scaled).");
DEFINE_int32(sheet_rows, 24, "Faces on the contact sheet (0 = no sheet).");

namespace facerec {
namespace {

struct Face {
  std::string path;
  cv::Mat rgb;
  align::SquareBox box;
};

absl::StatusOr<std::vector<Face>> ReadList(const std::filesystem::path& root) {
  FACEREC_ASSIGN_OR_RETURN(std::vector<data::Line> lines, data::ReadLines(FLAGS_list));
  std::vector<Face> faces;
  for (const data::Line& line : lines) {
    std::vector<std::string> fields = absl::StrSplit(line.text, ' ', absl::SkipWhitespace());
    if (fields.size() != 1 && fields.size() != 4) {
      return data::LineError(FLAGS_list, line.number, "expected 'path' or 'path cx cy side'",
                             line.text);
    }
    std::filesystem::path path = fields[0];
    if (path.is_relative()) path = root / path;
    Face face;
    face.path = path.string();
    FACEREC_ASSIGN_OR_RETURN(face.rgb, data::ReadRgbImage(face.path));
    if (fields.size() == 4) {
      if (!data::ParseDouble(fields[1], &face.box.center_x) ||
          !data::ParseDouble(fields[2], &face.box.center_y) ||
          !data::ParseDouble(fields[3], &face.box.side) || face.box.side <= 0) {
        return data::LineError(FLAGS_list, line.number, "bad box numbers", line.text);
      }
    } else {
      face.box = FLAGS_box == "tight" ? pipeline::CropLandmarkBox(face.rgb.cols, face.rgb.rows)
                                      : align::WholeImageBox(face.rgb);
    }
    faces.push_back(std::move(face));
  }
  return faces;
}

absl::Status Main() {
  if (FLAGS_list.empty()) return absl::InvalidArgumentError("--list is required");
  if (FLAGS_box != "whole" && FLAGS_box != "tight") {
    return absl::InvalidArgumentError(absl::StrCat("--box=", FLAGS_box, ": allowed: whole, tight"));
  }
  if (FLAGS_crop_size < 16 || FLAGS_crop_size > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--crop_size=", FLAGS_crop_size, ": must be in [16, 1024]"));
  }
  if (FLAGS_sheet_rows < 0 || FLAGS_sheet_rows > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--sheet_rows=", FLAGS_sheet_rows, ": must be in [0, 1000]"));
  }
  FACEREC_ASSIGN_OR_RETURN(std::filesystem::path root, ResolveDataRoot(FLAGS_data_root));
  std::unique_ptr<tracking::ExperimentStore> store;
  const pipeline::StoreOpener open_store = [&]() -> absl::StatusOr<tracking::ExperimentStore*> {
    if (store == nullptr) {
      FACEREC_ASSIGN_OR_RETURN(store, tracking::ExperimentStore::Open(ResolveAgainstWorkspace(FLAGS_db).string()));
    }
    return store.get();
  };
  FACEREC_ASSIGN_OR_RETURN(const std::string model,
                           pipeline::ChooseModelPath(open_store, tracking::ModelKind::kLandmarks, "landmark_model",
                                                     FLAGS_landmark_model));
  FACEREC_ASSIGN_OR_RETURN(align::LandmarkDetector detector, align::LandmarkDetector::Load(model));
  FACEREC_ASSIGN_OR_RETURN(std::vector<Face> faces, ReadList(root));
  const std::filesystem::path out = ResolveAgainstWorkspace(FLAGS_out_dir);
  std::filesystem::create_directories(out);
  const int s = FLAGS_crop_size;
  const std::vector<data::Point2> target = align::CanonicalFivePoints(s, s);
  const int rows = std::min<int>(FLAGS_sheet_rows, faces.size());
  cv::Mat sheet(std::max(rows, 1) * s, 2 * s, CV_8UC3, cv::Scalar(255, 255, 255));
  std::string points_text;
  // One batched call: per face, a third of the time of one call per face
  // (benchmarks/README.md).
  std::vector<cv::Mat> photos;
  std::vector<align::SquareBox> boxes;
  for (const Face& face : faces) {
    photos.push_back(face.rgb);
    boxes.push_back(face.box);
  }
  const std::vector<std::vector<data::Point2>> all_points = detector.Detect(photos, boxes);
  for (size_t i = 0; i < faces.size(); ++i) {
    const Face& face = faces[i];
    const std::vector<data::Point2>& points = all_points[i];
    points_text += face.path;
    for (const data::Point2& p : points) points_text += absl::StrFormat(" %.2f %.2f", p.x, p.y);
    points_text += "\n";
    const cv::Mat aligned =
        align::WarpToTemplate(face.rgb, align::EstimateSimilarity(points, target), cv::Size(s, s));
    cv::Mat bgr;
    cv::cvtColor(aligned, bgr, cv::COLOR_RGB2BGR);
    const std::string name = absl::StrFormat(
        "%05d_%s.png", i, std::filesystem::path(face.path).stem().string());
    if (!cv::imwrite((out / name).string(), bgr)) {
      return absl::InternalError(absl::StrCat((out / name).string(), ": cannot write"));
    }
    if (static_cast<int>(i) < rows) {
      // Left: the face box region with the points; right: the aligned crop.
      const cv::Matx23d to_cell = align::PhotoToCrop(face.box, s);
      cv::Mat cell;
      cv::warpAffine(face.rgb, cell, to_cell, cv::Size(s, s), cv::INTER_LINEAR,
                     cv::BORDER_CONSTANT, cv::Scalar(128, 128, 128));
      cv::cvtColor(cell, cell, cv::COLOR_RGB2BGR);
      for (size_t k = 0; k < points.size(); ++k) {
        const data::Point2 q = align::Apply(to_cell, points[k]);
        // Eye and mouth corner on the image's left in red, the others in green.
        const cv::Scalar colour = (k == 0 || k == 3) ? cv::Scalar(0, 0, 255)
                                  : k == 2          ? cv::Scalar(255, 0, 0)
                                                    : cv::Scalar(0, 200, 0);
        cv::circle(cell, cv::Point2d(q.x, q.y), 2, colour, cv::FILLED);
      }
      cell.copyTo(sheet(cv::Rect(0, static_cast<int>(i) * s, s, s)));
      bgr.copyTo(sheet(cv::Rect(s, static_cast<int>(i) * s, s, s)));
    }
  }
  const std::string points_path = (out / "points.txt").string();
  std::ofstream points_file(points_path);
  points_file << points_text;
  if (!points_file.good()) return absl::InternalError(absl::StrCat(points_path, ": cannot write"));
  if (rows > 0) {
    const std::string sheet_path = (out / "contact_sheet.png").string();
    if (!cv::imwrite(sheet_path, sheet)) {
      return absl::InternalError(absl::StrCat(sheet_path, ": cannot write"));
    }
    std::printf("contact sheet: %s\n", sheet_path.c_str());
  }
  std::printf("aligned %zu faces into %s with %s\n", faces.size(), out.c_str(), model.c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  facerec::InitProcess(&argc, &argv, "Writes faces aligned by the landmark net and a contact sheet.");
  return facerec::ReportToolOutcome("align_faces", facerec::Main());
}
