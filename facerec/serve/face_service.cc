#include "facerec/serve/face_service.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/core/status_macros.h"
#include "glog/logging.h"
#include "torch/torch.h"

namespace facerec::serve {
namespace {

double Rounded(double value, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

Json BoxJson(const detect::Detection& d) {
  return Json::array({Rounded(d.box.x, 1), Rounded(d.box.y, 1), Rounded(d.box.width, 1), Rounded(d.box.height, 1)});
}

Json FaceJson(const chain::ChainFace& f) {
  Json points = Json::array();
  for (const data::Point2& p : f.points) points.push_back(Json::array({Rounded(p.x, 1), Rounded(p.y, 1)}));
  return Json{{"box", BoxJson(f.detection)}, {"score", Rounded(f.detection.score, 4)}, {"points", points}};
}

std::vector<float> EmbeddingValues(const at::Tensor& e) {
  const at::Tensor c = e.to(torch::kFloat32).contiguous().reshape({-1});
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

absl::Status CheckFar(double far) {
  if (!(far > 0 && far < 1)) return absl::InvalidArgumentError(absl::StrCat("far=", far, ": must be in (0, 1)"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FaceService>> FaceService::Create(const FaceServiceOptions& options,
                                                                 ThresholdSource threshold_source) {
  if (options.index != "auto" && options.index != "exact" && options.index != "hnsw") {
    return absl::InvalidArgumentError(absl::StrCat("index \"", options.index, "\": allowed: auto, exact, hnsw"));
  }
  std::unique_ptr<FaceService> service(new FaceService(options));
  int workers = options.inference_workers;
  if (workers <= 0) workers = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < workers; ++i) {
    FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(options.chain));
    service->chains_.push_back(std::move(chain));
  }
  chain::FaceEmbedder& embedder = service->chains_.front()->embedder();
  if (!options.gallery_path.empty()) {
    absl::StatusOr<std::unique_ptr<GalleryDatabase>> gallery =
        GalleryDatabase::Open(options.gallery_path, embedder.model_sha256(), embedder.embedding_size());
    if (!gallery.ok()) {
      return absl::Status(gallery.status().code(), absl::StrCat("gallery: ", gallery.status().message()));
    }
    service->gallery_ = std::move(*gallery);
  }
  service->threshold_source_ = std::move(threshold_source);
  for (const std::unique_ptr<chain::FaceChain>& chain : service->chains_) {
    service->workers_.emplace_back([s = service.get(), c = chain.get()] { s->Work(c); });
  }
  return service;
}

struct FaceService::Job {
  cv::Mat image;  // Shares the request's pixels (reference-counted).
  absl::Time deadline;
  bool done = false;  // Guarded by queue_mutex_.
  absl::StatusOr<std::vector<chain::ChainFace>> faces = absl::UnknownError("not processed");
};

void FaceService::Work(chain::FaceChain* chain) {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
    }
    absl::StatusOr<std::vector<chain::ChainFace>> faces =
        absl::Now() > job->deadline
            ? absl::StatusOr<std::vector<chain::ChainFace>>(absl::DeadlineExceededError(absl::StrCat(
                  "the photo waited for an inference worker past the request's time limit (", chains_.size(),
                  " workers, all busy)")))
            : chain->Process(job->image);
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      job->faces = std::move(faces);
      job->done = true;
    }
    finished_.notify_all();
  }
}

FaceService::~FaceService() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stopping_ = true;
    for (const std::shared_ptr<Job>& job : queue_) {
      job->faces = absl::CancelledError("the server is stopping");
      job->done = true;
    }
    queue_.clear();
  }
  queued_.notify_all();
  finished_.notify_all();
  for (std::thread& t : workers_) t.join();
  {
    std::lock_guard<std::mutex> lock(search_mutex_);
    stopping_graph_ = true;
  }
  if (builder_.joinable()) builder_.join();
}

