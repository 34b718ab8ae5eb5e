// Aligned face crops of photos, found once by the chain (detect -> five
// points -> similarity warp) and kept on disk, keyed by the photo's sha256 and
// the models': a second read of the same photos costs a hash per photo, and a
// different detector or landmark net reads and writes a cache of its own.
//
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<FaceCache> cache,
//                            FaceCache::Open("artifacts/face_cache", chain_options));
//   FACEREC_ASSIGN_OR_RETURN(PhotoFace face, cache->Find("/photos/ada/1.jpg"));
//   if (face.faces_found > 0) Use(face.crop);  // 83x100 RGB, the largest face
//
// Layout: ROOT/<first 16 hex of the models' key>/models.txt holds the key's
// text (stage names, model sha256s, detection settings); each photo is
// <sha256[0:2]>/<sha256>.txt ("faces N", the chosen face's box, score and
// points) and, when a face was found, <sha256>.png (the crop, lossless, so a
// cached crop is the crop the chain made). Entries are written to a
// temporary name and renamed: a killed run leaves whole entries or none.
// A folder whose models.txt names other models is refused, naming both.
//
// Thread-safety: not thread-safe (the chain is not); one cache per thread.
// Several processes may share a folder: entries are immutable and atomic.
#ifndef FACEREC_PIPELINE_FACE_CACHE_H_
#define FACEREC_PIPELINE_FACE_CACHE_H_

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "facerec/chain/face_chain.h"

namespace facerec::pipeline {

// One photo as the cache knows it.
struct PhotoFace {
  std::string photo_sha256;
  int faces_found = 0;  // Detections in the photo.
  // The largest face (the enrolment convention, chain::Largest), when any.
  data::FaceBox box;
  double score = 0;
  std::vector<data::Point2> points;  // Photo pixels, data::kFivePointNames order.
  cv::Mat crop;                      // 83x100 RGB; empty when faces_found == 0.
  bool from_cache = false;
};

class FaceCache {
 public:
  // `options`' detector and landmark stages (its embedding_model is ignored);
  // their models are hashed now. Creates `root` when missing.
  static absl::StatusOr<std::unique_ptr<FaceCache>> Open(const std::filesystem::path& root,
                                                         chain::FaceChainOptions options);

  // The photo's largest face, from the cache or, on a miss, from the chain
  // (then written). A photo that does not decode is the decoder's error
  // naming it (nothing is written); a photo without a face is cached as such.
  absl::StatusOr<PhotoFace> Find(const std::string& photo_path);

  // The models' key text and its folder.
  const std::string& key() const { return key_; }
  const std::filesystem::path& dir() const { return dir_; }
  // What the chain's models are, as sha256 (for a run's params).
  const std::string& detector_sha256() const { return detector_sha256_; }
  const std::string& landmark_sha256() const { return landmark_sha256_; }
  int64_t hits() const { return hits_; }
  int64_t misses() const { return misses_; }

 private:
  FaceCache() = default;
  absl::StatusOr<PhotoFace> Read(const std::string& sha256) const;
  absl::Status Write(const PhotoFace& face) const;

  chain::FaceChainOptions options_;
  std::unique_ptr<chain::FaceChain> chain_;  // Created on the first miss.
  std::string key_, detector_sha256_, landmark_sha256_;
  std::filesystem::path dir_;
  int64_t hits_ = 0, misses_ = 0;
};

// The default cache root, relative to the workspace: artifacts/face_cache.
inline constexpr char kDefaultFaceCache[] = "artifacts/face_cache";

}  // namespace facerec::pipeline

#endif  // FACEREC_PIPELINE_FACE_CACHE_H_
