#include "facerec/pipeline/face_cache.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/image.h"
#include "facerec/detect/detectors.h"
#include "facerec/detect/our_detector.h"

namespace facerec::pipeline {
namespace fs = std::filesystem;
namespace {

absl::StatusOr<std::string> ModelSha256(const std::string& stage, const std::string& path) {
  if (path.empty()) return std::string("none");
  absl::StatusOr<std::string> sha = Sha256OfFile(path);
  if (!sha.ok()) return absl::Status(sha.status().code(), absl::StrCat(stage, " model: ", sha.status().message()));
  return *sha;
}

fs::path EntryPath(const fs::path& dir, const std::string& sha256, const char* extension) {
  return dir / sha256.substr(0, 2) / absl::StrCat(sha256, extension);
}

}  // namespace

absl::StatusOr<std::unique_ptr<FaceCache>> FaceCache::Open(const fs::path& root, chain::FaceChainOptions options) {
  std::unique_ptr<FaceCache> cache(new FaceCache());
  options.embedding_model.clear();
  FACEREC_ASSIGN_OR_RETURN(cache->detector_sha256_, ModelSha256("detector", options.detector_model));
  FACEREC_ASSIGN_OR_RETURN(cache->landmark_sha256_, ModelSha256("landmark", options.landmark_model));
  double threshold = options.detection.score_threshold;
  if (std::isnan(threshold)) threshold = detect::DefaultScoreThreshold(options.detector);
  // Everything that changes which face is found or how it is cut, as the
  // detector resolves it (its own smallest face, ours its enlargement).
  const detect::FaceDetectorOptions detection = detect::ResolvedOptions(options.detector, options.detection);
  cache->key_ = absl::StrFormat(
      "detector %s %s\nscore_threshold %.17g\nmin_face_size %d\ninput_scale %.17g\nlandmarks %s %s\n"
      "crop id_rate_window 83x100 largest_face\nbackend %s\n",
      options.detector, cache->detector_sha256_, threshold, detection.min_face_size, detection.input_scale,
      options.landmarks,
      cache->landmark_sha256_, options.backend);
  cache->dir_ = root / Sha256Hex(cache->key_).substr(0, 16);
  std::error_code error;
  fs::create_directories(cache->dir_, error);
  if (error) return absl::PermissionDeniedError(absl::StrCat(cache->dir_.string(), ": ", error.message()));
  const fs::path models = cache->dir_ / "models.txt";
  if (fs::exists(models)) {
    FACEREC_ASSIGN_OR_RETURN(const std::string written, ReadFileBytes(models.string()));
    if (written != cache->key_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "face cache ", cache->dir_.string(), " was written by other models:\n", written, "this run uses:\n",
          cache->key_, "remove the folder or give another --face_cache"));
    }
  } else {
    FACEREC_RETURN_IF_ERROR(WriteFileAtomically(models.string(), cache->key_));
  }
  cache->options_ = std::move(options);
  return cache;
}

