// facerec's one local server (tools:serve): the live experiment dashboard
// and the face API over HTTP, on cpp-httplib (Debian's libcpp-httplib-dev:
// a small, well-kept server library with a thread pool, keep-alive,
// multipart parsing and request limits; a local service needs no more).
//
//   HttpServerOptions options;                       // 127.0.0.1:8080
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<HttpServer> server,
//                            HttpServer::Create(options, service.get(), dashboard.get(), keys));
//   FACEREC_ASSIGN_OR_RETURN(int port, server->Bind());
//   FACEREC_RETURN_IF_ERROR(server->Serve());        // until Stop()
//
// Paths:
//   GET  /                 the dashboard (report/html_report.h, live): runs,
//                          curves growing while runs train, seeds' intervals,
//                          sweeps, the model registry
//   GET  /faces            a page that draws the names on a dropped photo
//   GET  /api/version, /api/report.json, /api/models.json   the dashboard's data
//   GET  /healthz
//   GET  /v1/models, GET /v1/people                              (read)
//   POST /v1/detect, /v1/identify, /v1/verify, /v1/embed          (read)
//   POST /v1/people/{name}/photos, DELETE /v1/people/{name},
//   DELETE /v1/people/{name}/photos/{id}, PATCH /v1/people/{name} (change)
// Photos come as multipart/form-data fields named "photo" (repeated for
// several) or as the raw body (image/jpeg, image/png, image/bmp, image/webp,
// application/octet-stream). `far` comes as a query parameter or form field.
//
// Every /v1 request needs a key in `x-api-key` (api_keys.h) unless
// open_read and the request only reads. Every answer is JSON; an error is
// {"error": {"code": <HTTP status>, "status": <absl code>, "message": ...}}:
// 400 bad input, 401 no valid key, 404 no such person or path, 405, 409 a
// name that exists or another recogniser's gallery, 413 a limit (the
// message names it), 415 not a photo type, 503 no inference worker within
// the request's time.
//
// Thread-safety: Serve runs the connection threads; Stop may be called
// from any thread.
#ifndef FACEREC_SERVE_HTTP_SERVER_H_
#define FACEREC_SERVE_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "facerec/serve/api_keys.h"
#include "facerec/serve/dashboard_data.h"
#include "facerec/serve/face_service.h"
#include "facerec/serve/photo_bytes.h"

namespace httplib {
class Server;
}

namespace facerec::serve {

struct HttpServerOptions {
  // The address to listen on. Default 127.0.0.1 (this machine only).
  std::string bind = "127.0.0.1";
  // Default 8080; 0 takes any free port (tests).
  int port = 8080;
  // Threads that hold connections (keep-alive clients and pollers hold one
  // each while connected). Inference is bounded separately, by the
  // service's workers. Default 16.
  int connection_threads = 16;
  // Largest request body. Default 32 MiB.
  size_t max_body_bytes = size_t{32} << 20;
  // Photos in one request. Default 16.
  int max_photos = 16;
  // Per photo. Default PhotoLimits' (40 megapixels).
  PhotoLimits photo_limits;
  // From a request's arrival to the last photo through the nets. Default 30 s.
  absl::Duration request_timeout = absl::Seconds(30);
  // Socket read and write timeouts (a client that stops sending). Default 10 s.
  int io_timeout_s = 10;
  // Idle keep-alive connections are closed after this. Default 5 s.
  int keep_alive_timeout_s = 5;
  // Read-only /v1 requests (models, people, detect, identify, verify,
  // embed) need no key. Default false.
  bool open_read = false;
  // `far` when a request gives none. Default 1e-3.
  double default_far = 1e-3;
  // Points per metric series in /api/report.json. Default 300.
  int max_points_per_series = 300;
  // How often the dashboard polls /api/version. Default 2000 ms.
  int poll_ms = 2000;
  // Chart.js for the dashboard. Default report::kDebianChartJs.
  std::string chart_js_path;
};

class HttpServer {
 public:
  // `service` (the face API) and `dashboard` may each be null: their paths
  // then answer 404 saying what the server was started without. Neither is
  // owned; both must outlive the server. InvalidArgumentError for bad
  // options; NotFoundError when Chart.js cannot be read.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Create(const HttpServerOptions& options, FaceService* service,
                                                            DashboardData* dashboard, ApiKeys keys);
  ~HttpServer();

  // Binds the address; the port bound (options.port, or the one chosen for 0).
  // UnavailableError when it cannot be bound.
  absl::StatusOr<int> Bind();
  // Serves until Stop(); Bind first.
  absl::Status Serve();
  void Stop();

 private:
  HttpServer() = default;
  void Route();
  struct State;
  std::unique_ptr<State> state_;
};

// The HTTP status for an error (see the file comment).
int HttpStatusFor(const absl::Status& status);

}  // namespace facerec::serve

#endif  // FACEREC_SERVE_HTTP_SERVER_H_