absl::StatusOr<std::vector<std::vector<chain::ChainFace>>> FaceService::Process(
    const std::vector<RequestPhoto>& photos, absl::Time deadline) {
  // Every photo of the request is queued at once, so several workers may
  // take one request's photos side by side.
  std::vector<std::shared_ptr<Job>> jobs;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (stopping_) return absl::CancelledError("the server is stopping");
    for (const RequestPhoto& photo : photos) {
      auto job = std::make_shared<Job>();
      job->image = photo.image;
      job->deadline = deadline;
      queue_.push_back(job);
      jobs.push_back(std::move(job));
    }
  }
  queued_.notify_all();
  std::vector<std::vector<chain::ChainFace>> faces;
  std::unique_lock<std::mutex> lock(queue_mutex_);
  // Past the deadline a worker answers a queued job at once, so this wait ends.
  finished_.wait(lock, [&] { return std::all_of(jobs.begin(), jobs.end(), [](const auto& j) { return j->done; }); });
  for (const std::shared_ptr<Job>& job : jobs) {
    if (!job->faces.ok()) return job->faces.status();
    faces.push_back(std::move(*job->faces));
  }
  return faces;
}

absl::StatusOr<double> FaceService::Threshold(double far) {
  FACEREC_RETURN_IF_ERROR(CheckFar(far));
  std::lock_guard<std::mutex> lock(threshold_mutex_);
  auto it = thresholds_.find(far);
  if (it != thresholds_.end()) return it->second;
  absl::StatusOr<double> t = threshold_source_ ? threshold_source_(far)
                                               : absl::FailedPreconditionError("the server has no threshold source");
  if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat("far=", far, ": ", t.status().message()));
  thresholds_[far] = *t;
  return *t;
}

absl::StatusOr<GalleryDatabase*> FaceService::RequireGallery() {
  if (gallery_ == nullptr) return absl::FailedPreconditionError("the server was started without --gallery");
  return gallery_.get();
}

absl::StatusOr<FaceService::Searchable> FaceService::CurrentGallery() {
  FACEREC_ASSIGN_OR_RETURN(GalleryDatabase * gallery, RequireGallery());
  FACEREC_ASSIGN_OR_RETURN(std::shared_ptr<const GalleryTemplates> templates, gallery->Templates());
  std::lock_guard<std::mutex> lock(search_mutex_);
  if (searchable_.templates == templates) return searchable_;
  searchable_ = Searchable{templates, nullptr};
  const int64_t n = static_cast<int64_t>(templates->names.size());
  const bool hnsw = n > 0 && (options_.index == "hnsw" || (options_.index == "auto" && n >= options_.hnsw_min_templates));
  if (hnsw && building_ == nullptr) {
    // One build at a time; a change during a build is picked up when it ends.
    if (builder_.joinable()) builder_.join();
    building_ = templates;
    builder_ = std::thread([this, templates] { BuildGraph(templates); });
  }
  return searchable_;
}

void FaceService::BuildGraph(std::shared_ptr<const GalleryTemplates> templates) {
  while (templates != nullptr) {
    absl::StatusOr<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(
        templates->matrix.data(), templates->names.size(), templates->dim, options_.hnsw);
    std::lock_guard<std::mutex> lock(search_mutex_);
    if (!index.ok()) {
      LOG(ERROR) << "serve: the gallery's HNSW graph: " << index.status() << "; searching exactly";
    } else if (searchable_.templates == templates) {
      searchable_.hnsw = std::move(*index);
    }
    // The gallery changed meanwhile: build again for what it is now.
    templates = searchable_.templates != templates && searchable_.hnsw == nullptr && !stopping_graph_ &&
                        !searchable_.templates->names.empty()
                    ? searchable_.templates
                    : nullptr;
    building_ = templates;
  }
}

absl::StatusOr<Json> FaceService::Detect(const std::vector<RequestPhoto>& photos, absl::Time deadline) {
  FACEREC_ASSIGN_OR_RETURN(const auto faces, Process(photos, deadline));
  Json out = Json::array();
  for (size_t i = 0; i < photos.size(); ++i) {
    Json list = Json::array();
    for (const chain::ChainFace& f : faces[i]) list.push_back(FaceJson(f));
    out.push_back({{"width", photos[i].image.cols}, {"height", photos[i].image.rows}, {"faces", list}});
  }
  return Json{{"photos", out}};
}

