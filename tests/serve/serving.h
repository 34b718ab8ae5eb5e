// Test support for the server: the shipped models (//models:shipped in the
// test's runfiles), their registry threshold table in a scratch store, a
// face service and an HTTP server on a free loopback port, and real LFW
// photos from FACEREC_DATA.
//
//   ServingOptions options;
//   auto serving = Serving::Start(FreshTempDir("s"), options);   // CHECKs on failure
//   httplib::Client client = serving->Client();
//   auto answer = client.Post("/v1/identify", serving->Headers(), Multipart({LfwPhoto("Jimmy_Carter", 2)}));
//
// Thread-safety: one test thread.
#ifndef FACEREC_TESTS_SERVE_SERVING_H_
#define FACEREC_TESTS_SERVE_SERVING_H_

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "facerec/serve/face_service.h"
#include "facerec/serve/http_server.h"
#include "facerec/tracking/experiment_store.h"

namespace facerec::testing {

struct ServingOptions {
  bool face_api = true;
  bool open_read = false;
  std::string index = "exact";
  int max_photos = 4;
  size_t max_body_bytes = size_t{4} << 20;
  int64_t max_pixels = 40'000'000;
  std::string gallery;     // Default: gallery.db in the directory.
  std::string store;       // Default: results.db in the directory.
  int inference_workers = 2;
};

class Serving {
 public:
  static std::unique_ptr<Serving> Start(const std::filesystem::path& dir, const ServingOptions& options);
  ~Serving();

  httplib::Client Client() const;
  httplib::Headers Headers() const { return {{"x-api-key", key}}; }

  std::string key;  // The one valid API key.
  int port = 0;
  std::filesystem::path gallery_path, store_path;
  std::unique_ptr<serve::FaceService> service;
  std::unique_ptr<serve::DashboardData> dashboard;
  std::unique_ptr<serve::HttpServer> server;
  std::unique_ptr<tracking::ExperimentStore> store;

 private:
  std::thread thread_;
};

// The runfiles' workspace root (models/ is there).
std::filesystem::path RunfilesRoot();
// The shipped models' chain options.
chain::FaceChainOptions ShippedChain();
// The bytes of the i-th photo (sorted by name) of an LFW fold-1 person.
std::string LfwPhoto(const std::string& person, int i);
// Its path.
std::filesystem::path LfwPhotoPath(const std::string& person, int i);
// A multipart body of "photo" fields.
httplib::MultipartFormDataItems Multipart(const std::vector<std::string>& photos);

}  // namespace facerec::testing

#endif  // FACEREC_TESTS_SERVE_SERVING_H_
