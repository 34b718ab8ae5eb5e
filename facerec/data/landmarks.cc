#include "facerec/data/landmarks.h"

#include <algorithm>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/text_file.h"
#include "glog/logging.h"

namespace facerec::data {

namespace fs = std::filesystem;

absl::StatusOr<std::vector<LandmarkFace>> LoadMtfl(const fs::path& data_root,
                                                   const std::string& list) {
  const fs::path dir = data_root / "mtfl";
  const std::string path = (dir / list).string();
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> lines, ReadLines(path));
  std::vector<LandmarkFace> faces;
  faces.reserve(lines.size());
  for (const Line& line : lines) {
    const std::vector<std::string> fields = absl::StrSplit(line.text, ' ', absl::SkipEmpty());
    if (fields.size() != 11) {
      return LineError(path, line.number, "expected '<image> x1..x5 y1..y5' (11 fields)",
                       line.text);
    }
    LandmarkFace face;
    face.image_path = (dir / fields[0]).string();
    face.source = absl::StrCat(path, ":", line.number);
    face.points.resize(5);
    for (int i = 0; i < 5; ++i) {
      if (!ParseDouble(fields[1 + i], &face.points[i].x) ||
          !ParseDouble(fields[6 + i], &face.points[i].y)) {
        return LineError(path, line.number, absl::StrCat("point ", i + 1, " is not a number"),
                         line.text);
      }
    }
    FACEREC_RETURN_IF_ERROR(RequireImage(face.image_path, face.source));
    faces.push_back(std::move(face));
  }
  return faces;
}

absl::StatusOr<std::vector<Point2>> ReadPts(const std::string& path) {
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> lines, ReadLines(path));
  int expected = -1;
  int expected_line = 0;
  // Where a missing part was due: after the last line.
  const int end_line = lines.empty() ? 1 : lines.back().number + 1;
  auto missing = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", end_line, ": the file ends without ", what));
  };
  size_t i = 0;
  for (; i < lines.size() && lines[i].text != "{"; ++i) {
    if (absl::StartsWith(lines[i].text, "n_points:")) {
      expected_line = lines[i].number;
      const std::string count(absl::StripPrefix(lines[i].text, "n_points:"));
      if (!ParseInt(absl::StripAsciiWhitespace(count), &expected) || expected <= 0) {
        return LineError(path, lines[i].number, "bad n_points", lines[i].text);
      }
    }
  }
  if (expected < 0) return missing("an 'n_points: N' line before '{'");
  if (i == lines.size()) return missing("'{'");
  std::vector<Point2> points;
  for (++i; i < lines.size() && lines[i].text != "}"; ++i) {
    const std::vector<std::string> xy = absl::StrSplit(lines[i].text, ' ', absl::SkipEmpty());
    Point2 p;
    if (xy.size() != 2 || !ParseDouble(xy[0], &p.x) || !ParseDouble(xy[1], &p.y)) {
      return LineError(path, lines[i].number, "expected 'x y'", lines[i].text);
    }
    points.push_back(p);
  }
  if (i == lines.size()) return missing("its closing '}'");
  if (static_cast<int>(points.size()) != expected) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", expected_line, ": n_points is ",
                                                   expected, " but ", points.size(),
                                                   " points follow"));
  }
  return points;
}

absl::StatusOr<std::vector<LandmarkFace>> LoadAfw(const fs::path& data_root) {
  const fs::path dir = data_root / "afw";
  FACEREC_RETURN_IF_ERROR(RequireDirectory(dir.string()));
  std::vector<std::string> pts_files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".pts") pts_files.push_back(entry.path().string());
  }
  std::sort(pts_files.begin(), pts_files.end());
  std::vector<LandmarkFace> faces;
  for (const std::string& pts : pts_files) {
    // PHOTO_K.pts belongs to PHOTO.jpg.
    const std::string stem = fs::path(pts).stem().string();
    const size_t underscore = stem.rfind('_');
    if (underscore == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(pts, ": expected a PHOTO_K.pts name"));
    }
    LandmarkFace face;
    face.image_path = (dir / (stem.substr(0, underscore) + ".jpg")).string();
    face.source = pts;
    FACEREC_RETURN_IF_ERROR(RequireImage(face.image_path, pts));
    FACEREC_ASSIGN_OR_RETURN(face.points, ReadPts(pts));
    if (face.points.size() != 68) {
      return absl::InvalidArgumentError(
          absl::StrCat(pts, ": expected 68 points, got ", face.points.size()));
    }
    faces.push_back(std::move(face));
  }
  return faces;
}

bool IsShiftedMtflRow(const std::string& image_path) {
  const std::filesystem::path path(image_path);
  return path.parent_path().filename() == "net_7876" &&
         absl::StartsWith(path.filename().string(), "_");
}

std::vector<Point2> ReduceIbug68ToFive(const std::vector<Point2>& p) {
  CHECK_EQ(p.size(), 68u);
  auto mean = [&p](int first, int last) {  // 1-based, inclusive.
    Point2 m;
    for (int i = first; i <= last; ++i) {
      m.x += p[i - 1].x;
      m.y += p[i - 1].y;
    }
    const double n = last - first + 1;
    return Point2{m.x / n, m.y / n};
  };
  return {mean(37, 42), mean(43, 48), p[30], p[48], p[54]};
}

}  // namespace facerec::data
