#include "facerec/detect/external_detections.h"

#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/text_file.h"

namespace facerec::detect {
namespace fs = std::filesystem;

namespace {

// The data-root-relative path both files name a photo by.
std::string RelativePhoto(const std::string& image_path, const fs::path& data_root) {
  return fs::path(image_path).lexically_relative(data_root).generic_string();
}

bool FiniteNonNegative(double v) { return std::isfinite(v) && v >= 0; }

}  // namespace

absl::StatusOr<int64_t> ExportDetectionPhotos(const std::vector<DetectionSet>& sets, const fs::path& data_root,
                                             const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(dir.string(), ": exists and is not empty"));
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir.string(), ": cannot be created: ", ec.message()));
  std::ofstream list(dir / "photos.tsv");
  list << "set\tphoto\tfile\twidth\theight\n";
  int64_t written = 0;
  for (const DetectionSet& set : sets) {
    fs::create_directories(dir / set.name, ec);
    if (ec) return absl::InternalError(absl::StrCat((dir / set.name).string(), ": ", ec.message()));
    for (size_t i = 0; i < set.photos.size(); ++i) {
      const cv::Mat image = cv::imread(set.photos[i].image_path, cv::IMREAD_COLOR);
      if (image.empty()) continue;  // The evaluation skips it too.
      const std::string file = absl::StrCat(set.name, "/", i, ".png");
      if (!cv::imwrite((dir / file).string(), image)) {
        return absl::InternalError(absl::StrCat((dir / file).string(), ": cannot be written"));
      }
      list << set.name << '\t' << RelativePhoto(set.photos[i].image_path, data_root) << '\t' << file << '\t'
           << image.cols << '\t' << image.rows << '\n';
      ++written;
    }
  }
  list.close();
  if (!list) return absl::InternalError(absl::StrCat((dir / "photos.tsv").string(), ": cannot be written"));
  return written;
}

absl::StatusOr<ExternalDetections> ReadExternalDetections(const std::string& path) {
  // Not data::ReadLines: it strips surrounding whitespace, and a photo
  // without detections ends in the tab before its empty last field.
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be opened"));
  ExternalDetections out;
  std::string text;
  int number = 0;
  bool header = false;
  while (std::getline(in, text)) {
    ++number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) continue;
    if (text[0] == '#') {
      const absl::string_view comment = absl::StripAsciiWhitespace(absl::string_view(text).substr(1));
      const size_t eq = comment.find('=');
      if (eq != absl::string_view::npos && eq > 0) {
        out.description.emplace(std::string(absl::StripAsciiWhitespace(comment.substr(0, eq))),
                                std::string(absl::StripAsciiWhitespace(comment.substr(eq + 1))));
      }
      continue;
    }
    if (!header) {
      if (text != "set\tphoto\tms\tdetections") {
        return data::LineError(path, number, "expected the header 'set<TAB>photo<TAB>ms<TAB>detections'", text);
      }
      header = true;
      continue;
    }
    const std::vector<std::string> fields = absl::StrSplit(text, '\t');
    if (fields.size() != 4 || fields[0].empty() || fields[1].empty()) {
      return data::LineError(path, number, "expected 'set<TAB>photo<TAB>ms<TAB>detections'", text);
    }
    ExternalPhoto photo;
    if (!data::ParseDouble(fields[2], &photo.ms) || !FiniteNonNegative(photo.ms)) {
      return data::LineError(path, number, "ms must be a finite number >= 0", text);
    }
    if (!fields[3].empty()) {
      for (absl::string_view item : absl::StrSplit(fields[3], ';')) {
        const std::vector<absl::string_view> v = absl::StrSplit(item, ',');
        double x, y, w, h, score;
        if (v.size() != 5 || !data::ParseDouble(v[0], &x) || !data::ParseDouble(v[1], &y) ||
            !data::ParseDouble(v[2], &w) || !data::ParseDouble(v[3], &h) || !data::ParseDouble(v[4], &score)) {
          return data::LineError(path, number, absl::StrCat("detection '", item, "' is not x,y,width,height,score"),
                                 text);
        }
        if (!std::isfinite(x) || !std::isfinite(y) || !std::isfinite(score) || !(w > 0) || !(h > 0) ||
            !std::isfinite(w) || !std::isfinite(h)) {
          return data::LineError(path, number,
                                 absl::StrCat("detection '", item, "' needs finite numbers and a positive size"), text);
        }
        Detection d;
        d.box = {x, y, w, h};
        d.score = score;
        photo.detections.push_back(d);
      }
    }
    if (!out.photos.emplace(std::make_pair(fields[0], fields[1]), std::move(photo)).second) {
      return data::LineError(path, number, absl::StrCat("photo ", fields[1], " of ", fields[0], " is listed twice"),
                             text);
    }
  }
  if (!header) return absl::InvalidArgumentError(absl::StrCat(path, ": no header line (an empty file)"));
  return out;
}

absl::StatusOr<DetectorEvaluation> EvaluateExternalDetections(const ExternalDetections& detections,
                                                              const DetectionSet& set, const fs::path& data_root,
                                                              const DetectionEvaluationOptions& options) {
  std::vector<metrics::PhotoDetections> scored;
  std::vector<double> ms;
  std::vector<std::string> unreadable;
  for (const DetectionPhoto& photo : set.photos) {
    const std::string name = RelativePhoto(photo.image_path, data_root);
    const auto row = detections.photos.find({set.name, name});
    if (row == detections.photos.end()) {
      // Only a photo the evaluation itself would skip may be missing.
      if (cv::imread(photo.image_path, cv::IMREAD_COLOR).empty()) {
        unreadable.push_back(photo.image_path);
        continue;
      }
      return absl::NotFoundError(absl::StrCat("no detections for photo ", name, " of ", set.name,
                                              " (the peer must write a row for every photo, even one without faces)"));
    }
    metrics::PhotoDetections p;
    p.faces = photo.faces;
    for (const Detection& d : row->second.detections) p.detections.push_back({d.box, d.score});
    scored.push_back(std::move(p));
    ms.push_back(row->second.ms);
  }
  DetectorEvaluation e = ScoreDetections(std::move(scored), set.rule, ms, options);
  e.unreadable = std::move(unreadable);
  return e;
}

absl::StatusOr<std::vector<NamedExternalDetections>> ReadNamedExternalDetections(absl::string_view list,
                                                                                const fs::path& base) {
  std::vector<NamedExternalDetections> peers;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0 || eq + 1 == item.size()) {
      return absl::InvalidArgumentError(absl::StrCat("'", item, "' is not NAME=FILE"));
    }
    NamedExternalDetections peer;
    peer.name = std::string(item.substr(0, eq));
    for (const NamedExternalDetections& p : peers) {
      if (p.name == peer.name) return absl::InvalidArgumentError(absl::StrCat("the name ", peer.name, " is used twice"));
    }
    fs::path file(std::string(item.substr(eq + 1)));
    if (file.is_relative()) file = base / file;
    FACEREC_ASSIGN_OR_RETURN(peer.detections, ReadExternalDetections(file.string()));
    FACEREC_ASSIGN_OR_RETURN(peer.sha256, Sha256OfFile(file.string()));
    peers.push_back(std::move(peer));
  }
  return peers;
}

}  // namespace facerec::detect
