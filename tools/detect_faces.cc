// detect_faces: finds the faces in a list of photos with a detector chosen by
// name and writes one CSV row per face (box and five points in the photo's
// pixels), every listed photo included: a photo without a face gets a row
// with its file and empty fields. Photos that cannot be read are named on
// stderr and skipped; the rest still run. Optionally draws the boxes and
// points on copies of the photos (<annotated_dir>/<photo's name>.jpg).
//
//   tools/bazel run //tools:detect_faces -- --list=photos.txt --out=detections.csv
//   tools/bazel run //tools:detect_faces -- --list=photos.txt --detector=haar --annotated_dir=drawn
//
// List: one photo per line, absolute or relative to the list's directory.
// CSV header: file,x,y,w,h,score,lex,ley,rex,rey,nx,ny,lmx,lmy,rmx,rmy
// (top-left and size; then the eye on the image's left, the other eye, the
// nose, the mouth corner on the image's left, the other; empty where the
// detector has no points). `file` is the photo as listed.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "facerec/core/csv.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/process.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/text_file.h"
#include "facerec/detect/detectors.h"
#include "gflags/gflags.h"
#include "tools/chain_flags.h"

DEFINE_string(list, "", "File with one photo per line (absolute, or relative to the list's directory).");
DEFINE_string(out, "detections.csv", "CSV to write; relative to the workspace root.");
DEFINE_string(annotated_dir, "",
              "Also write each photo with its boxes and points drawn here (relative to the "
              "workspace root); empty = none.");

namespace facerec {
namespace {

constexpr char kHeader[] = "file,x,y,w,h,score,lex,ley,rex,rey,nx,ny,lmx,lmy,rmx,rmy";

std::string Field(double v) { return absl::StrFormat("%.1f", v); }

std::string Row(const std::string& file, const detect::Detection* d) {
  std::vector<std::string> f = {CsvField(file)};
  if (d == nullptr) {
    f.resize(16);
    return absl::StrJoin(f, ",");
  }
  f.push_back(Field(d->box.x));
  f.push_back(Field(d->box.y));
  f.push_back(Field(d->box.width));
  f.push_back(Field(d->box.height));
  f.push_back(absl::StrFormat("%.4f", d->score));
  for (size_t i = 0; i < 5; ++i) {
    f.push_back(i < d->points.size() ? Field(d->points[i].x) : "");
    f.push_back(i < d->points.size() ? Field(d->points[i].y) : "");
  }
  return absl::StrJoin(f, ",");
}

void Draw(cv::Mat& photo, const std::vector<detect::Detection>& faces) {
  for (const detect::Detection& d : faces) {
    cv::rectangle(photo, cv::Rect2d(d.box.x, d.box.y, d.box.width, d.box.height),
                  cv::Scalar(0, 255, 0), 2);
    cv::putText(photo, absl::StrFormat("%.2f", d.score), cv::Point(d.box.x, d.box.y - 3),
                cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 255, 0), 1);
    for (const data::Point2& p : d.points) {
      cv::circle(photo, cv::Point2d(p.x, p.y), 2, cv::Scalar(0, 0, 255), cv::FILLED);
    }
  }
}

absl::Status Main() {
  if (FLAGS_list.empty()) return absl::InvalidArgumentError("--list is required (one photo per line)");
  FACEREC_ASSIGN_OR_RETURN(const chain::FaceChainOptions options, tools::DetectorOptionsFromFlags());
  absl::StatusOr<std::unique_ptr<detect::FaceDetector>> detector =
      detect::MakeFaceDetector(options.detector, options.detection, options.detector_model);
  if (!detector.ok()) {
    return absl::Status(detector.status().code(), absl::StrCat("--detector=", options.detector,
                                                               ": ", detector.status().message()));
  }
  const std::filesystem::path list = ResolveAgainstWorkspace(FLAGS_list);
  FACEREC_ASSIGN_OR_RETURN(const std::vector<data::Line> lines, data::ReadLines(list.string()));
  const std::filesystem::path annotated =
      FLAGS_annotated_dir.empty() ? std::filesystem::path() : ResolveAgainstWorkspace(FLAGS_annotated_dir);
  if (!annotated.empty()) std::filesystem::create_directories(annotated);
  const std::filesystem::path out_path = ResolveAgainstWorkspace(FLAGS_out);
  std::ofstream out(out_path);
  if (!out) return absl::NotFoundError(absl::StrCat("--out=", FLAGS_out, ": cannot be written"));
  out << kHeader << "\n";
  int photos = 0, faces = 0, unreadable = 0;
  for (const data::Line& line : lines) {
    const std::filesystem::path path =
        std::filesystem::path(line.text).is_absolute() ? std::filesystem::path(line.text)
                                                        : list.parent_path() / line.text;
    cv::Mat photo = cv::imread(path.string(), cv::IMREAD_COLOR);
    if (photo.empty()) {
      std::fprintf(stderr, "detect_faces: %s:%d: %s: cannot be read as an image; skipped\n",
                   FLAGS_list.c_str(), line.number, line.text.c_str());
      ++unreadable;
      continue;
    }
    FACEREC_ASSIGN_OR_RETURN(const std::vector<detect::Detection> found,
                             (*detector)->Detect(photo));
    ++photos;
    faces += static_cast<int>(found.size());
    if (found.empty()) out << Row(line.text, nullptr) << "\n";
    for (const detect::Detection& d : found) out << Row(line.text, &d) << "\n";
    if (!annotated.empty()) {
      Draw(photo, found);
      // Always JPEG: the colour drawing may not fit the photo's own format.
      const std::filesystem::path drawn = annotated / (path.stem().string() + ".jpg");
      bool written = false;
      try {
        written = cv::imwrite(drawn.string(), photo);
      } catch (const cv::Exception&) {
        written = false;
      }
      if (!written) {
        std::fprintf(stderr, "detect_faces: %s: cannot be written; its rows are in the CSV\n",
                     drawn.c_str());
      }
    }
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(out_path.string(), ": write failed"));
  std::printf("%d photos, %d faces (%s), %d unreadable -> %s\n", photos, faces,
              options.detector.c_str(), unreadable, FLAGS_out.c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  facerec::InitProcess(&argc, &argv,
                       "Finds faces in photos and writes one CSV row per face.\n"
                       "Usage: detect_faces --list=FILE [--out=detections.csv] "
                       "[--detector=ours|haar|dlib_hog] [--detector_model=FILE]");
  return facerec::ReportToolOutcome("detect_faces", facerec::Main());
}
