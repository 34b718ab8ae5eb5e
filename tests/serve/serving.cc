#include "tests/serve/serving.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "facerec/pipeline/model_choice.h"
#include "facerec/pipeline/shipped_models.h"
#include "glog/logging.h"
#include "tests/testing/test_data.h"

namespace facerec::testing {

std::filesystem::path RunfilesRoot() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  CHECK(srcdir != nullptr && workspace != nullptr) << "run under bazel test";
  return std::filesystem::path(srcdir) / workspace;
}

chain::FaceChainOptions ShippedChain() {
  chain::FaceChainOptions o;
  const std::filesystem::path models = RunfilesRoot() / "models";
  o.detector_model = (models / "facerec-detector.pt").string();
  o.landmark_model = (models / "facerec-landmarks.pt").string();
  o.embedding_model = (models / "facerec-arcface.pt").string();
  return o;
}

std::filesystem::path LfwPhotoPath(const std::string& person, int i) {
  const std::filesystem::path dir = DataRoot() / "lfw_fold1" / "lfw-deepfunneled" / person;
  std::vector<std::filesystem::path> photos;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) photos.push_back(entry.path());
  std::sort(photos.begin(), photos.end());
  CHECK_LT(i, static_cast<int>(photos.size())) << person;
  return photos[i];
}

std::string LfwPhoto(const std::string& person, int i) {
  std::ifstream in(LfwPhotoPath(person, i), std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

httplib::MultipartFormDataItems Multipart(const std::vector<std::string>& photos) {
  httplib::MultipartFormDataItems items;
  for (size_t i = 0; i < photos.size(); ++i) {
    items.push_back({"photo", photos[i], "photo" + std::to_string(i) + ".jpg", "image/jpeg"});
  }
  return items;
}

std::unique_ptr<Serving> Serving::Start(const std::filesystem::path& dir, const ServingOptions& options) {
  auto s = std::make_unique<Serving>();
  s->key = "test-key-0123456789abcdef";
  s->gallery_path = options.gallery.empty() ? dir / "gallery.db" : std::filesystem::path(options.gallery);
  s->store_path = options.store.empty() ? dir / "results.db" : std::filesystem::path(options.store);
  auto store = tracking::ExperimentStore::Open(s->store_path.string());
  CHECK(store.ok()) << store.status();
  s->store = std::move(*store);
  if (options.face_api) {
    auto shipped = pipeline::ReadShippedModels(RunfilesRoot());
    CHECK(shipped.ok()) << shipped.status();
    const absl::Status registered = pipeline::RegisterShippedModels(*s->store, *shipped);
    CHECK(registered.ok()) << registered;
    serve::FaceServiceOptions service;
    service.chain = ShippedChain();
    service.inference_workers = options.inference_workers;
    service.index = options.index;
    service.gallery_path = s->gallery_path.string();
    service.threshold_description = "the shipped model's table";
    // The threshold as tools:serve takes it for a shipped recogniser: the
    // registry's table (from the manifest).
    std::string recogniser_sha;
    for (const pipeline::ShippedModel& m : *shipped) {
      if (m.registration.kind == tracking::ModelKind::kRecogniser) recogniser_sha = m.registration.sha256;
    }
    tracking::ExperimentStore* st = s->store.get();
    auto created = serve::FaceService::Create(service, [st, recogniser_sha](double far) {
      return pipeline::RecogniserThreshold(*st, recogniser_sha, far);
    });
    CHECK(created.ok()) << created.status();
    s->service = std::move(*created);
  }
  auto dashboard = serve::DashboardData::Open(s->store_path.string());
  CHECK(dashboard.ok()) << dashboard.status();
  s->dashboard = std::move(*dashboard);
  serve::HttpServerOptions http;
  http.port = 0;
  http.open_read = options.open_read;
  http.max_photos = options.max_photos;
  http.max_body_bytes = options.max_body_bytes;
  http.photo_limits.max_pixels = options.max_pixels;
  http.poll_ms = 500;
  auto keys = serve::ApiKeys::FromText(s->key, "test keys");
  CHECK(keys.ok()) << keys.status();
  auto server = serve::HttpServer::Create(http, s->service.get(), s->dashboard.get(), std::move(*keys));
  CHECK(server.ok()) << server.status();
  s->server = std::move(*server);
  auto port = s->server->Bind();
  CHECK(port.ok()) << port.status();
  s->port = *port;
  serve::HttpServer* raw = s->server.get();
  s->thread_ = std::thread([raw] {
    const absl::Status served = raw->Serve();
    CHECK(served.ok()) << served;
  });
  return s;
}

Serving::~Serving() {
  if (server) server->Stop();
  if (thread_.joinable()) thread_.join();
}

httplib::Client Serving::Client() const {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(60);
  return client;
}

}  // namespace facerec::testing
