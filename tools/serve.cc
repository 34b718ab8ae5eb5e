// serve: one local server for the live experiment dashboard and the face API
// (facerec/serve/http_server.h has every path). Models are loaded once, one
// chain per inference worker; the gallery is an SQLite file that several
// servers and tools:identify may share.
//
//   openssl rand -hex 16 > keys.txt
//   tools/bazel run //tools:serve -- --port=8080 --gallery=people.gallery --api_keys=keys.txt
//   # http://127.0.0.1:8080/ (runs, live)  and  http://127.0.0.1:8080/faces
//   curl -H "x-api-key: $(cat keys.txt)" -F photo=@me.jpg http://127.0.0.1:8080/v1/people/Ada/photos
//   curl -H "x-api-key: $(cat keys.txt)" -F photo=@group.jpg http://127.0.0.1:8080/v1/identify
//
// Without --api_keys every /v1 request is refused (401) but those --open_read
// opens. `unknown` is decided as tools:identify decides it: the threshold
// for the request's `far` from the recogniser's celebA_ir evaluation (or a
// shipped model's table), or, with --calibration, measured on photos of the
// user's own kind of people (pipeline/calibration.h).
#include <cstdio>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/chain/face_chain.h"
#include "facerec/chain/gallery.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/process.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/calibration.h"
#include "facerec/pipeline/face_cache.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/recognition_datasets.h"
#include "facerec/serve/http_server.h"
#include "facerec/tracking/model_registry.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "tools/chain_flags.h"

DECLARE_string(db);

DEFINE_int32(port, facerec::serve::HttpServerOptions().port, "TCP port; 0 takes a free one (printed).");
DEFINE_string(bind, facerec::serve::HttpServerOptions().bind.c_str(),
              "Address to listen on. Default: this machine only; 0.0.0.0 opens it to the network (use keys).");
DEFINE_string(gallery, "people.gallery",
              "Gallery file (SQLite; created when missing; tools:enroll's files open too), relative to the "
              "workspace root. Empty: no people endpoints.");
DEFINE_string(api_keys, "",
              "File of API keys, one per line (at least 16 characters; `openssl rand -hex 16`). Only their "
              "SHA-256 is kept. Empty: no key is valid, and every /v1 request but those --open_read opens gets 401.");
DEFINE_bool(open_read, false, "Read-only /v1 requests (models, people, detect, identify, verify, embed) need no key.");
DEFINE_bool(face_api, true, "Serve the face API (loads the models); false: the dashboard alone.");
DEFINE_bool(dashboard, true, "Serve the live dashboard of --db.");
DEFINE_int32(connection_threads, facerec::serve::HttpServerOptions().connection_threads, "Threads that hold client connections (keep-alive, polling pages).");
DEFINE_int32(inference_workers, facerec::serve::FaceServiceOptions().inference_workers, "Photos in the nets at once, one intra-op thread each; 0: one per core.");
DEFINE_int64(max_body_bytes, static_cast<int64_t>(facerec::serve::HttpServerOptions().max_body_bytes), "Largest request body, bytes.");
DEFINE_int32(max_photos, facerec::serve::HttpServerOptions().max_photos, "Most photos in one request.");
DEFINE_int64(max_pixels, facerec::serve::PhotoLimits().max_pixels, "Largest photo, width × height, checked from its header before decoding.");
DEFINE_int32(request_timeout_s, absl::ToInt64Seconds(facerec::serve::HttpServerOptions().request_timeout), "Longest a request may wait for and use the nets, seconds.");
DEFINE_double(far, facerec::serve::HttpServerOptions().default_far, "Per-pair false-accept rate for `unknown` when a request gives no far.");
DEFINE_string(calibration, "",
              "folder:DIR or list:FILE: photos of your kind of people (not enrolled) to measure each far's "
              "threshold on, as tools:identify --calibration does. Empty: the recogniser's celebA_ir evaluation "
              "(or the shipped model's table).");
DEFINE_bool(calibration_aligned, false, "The --calibration photos are aligned crops.");
DEFINE_string(face_cache, facerec::pipeline::kDefaultFaceCache, "Face crop cache for --calibration photos.");
DEFINE_string(index, facerec::serve::FaceServiceOptions().index.c_str(),
              "Gallery search: exact, hnsw, or auto (HNSW from --hnsw_min_templates people on, where the exact "
              "pass would take over 50 ms; benchmarks/README.md \"Gallery search\").");
DEFINE_int64(hnsw_min_templates, facerec::serve::FaceServiceOptions().hnsw_min_templates, "People from which --index=auto searches an HNSW graph.");
DEFINE_int32(poll_ms, facerec::serve::HttpServerOptions().poll_ms, "How often dashboard pages check the store for changes, ms.");

