#include "facerec/data/face_boxes.h"

#include <algorithm>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/text_file.h"

namespace facerec::data {
namespace {

namespace fs = std::filesystem;

// The text between <tag> and </tag> starting the search at `*pos`; advances
// `*pos` past it. Enough for the flat, machine-written XML of these datasets.
bool NextElement(const std::string& xml, const std::string& tag, size_t* pos, std::string* text) {
  const std::string open = "<" + tag + ">";
  const std::string close = "</" + tag + ">";
  const size_t start = xml.find(open, *pos);
  if (start == std::string::npos) return false;
  const size_t end = xml.find(close, start);
  if (end == std::string::npos) return false;
  *text = xml.substr(start + open.size(), end - start - open.size());
  *pos = end + close.size();
  return true;
}

// Value of attribute `name='v'` or `name="v"` inside one tag's text.
bool Attribute(const std::string& tag_text, const std::string& name, std::string* value) {
  const size_t at = tag_text.find(" " + name + "=");
  if (at == std::string::npos) return false;
  const size_t quote = at + name.size() + 2;
  if (quote >= tag_text.size()) return false;
  const char q = tag_text[quote];
  const size_t end = tag_text.find(q, quote + 1);
  if (end == std::string::npos) return false;
  *value = tag_text.substr(quote + 1, end - quote - 1);
  return true;
}

}  // namespace

absl::StatusOr<std::vector<BoxedImage>> LoadFacemask(const fs::path& data_root) {
  const fs::path dir = data_root / "facemask";
  std::vector<std::string> xml_files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir / "annotations", error)) {
    if (entry.path().extension() == ".xml") xml_files.push_back(entry.path().string());
  }
  if (error) return absl::NotFoundError(absl::StrCat((dir / "annotations").string(), ": ",
                                                     error.message()));
  std::sort(xml_files.begin(), xml_files.end());
  std::vector<BoxedImage> images;
  for (const std::string& xml_path : xml_files) {
    FACEREC_ASSIGN_OR_RETURN(const std::string xml, ReadFileBytes(xml_path));
    BoxedImage image;
    image.source = xml_path;
    size_t pos = 0;
    std::string filename;
    if (!NextElement(xml, "filename", &pos, &filename)) {
      return absl::InvalidArgumentError(absl::StrCat(xml_path, ": no <filename>"));
    }
    image.image_path = (dir / "images" / filename).string();
    FACEREC_RETURN_IF_ERROR(RequireImage(image.image_path, xml_path));
    std::string box;
    while (NextElement(xml, "bndbox", &pos, &box)) {
      double v[4];
      const char* names[4] = {"xmin", "ymin", "xmax", "ymax"};
      for (int i = 0; i < 4; ++i) {
        size_t p = 0;
        std::string text;
        if (!NextElement(box, names[i], &p, &text) || !ParseDouble(text, &v[i])) {
          return absl::InvalidArgumentError(
              absl::StrCat(xml_path, ": box ", image.boxes.size() + 1, " has no numeric <",
                           names[i], ">"));
        }
      }
      if (v[2] <= v[0] || v[3] <= v[1]) {
        return absl::InvalidArgumentError(absl::StrCat(
            xml_path, ": box ", image.boxes.size() + 1, " is empty (xmax <= xmin or ymax <= ymin)"));
      }
      image.boxes.push_back({v[0], v[1], v[2] - v[0], v[3] - v[1]});
    }
    images.push_back(std::move(image));
  }
  return images;
}