absl::StatusOr<PhotoFace> FaceCache::Read(const std::string& sha256) const {
  const fs::path text_path = EntryPath(dir_, sha256, ".txt");
  FACEREC_ASSIGN_OR_RETURN(const std::string text, ReadFileBytes(text_path.string()));
  PhotoFace face;
  face.photo_sha256 = sha256;
  face.from_cache = true;
  auto corrupt = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat(text_path.string(), ": corrupt face cache entry (", what,
                                            "); delete it to have it rebuilt"));
  };
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.empty()) continue;
    auto number = [&](size_t i, double* v) { return i < f.size() && absl::SimpleAtod(f[i], v); };
    if (f[0] == "faces") {
      if (f.size() != 2 || !absl::SimpleAtoi(f[1], &face.faces_found)) return corrupt("faces");
    } else if (f[0] == "box") {
      if (f.size() != 6 || !number(1, &face.box.x) || !number(2, &face.box.y) || !number(3, &face.box.width) ||
          !number(4, &face.box.height) || !number(5, &face.score)) {
        return corrupt("box");
      }
    } else if (f[0] == "points") {
      if (f.size() != 11) return corrupt("points");
      for (size_t k = 0; k < 5; ++k) {
        data::Point2 p;
        if (!number(1 + 2 * k, &p.x) || !number(2 + 2 * k, &p.y)) return corrupt("points");
        face.points.push_back(p);
      }
    }
  }
  if (face.faces_found > 0) {
    if (face.points.size() != 5) return corrupt("no points");
    const fs::path png = EntryPath(dir_, sha256, ".png");
    const cv::Mat bgr = cv::imread(png.string(), cv::IMREAD_COLOR);
    if (bgr.empty() || bgr.cols != data::kIdRateWindow.width || bgr.rows != data::kIdRateWindow.height) {
      return absl::DataLossError(absl::StrCat(png.string(), ": missing or corrupt cached crop; delete ",
                                              text_path.string(), " to have it rebuilt"));
    }
    cv::cvtColor(bgr, face.crop, cv::COLOR_BGR2RGB);
  }
  return face;
}

absl::Status FaceCache::Write(const PhotoFace& face) const {
  const fs::path text_path = EntryPath(dir_, face.photo_sha256, ".txt");
  std::error_code error;
  fs::create_directories(text_path.parent_path(), error);
  if (error) return absl::PermissionDeniedError(absl::StrCat(text_path.parent_path().string(), ": ", error.message()));
  std::string text = absl::StrCat("faces ", face.faces_found, "\n");
  if (face.faces_found > 0) {
    absl::StrAppend(&text, absl::StrFormat("box %.17g %.17g %.17g %.17g %.17g\npoints", face.box.x, face.box.y,
                                           face.box.width, face.box.height, face.score));
    for (const data::Point2& p : face.points) absl::StrAppend(&text, absl::StrFormat(" %.17g %.17g", p.x, p.y));
    absl::StrAppend(&text, "\n");
    cv::Mat bgr;
    cv::cvtColor(face.crop, bgr, cv::COLOR_RGB2BGR);
    std::vector<uchar> png;
    if (!cv::imencode(".png", bgr, png)) return absl::InternalError("cannot encode a crop as PNG");
    // The crop first: an entry is whole once its .txt exists.
    FACEREC_RETURN_IF_ERROR(WriteFileAtomically(EntryPath(dir_, face.photo_sha256, ".png").string(),
                                                std::string(png.begin(), png.end())));
  }
  return WriteFileAtomically(text_path.string(), text);
}

absl::StatusOr<PhotoFace> FaceCache::Find(const std::string& photo_path) {
  FACEREC_ASSIGN_OR_RETURN(const std::string bytes, ReadFileBytes(photo_path));
  const std::string sha256 = Sha256Hex(bytes);
  if (fs::exists(EntryPath(dir_, sha256, ".txt"))) {
    ++hits_;
    return Read(sha256);
  }
  FACEREC_ASSIGN_OR_RETURN(const cv::Mat rgb, data::DecodeRgbImage(bytes, photo_path));
  if (chain_ == nullptr) {
    FACEREC_ASSIGN_OR_RETURN(chain_, chain::FaceChain::Create(options_));
  }
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  FACEREC_ASSIGN_OR_RETURN(const std::vector<detect::Detection> detections, chain_->Detect(bgr));
  PhotoFace face;
  face.photo_sha256 = sha256;
  face.faces_found = static_cast<int>(detections.size());
  const int largest = chain::Largest(detections);
  if (largest >= 0) {
    FACEREC_ASSIGN_OR_RETURN(const chain::ChainFace described, chain_->Describe(rgb, detections[largest]));
    face.box = described.detection.box;
    face.score = described.detection.score;
    face.points = described.points;
    face.crop = described.crop;
  }
  FACEREC_RETURN_IF_ERROR(Write(face));
  ++misses_;
  return face;
}

}  // namespace facerec::pipeline