namespace facerec {
namespace {

// The models as the registry knows them, for GET /v1/models.
serve::Json ModelsJson(const chain::FaceChainOptions& options, tracking::ExperimentStore* store) {
  serve::Json models = serve::Json::object();
  const std::pair<const char*, std::string> files[] = {{"detector_model", options.detector_model},
                                                       {"landmark_model", options.landmark_model},
                                                       {"recogniser_model", options.embedding_model}};
  for (const auto& [key, path] : files) {
    if (path.empty()) continue;
    serve::Json m = {{"file", WorkspaceRelative(path)}};
    absl::StatusOr<std::string> sha = Sha256OfFile(path);
    if (sha.ok()) {
      m["sha256"] = *sha;
      if (store != nullptr) {
        tracking::ModelRegistry registry(*store);
        absl::StatusOr<std::optional<tracking::RegisteredModel>> r = registry.FindBySha256(*sha);
        if (r.ok() && r->has_value()) {
          m["registered"] = (*r)->Label();
          m["aliases"] = (*r)->aliases;
        }
      }
    }
    models[key] = m;
  }
  return models;
}

absl::StatusOr<serve::ThresholdSource> Thresholds(const chain::FaceChainOptions& options,
                                                  std::unique_ptr<tracking::ExperimentStore>* store,
                                                  const std::string& recogniser_sha256, std::string* description) {
  if (FLAGS_calibration.empty()) {
    if (*store == nullptr) {
      FACEREC_ASSIGN_OR_RETURN(*store, tools::OpenStoreFromFlags());
    }
    tracking::ExperimentStore* s = store->get();
    *description = "the recogniser's celebA_ir evaluation in the store (or the shipped model's table)";
    return serve::ThresholdSource([s, recogniser_sha256](double far) {
      return pipeline::RecogniserThreshold(*s, recogniser_sha256, far);
    });
  }
  absl::StatusOr<pipeline::DatasetSpec> spec = pipeline::ParseDatasetSpec(FLAGS_calibration);
  if (!spec.ok() || spec->builtin()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--calibration=", FLAGS_calibration, ": allowed: folder:DIR, list:FILE"));
  }
  pipeline::DatasetOptions dataset;
  dataset.dataset = *spec;
  dataset.dataset.location = ResolveAgainstWorkspace(spec->location).string();
  dataset.aligned = FLAGS_calibration_aligned;
  dataset.chain = options;
  dataset.face_cache = ResolveAgainstWorkspace(FLAGS_face_cache);
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(options));
  absl::StatusOr<pipeline::CalibrationSet> set = pipeline::EmbedCalibrationSet(dataset, chain->embedder());
  if (!set.ok()) return absl::Status(set.status().code(), absl::StrCat("--calibration: ", set.status().message()));
  auto shared = std::make_shared<pipeline::CalibrationSet>(std::move(*set));
  *description = absl::StrFormat("per-pair FAR measured on %d faces of %s", shared->persons.size(), shared->name);
  return serve::ThresholdSource([shared](double far) { return pipeline::PairThresholdAtFar(*shared, far); });
}

serve::HttpServer* running_server = nullptr;
void StopOnSignal(int) {
  if (running_server != nullptr) running_server->Stop();
}

absl::Status Main() {
  serve::HttpServerOptions http;
  http.bind = FLAGS_bind;
  http.port = FLAGS_port;
  http.connection_threads = FLAGS_connection_threads;
  if (FLAGS_max_body_bytes < 1 || FLAGS_max_photos < 1 || FLAGS_max_pixels < 1 || FLAGS_request_timeout_s < 1) {
    return absl::InvalidArgumentError("--max_body_bytes, --max_photos, --max_pixels, --request_timeout_s: >= 1");
  }
  if (FLAGS_connection_threads < 16) {
    return absl::InvalidArgumentError(absl::StrCat("--connection_threads=", FLAGS_connection_threads,
                                                   ": at least 16 (pollers and keep-alive clients hold one each)"));
  }
  http.max_body_bytes = static_cast<size_t>(FLAGS_max_body_bytes);
  http.max_photos = FLAGS_max_photos;
  http.photo_limits.max_pixels = FLAGS_max_pixels;
  http.request_timeout = absl::Seconds(FLAGS_request_timeout_s);
  http.open_read = FLAGS_open_read;
  http.default_far = FLAGS_far;
  http.poll_ms = FLAGS_poll_ms;
  if (!(FLAGS_far > 0 && FLAGS_far < 1)) return absl::InvalidArgumentError(absl::StrCat("--far=", FLAGS_far, ": in (0, 1)"));

  serve::ApiKeys keys;
  if (!FLAGS_api_keys.empty()) {
    absl::StatusOr<serve::ApiKeys> loaded = serve::ApiKeys::FromFile(ResolveAgainstWorkspace(FLAGS_api_keys).string());
    if (!loaded.ok()) {
      return absl::Status(loaded.status().code(), absl::StrCat("--api_keys: ", loaded.status().message()));
    }
    keys = std::move(*loaded);
  } else {
    std::fprintf(stderr, "serve: no --api_keys: /v1 requests%s are refused (401); make a key file with "
                 "`openssl rand -hex 16 > keys.txt` and pass --api_keys=keys.txt\n",
                 FLAGS_open_read ? " that change the gallery" : "");
  }

  std::unique_ptr<tracking::ExperimentStore> store;
  std::unique_ptr<serve::FaceService> service;
  if (FLAGS_face_api) {
    std::string gallery_sha;
    const std::string gallery_path = FLAGS_gallery.empty() ? "" : ResolveAgainstWorkspace(FLAGS_gallery).string();
    if (!gallery_path.empty() && std::filesystem::exists(gallery_path)) {
      absl::StatusOr<chain::Gallery> existing = chain::Gallery::Load(gallery_path);
      if (!existing.ok()) {
        return absl::Status(existing.status().code(), absl::StrCat("--gallery: ", existing.status().message()));
      }
      gallery_sha = existing->recogniser_sha256();
    }
    FACEREC_ASSIGN_OR_RETURN(const chain::FaceChainOptions chain_options,
                             tools::ChainOptionsFromFlags(&store, gallery_sha));
    serve::FaceServiceOptions options;
    options.chain = chain_options;
    options.inference_workers = FLAGS_inference_workers;
    options.index = FLAGS_index;
    options.hnsw_min_templates = FLAGS_hnsw_min_templates;
    FACEREC_ASSIGN_OR_RETURN(const std::string recogniser_sha, Sha256OfFile(chain_options.embedding_model));
    FACEREC_ASSIGN_OR_RETURN(serve::ThresholdSource thresholds,
                             Thresholds(chain_options, &store, recogniser_sha, &options.threshold_description));
    options.models = ModelsJson(chain_options, store.get());
    options.gallery_path = gallery_path;
    FACEREC_ASSIGN_OR_RETURN(service, serve::FaceService::Create(options, thresholds));
    // The default far's threshold now, so a recogniser without one fails at start, not at the first request.
    absl::StatusOr<double> t = service->Threshold(FLAGS_far);
    if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat("--far: ", t.status().message()));
  }
  std::unique_ptr<serve::DashboardData> dashboard;
  if (FLAGS_dashboard) {
    FACEREC_ASSIGN_OR_RETURN(dashboard, serve::DashboardData::Open(ResolveAgainstWorkspace(FLAGS_db).string()));
  }
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<serve::HttpServer> server,
                           serve::HttpServer::Create(http, service.get(), dashboard.get(), std::move(keys)));
  FACEREC_ASSIGN_OR_RETURN(const int port, server->Bind());
  running_server = server.get();
  std::signal(SIGINT, StopOnSignal);
  std::signal(SIGTERM, StopOnSignal);
  std::printf("serve: listening on http://%s:%d/ (dashboard%s), %d inference worker(s), %d connection threads\n",
              FLAGS_bind.c_str(), port, service ? ", /faces, /v1" : "",
              service ? service->inference_workers() : 0, FLAGS_connection_threads);
  std::fflush(stdout);
  absl::Status served = server->Serve();
  running_server = nullptr;
  return served;
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  // One intra-op thread per forward pass: the server runs one pass per core
  // side by side (--inference_workers), which uses the cores better than
  // one pass split over them. Set before InitProcess re-executes, so the
  // OpenMP pool starts with it; a user's OMP_NUM_THREADS wins.
  setenv("OMP_NUM_THREADS", "1", /*overwrite=*/0);
  facerec::InitProcess(&argc, &argv,
                       "The live experiment dashboard and the face API in one local server.\n"
                       "Usage: serve [--port=8080] [--db=results.db] [--gallery=people.gallery] [--api_keys=FILE]");
  // OpenCV's resizes and warps too: its own thread pool would otherwise
  // split each worker's image work over every core, and the workers would
  // contend for them.
  cv::setNumThreads(1);
  return facerec::ReportToolOutcome("serve", facerec::Main());
}