absl::StatusOr<Json> FaceService::Identify(const std::vector<RequestPhoto>& photos, double far, absl::Time deadline) {
  FACEREC_ASSIGN_OR_RETURN(const double threshold, Threshold(far));
  FACEREC_ASSIGN_OR_RETURN(const auto faces, Process(photos, deadline));
  FACEREC_ASSIGN_OR_RETURN(const Searchable gallery, CurrentGallery());
  const GalleryTemplates& t = *gallery.templates;
  Json out = Json::array();
  for (size_t i = 0; i < photos.size(); ++i) {
    Json list = Json::array();
    for (const chain::ChainFace& f : faces[i]) {
      const std::vector<float> e = EmbeddingValues(f.embedding);
      const std::vector<TemplateMatch> best = gallery.hnsw != nullptr
                                                  ? gallery.hnsw->Search(e.data(), 1)
                                                  : ExactSearch(t.matrix.data(), t.names.size(), t.dim, e.data(), 1);
      Json face = FaceJson(f);
      if (best.empty()) {
        face["name"] = "unknown";
        face["similarity"] = nullptr;
        face["best"] = nullptr;
      } else {
        const std::string& name = t.names[best[0].row];
        face["name"] = best[0].score >= threshold ? name : "unknown";
        face["similarity"] = Rounded(best[0].score, 4);
        face["best"] = name;
      }
      list.push_back(face);
    }
    out.push_back({{"width", photos[i].image.cols}, {"height", photos[i].image.rows}, {"faces", list}});
  }
  return Json{{"far", far},
              {"threshold", Rounded(threshold, 4)},
              {"people", t.names.size()},
              {"search", gallery.hnsw != nullptr ? "hnsw" : "exact"},
              {"photos", out}};
}

absl::StatusOr<Json> FaceService::Verify(const std::vector<RequestPhoto>& photos, double far, absl::Time deadline) {
  if (photos.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("verify compares exactly 2 photos; the request has ", photos.size()));
  }
  FACEREC_ASSIGN_OR_RETURN(const double threshold, Threshold(far));
  FACEREC_ASSIGN_OR_RETURN(const auto faces, Process(photos, deadline));
  Json chosen = Json::array();
  std::vector<float> e[2];
  for (int i = 0; i < 2; ++i) {
    if (faces[i].empty()) return absl::InvalidArgumentError(absl::StrCat("photo ", i + 1, " of 2: no face found"));
    std::vector<detect::Detection> detections;
    for (const chain::ChainFace& f : faces[i]) detections.push_back(f.detection);
    const chain::ChainFace& f = faces[i][chain::Largest(detections)];
    e[i] = EmbeddingValues(f.embedding);
    chosen.push_back({{"box", BoxJson(f.detection)}, {"score", Rounded(f.detection.score, 4)}});
  }
  const float similarity = ExactSearch(e[0].data(), 1, static_cast<int>(e[0].size()), e[1].data(), 1)[0].score;
  return Json{{"same_person", similarity >= threshold},
              {"similarity", Rounded(similarity, 4)},
              {"threshold", Rounded(threshold, 4)},
              {"far", far},
              {"faces", chosen}};
}

absl::StatusOr<Json> FaceService::Embed(const std::vector<RequestPhoto>& photos, absl::Time deadline) {
  FACEREC_ASSIGN_OR_RETURN(const auto faces, Process(photos, deadline));
  Json out = Json::array();
  for (size_t i = 0; i < photos.size(); ++i) {
    Json list = Json::array();
    for (const chain::ChainFace& f : faces[i]) {
      Json face = FaceJson(f);
      face["embedding"] = EmbeddingValues(f.embedding);
      list.push_back(face);
    }
    out.push_back({{"width", photos[i].image.cols}, {"height", photos[i].image.rows}, {"faces", list}});
  }
  return Json{{"recogniser_sha256", chains_.front()->embedder().model_sha256()}, {"photos", out}};
}