absl::StatusOr<std::vector<BoxedImage>> LoadCelebaWild(const fs::path& data_root) {
  const fs::path dir = data_root / "celeba_wild";
  const std::string csv = (dir / "list_bbox_celeba_subset.csv").string();
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> lines, ReadLines(csv));
  if (lines.empty() || lines[0].text != "image_id,x_1,y_1,width,height") {
    return LineError(csv, lines.empty() ? 1 : lines[0].number,
                     "expected the header 'image_id,x_1,y_1,width,height'",
                     lines.empty() ? "" : lines[0].text);
  }
  std::vector<BoxedImage> images;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> f = absl::StrSplit(lines[i].text, ',');
    FaceBox box;
    if (f.size() != 5 || !ParseDouble(f[1], &box.x) || !ParseDouble(f[2], &box.y) ||
        !ParseDouble(f[3], &box.width) || !ParseDouble(f[4], &box.height) || box.width <= 0 ||
        box.height <= 0) {
      return LineError(csv, lines[i].number, "expected 'image,x,y,width>0,height>0'",
                       lines[i].text);
    }
    BoxedImage image;
    image.source = absl::StrCat(csv, ":", lines[i].number);
    image.image_path = (dir / "images" / f[0]).string();
    FACEREC_RETURN_IF_ERROR(RequireImage(image.image_path, image.source));
    image.boxes.push_back(box);
    images.push_back(std::move(image));
  }
  return images;
}

absl::StatusOr<std::vector<BoxedImage>> LoadDlibFaces(const fs::path& data_root,
                                                      const std::string& xml_name) {
  const fs::path dir = data_root / "dlib_faces";
  const std::string xml_path = (dir / xml_name).string();
  FACEREC_ASSIGN_OR_RETURN(const std::string xml, ReadFileBytes(xml_path));
  std::vector<BoxedImage> images;
  size_t pos = 0;
  while (true) {
    const size_t start = xml.find("<image ", pos);
    if (start == std::string::npos) break;
    const size_t tag_end = xml.find('>', start);
    const size_t end = xml.find("</image>", start);
    if (tag_end == std::string::npos || end == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(xml_path, ": unterminated <image>"));
    }
    BoxedImage image;
    image.source = xml_path;
    std::string file;
    if (!Attribute(xml.substr(start, tag_end - start), "file", &file)) {
      return absl::InvalidArgumentError(absl::StrCat(xml_path, ": <image> without file="));
    }
    image.image_path = (dir / file).string();
    FACEREC_RETURN_IF_ERROR(RequireImage(image.image_path, xml_path));
    size_t box_pos = tag_end;
    while (true) {
      const size_t box_start = xml.find("<box ", box_pos);
      if (box_start == std::string::npos || box_start > end) break;
      const size_t box_end = xml.find('>', box_start);
      const std::string tag = xml.substr(box_start, box_end - box_start);
      std::string v[4];
      FaceBox box;
      if (!Attribute(tag, "top", &v[0]) || !Attribute(tag, "left", &v[1]) ||
          !Attribute(tag, "width", &v[2]) || !Attribute(tag, "height", &v[3]) ||
          !ParseDouble(v[0], &box.y) || !ParseDouble(v[1], &box.x) ||
          !ParseDouble(v[2], &box.width) || !ParseDouble(v[3], &box.height)) {
        return absl::InvalidArgumentError(
            absl::StrCat(xml_path, ": bad <box> in image ", file, ": ", tag));
      }
      image.boxes.push_back(box);
      box_pos = box_end;
    }
    images.push_back(std::move(image));
    pos = end;
  }
  return images;
}

absl::StatusOr<std::vector<LandmarkFace>> LoadWebFaces(const fs::path& data_root) {
  const fs::path dir = data_root / "webfaces";
  const std::string path = (dir / "WebFaces_GroundThruth.txt").string();
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> lines, ReadLines(path));
  std::vector<LandmarkFace> faces;
  for (const Line& line : lines) {
    const std::vector<std::string> f = absl::StrSplit(line.text, ' ', absl::SkipEmpty());
    if (f.size() != 9) {
      return LineError(path, line.number, "expected '<file> LEx LEy REx REy Nx Ny Mx My'",
                       line.text);
    }
    LandmarkFace face;
    face.source = absl::StrCat(path, ":", line.number);
    face.image_path = (dir / "images" / f[0]).string();
    for (int i = 0; i < 4; ++i) {
      Point2 p;
      if (!ParseDouble(f[1 + 2 * i], &p.x) || !ParseDouble(f[2 + 2 * i], &p.y)) {
        return LineError(path, line.number, "coordinates must be numbers", line.text);
      }
      face.points.push_back(p);
    }
    FACEREC_RETURN_IF_ERROR(RequireImage(face.image_path, face.source));
    faces.push_back(std::move(face));
  }
  return faces;
}

}  // namespace facerec::data
