// The face API's meaning, without HTTP: photos in, JSON documents out, the
// gallery changed in transactions (gallery_database.h). http_server.h maps
// it onto paths; tests call it directly too.
//
//   FaceServiceOptions options;
//   options.chain = chain_options;                 // the three models
//   options.gallery_path = "people.gallery";
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<FaceService> service, FaceService::Create(options, thresholds));
//   FACEREC_ASSIGN_OR_RETURN(nlohmann::json answer, service->Identify({photo}, /*far=*/1e-3, deadline));
//
// Connections and inference are sized apart: any number of request threads
// may call at once; their photos queue for `inference_workers` worker
// threads, each with its own chain (models loaded once per worker at start)
// and one intra-op thread: a forward pass per core. A request's photos are
// spread over the workers. A photo still queued at its request's deadline is
// not processed, and the request gets DeadlineExceededError. The nets' memory
// is allocated by the workers alone, so it stays in their few allocator arenas
// however many connection threads there are.
//
// Thread-safety: thread-safe.
#ifndef FACEREC_SERVE_FACE_SERVICE_H_
#define FACEREC_SERVE_FACE_SERVICE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "facerec/chain/face_chain.h"
#include "facerec/serve/gallery_database.h"
#include "facerec/serve/template_index.h"
#include "nlohmann/json.hpp"

namespace facerec::serve {

using Json = nlohmann::ordered_json;

// The cosine threshold that makes the recogniser accept a stranger at
// per-pair rate `far`; the tool decides where it comes from (the store's
// evaluation, the registry's table, or photos of the user's own kind).
using ThresholdSource = std::function<absl::StatusOr<double>(double far)>;

struct FaceServiceOptions {
  // The models and detection settings. Default: FaceChainOptions' defaults
  // (the tool fills in the models).
  chain::FaceChainOptions chain;
  // Photos in the nets at once, each on its own chain. Default 0: one per core.
  int inference_workers = 0;
  // Which search over the gallery: "exact", "hnsw", or "auto" (default):
  // HNSW from `hnsw_min_templates` people on.
  std::string index = "auto";
  // Default 1,200,000: where one exact pass over 256-float templates takes
  // 50 ms on one core of an AMD EPYC (41 ms at 1M; benchmarks/README.md,
  // "Gallery search"), and HNSW's recall@1 is still 0.92 at ef 64.
  int64_t hnsw_min_templates = 1'200'000;
  // The graph's settings. Default HnswOptions' defaults.
  HnswOptions hnsw;
  // What `threshold_source` is, for GET /v1/models. Default empty.
  std::string threshold_description;
  // The gallery's SQLite file, opened (created when missing) for the
  // recogniser of `chain`. Default empty: no people endpoints.
  std::string gallery_path;
  // The models as the tool chose them (name, version, sha256, why), for
  // GET /v1/models. Default empty.
  Json models;
};

// One photo of a request: its bytes' sha256 and the decoded BGR image.
struct RequestPhoto {
  std::string sha256;
  cv::Mat image;
};

class FaceService {
 public:
  // The chains' loaders' errors; GalleryDatabase::Open's, prefixed
  // "gallery: ". Without a gallery path the people endpoints answer
  // FailedPreconditionError.
  static absl::StatusOr<std::unique_ptr<FaceService>> Create(const FaceServiceOptions& options,
                                                             ThresholdSource threshold_source);

  // {"photos": [{"width", "height", "faces": [{"box": [x, y, w, h], "score",
  //   "points": [[x, y] × 5]}]}]}; faces by falling score.
  absl::StatusOr<Json> Detect(const std::vector<RequestPhoto>& photos, absl::Time deadline);
  // As Detect, each face also {"name" (or "unknown"), "similarity", "best"};
  // plus "threshold" and "far" at the top.
  absl::StatusOr<Json> Identify(const std::vector<RequestPhoto>& photos, double far, absl::Time deadline);
  // Two photos, the largest face of each: {"same_person", "similarity",
  // "threshold", "far", "faces": [{"box", "score"} × 2]}. InvalidArgumentError
  // unless exactly two photos, each with a face.
  absl::StatusOr<Json> Verify(const std::vector<RequestPhoto>& photos, double far, absl::Time deadline);
  // As Detect, each face also {"embedding": [D floats]}, plus "recogniser_sha256".
  absl::StatusOr<Json> Embed(const std::vector<RequestPhoto>& photos, absl::Time deadline);

  // {"people": [{"name", "photos", "photo_ids"}]}.
  absl::StatusOr<Json> People();
  // The largest face of each photo joins `name` (created when new), all in
  // one transaction: {"name", "photo_ids", "boxes"}. InvalidArgumentError
  // naming the photo without a face; nothing is added then.
  absl::StatusOr<Json> Enroll(const std::string& name, const std::vector<RequestPhoto>& photos,
                              absl::Time deadline);
  absl::StatusOr<Json> DeletePerson(const std::string& name);
  absl::StatusOr<Json> DeletePhoto(const std::string& name, int64_t photo_id);
  absl::StatusOr<Json> RenamePerson(const std::string& from, const std::string& to);

  // {"detector", "landmarks", "recogniser": {"sha256", "embedding_size"},
  //  "threshold": description, "inference_workers", "index", "gallery": {"people"}}.
  absl::StatusOr<Json> Models();

  // The threshold for `far`, cached per value. InvalidArgumentError outside (0, 1).
  absl::StatusOr<double> Threshold(double far);
  int inference_workers() const { return static_cast<int>(chains_.size()); }

  // Stops the workers (queued photos fail with CancelledError).
  ~FaceService();

 private:
  explicit FaceService(const FaceServiceOptions& options) : options_(options) {}

  // Every face of each photo, through a worker's chain each.
  absl::StatusOr<std::vector<std::vector<chain::ChainFace>>> Process(const std::vector<RequestPhoto>& photos,
                                                                     absl::Time deadline);
  struct Job;
  void Work(chain::FaceChain* chain);

  // The gallery's templates and, when asked for, their HNSW graph. A graph
  // is built on a background thread; until it is ready the current
  // templates are searched exactly (never an old graph over old templates).
  struct Searchable {
    std::shared_ptr<const GalleryTemplates> templates;
    std::shared_ptr<const HnswIndex> hnsw;  // Null: exact search.
  };
  void BuildGraph(std::shared_ptr<const GalleryTemplates> templates);
  absl::StatusOr<Searchable> CurrentGallery();
  absl::StatusOr<GalleryDatabase*> RequireGallery();

  const FaceServiceOptions options_;
  std::unique_ptr<GalleryDatabase> gallery_;
  ThresholdSource threshold_source_;

  std::vector<std::unique_ptr<chain::FaceChain>> chains_;
  std::vector<std::thread> workers_;
  std::mutex queue_mutex_;
  std::condition_variable queued_, finished_;
  std::deque<std::shared_ptr<Job>> queue_;  // Guarded by queue_mutex_.
  bool stopping_ = false;                   // Guarded by queue_mutex_.

  std::mutex search_mutex_;
  Searchable searchable_;                                 // Guarded by search_mutex_.
  std::shared_ptr<const GalleryTemplates> building_;      // Guarded by search_mutex_.
  bool stopping_graph_ = false;                           // Guarded by search_mutex_.
  std::thread builder_;

  std::mutex threshold_mutex_;
  std::map<double, double> thresholds_;
};

}  // namespace facerec::serve

#endif  // FACEREC_SERVE_FACE_SERVICE_H_