absl::StatusOr<Json> FaceService::People() {
  FACEREC_ASSIGN_OR_RETURN(GalleryDatabase * gallery, RequireGallery());
  FACEREC_ASSIGN_OR_RETURN(const std::vector<GalleryPerson> people, gallery->People());
  Json list = Json::array();
  for (const GalleryPerson& p : people) {
    Json ids = Json::array();
    for (const GalleryPhoto& photo : p.photo_rows) ids.push_back(photo.id);
    list.push_back({{"name", p.name}, {"photos", p.photos}, {"photo_ids", ids}});
  }
  return Json{{"people", list}};
}

absl::StatusOr<Json> FaceService::Enroll(const std::string& name, const std::vector<RequestPhoto>& photos,
                                         absl::Time deadline) {
  FACEREC_ASSIGN_OR_RETURN(GalleryDatabase * gallery, RequireGallery());
  FACEREC_RETURN_IF_ERROR(GalleryDatabase::CheckName(name));
  if (photos.empty()) return absl::InvalidArgumentError("no photos to enroll");
  FACEREC_ASSIGN_OR_RETURN(const auto faces, Process(photos, deadline));
  std::vector<NewPhoto> rows;
  Json boxes = Json::array();
  for (size_t i = 0; i < photos.size(); ++i) {
    if (faces[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("photo ", i + 1, " of ", photos.size(), ": no face found; nothing was enrolled"));
    }
    std::vector<detect::Detection> detections;
    for (const chain::ChainFace& f : faces[i]) detections.push_back(f.detection);
    const chain::ChainFace& f = faces[i][chain::Largest(detections)];
    const data::FaceBox& b = f.detection.box;
    rows.push_back({photos[i].sha256, EmbeddingValues(f.embedding),
                    absl::StrFormat("%.1f,%.1f,%.1f,%.1f", b.x, b.y, b.width, b.height)});
    boxes.push_back(BoxJson(f.detection));
  }
  FACEREC_ASSIGN_OR_RETURN(const std::vector<int64_t> ids, gallery->AddPhotos(name, rows));
  return Json{{"name", name}, {"photo_ids", ids}, {"boxes", boxes}};
}

absl::StatusOr<Json> FaceService::DeletePerson(const std::string& name) {
  FACEREC_ASSIGN_OR_RETURN(GalleryDatabase * gallery, RequireGallery());
  FACEREC_RETURN_IF_ERROR(gallery->DeletePerson(name));
  return Json{{"deleted", name}};
}

absl::StatusOr<Json> FaceService::DeletePhoto(const std::string& name, int64_t photo_id) {
  FACEREC_ASSIGN_OR_RETURN(GalleryDatabase * gallery, RequireGallery());
  bool person_deleted = false;
  FACEREC_RETURN_IF_ERROR(gallery->DeletePhoto(name, photo_id, &person_deleted));
  return Json{{"name", name}, {"deleted_photo", photo_id}, {"person_deleted", person_deleted}};
}

absl::StatusOr<Json> FaceService::RenamePerson(const std::string& from, const std::string& to) {
  FACEREC_ASSIGN_OR_RETURN(GalleryDatabase * gallery, RequireGallery());
  FACEREC_RETURN_IF_ERROR(gallery->RenamePerson(from, to));
  return Json{{"renamed", from}, {"name", to}};
}

absl::StatusOr<Json> FaceService::Models() {
  chain::FaceEmbedder& embedder = chains_.front()->embedder();
  Json out = options_.models.is_null() ? Json::object() : options_.models;
  out["recogniser_sha256"] = embedder.model_sha256();
  out["embedding_size"] = embedder.embedding_size();
  out["detector"] = options_.chain.detector;
  out["landmarks"] = options_.chain.landmarks;
  out["backend"] = options_.chain.backend;
  out["threshold_source"] = options_.threshold_description;
  out["inference_workers"] = chains_.size();
  out["index"] = options_.index;
  if (gallery_ != nullptr) {
    FACEREC_ASSIGN_OR_RETURN(std::shared_ptr<const GalleryTemplates> t, gallery_->Templates());
    out["gallery"] = {{"people", t->names.size()}};
  } else {
    out["gallery"] = nullptr;
  }
  return out;
}

}  // namespace facerec::serve
