#include "facerec/serve/http_server.h"

#include <httplib.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"
#include "facerec/report/html_report.h"
#include "facerec/serve/serve_page_files.h"
#include "glog/logging.h"

namespace facerec::serve {
namespace {

constexpr char kHttpPayload[] = "facerec/http_status";

// `status` answered with `http` instead of the code's usual status.
absl::Status WithHttp(absl::Status status, int http) {
  status.SetPayload(kHttpPayload, absl::Cord(absl::StrCat(http)));
  return status;
}

std::string StatusName(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);
  for (char& c : name) c = c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

void SendJson(httplib::Response& res, int http, const Json& body) {
  res.status = http;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void SendError(httplib::Response& res, const absl::Status& status) {
  const int http = HttpStatusFor(status);
  SendJson(res, http,
           {{"error", {{"code", http}, {"status", StatusName(status.code())}, {"message", std::string(status.message())}}}});
}

bool IsPhotoType(absl::string_view type) {
  return absl::StartsWith(type, "image/") || absl::StartsWith(type, "application/octet-stream");
}

std::string FieldNames(const httplib::Request& req) {
  std::vector<std::string> names;
  for (const auto& [name, field] : req.files) names.push_back(name);
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

// A request parameter from the query or a multipart field.
absl::StatusOr<std::string> Param(const httplib::Request& req, const std::string& name) {
  if (req.has_param(name.c_str())) return req.get_param_value(name.c_str());
  if (req.is_multipart_form_data() && req.has_file(name.c_str())) return req.get_file_value(name.c_str()).content;
  return absl::NotFoundError(name);
}

}  // namespace

int HttpStatusFor(const absl::Status& status) {
  if (auto http = status.GetPayload(kHttpPayload)) {
    int code;
    if (absl::SimpleAtoi(std::string(*http), &code)) return code;
  }
  switch (status.code()) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists: return 409;
    case absl::StatusCode::kFailedPrecondition: return 409;
    case absl::StatusCode::kOutOfRange: return 413;
    case absl::StatusCode::kResourceExhausted: return 413;
    case absl::StatusCode::kDeadlineExceeded: return 503;
    case absl::StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

struct HttpServer::State {
  HttpServerOptions options;
  FaceService* service = nullptr;
  DashboardData* dashboard = nullptr;
  ApiKeys keys;
  httplib::Server server;
  std::string dashboard_html;

  absl::StatusOr<std::vector<RequestPhoto>> Photos(const httplib::Request& req) const;
  absl::StatusOr<double> Far(const httplib::Request& req) const;
};

absl::StatusOr<std::vector<RequestPhoto>> HttpServer::State::Photos(const httplib::Request& req) const {
  std::vector<absl::string_view> parts;
  if (req.is_multipart_form_data()) {
    auto [begin, end] = req.files.equal_range("photo");
    for (auto it = begin; it != end; ++it) parts.push_back(it->second.content);
    if (parts.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no form field named \"photo\" (the request's fields: ", FieldNames(req), ")"));
    }
  } else {
    const std::string type = req.get_header_value("Content-Type");
    if (req.body.empty()) {
      return absl::InvalidArgumentError(
          "empty body: send the photo as the body (Content-Type image/jpeg, image/png, ...) or as multipart/form-data "
          "fields named \"photo\"");
    }
    if (!IsPhotoType(type)) {
      return WithHttp(absl::InvalidArgumentError(absl::StrCat(
                          "Content-Type \"", type.substr(0, 100),
                          "\" is not a photo: use multipart/form-data, image/* or application/octet-stream")),
                      415);
    }
    parts.push_back(req.body);
  }
  if (static_cast<int>(parts.size()) > options.max_photos) {
    return absl::OutOfRangeError(absl::StrCat(parts.size(), " photos in one request; the limit is ",
                                              options.max_photos, " (--max_photos)"));
  }
  std::vector<RequestPhoto> photos;
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::StatusOr<cv::Mat> image = DecodePhoto(parts[i], options.photo_limits);
    if (!image.ok()) {
      return absl::Status(image.status().code(),
                          absl::StrCat("photo ", i + 1, " of ", parts.size(), ": ", image.status().message()));
    }
    photos.push_back({Sha256Hex(parts[i]), std::move(*image)});
  }
  return photos;
}

absl::StatusOr<double> HttpServer::State::Far(const httplib::Request& req) const {
  absl::StatusOr<std::string> text = Param(req, "far");
  if (!text.ok()) return options.default_far;
  double far;
  if (!absl::SimpleAtod(*text, &far) || !(far > 0 && far < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("far=\"", text->substr(0, 40), "\": a number in (0, 1)"));
  }
  return far;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(const HttpServerOptions& options,
                                                               FaceService* service, DashboardData* dashboard,
                                                               ApiKeys keys) {
  if (options.connection_threads < 1 || options.max_photos < 1 || options.max_body_bytes < 1 ||
      options.request_timeout <= absl::ZeroDuration() || options.io_timeout_s < 1 || options.poll_ms < 100) {
    return absl::InvalidArgumentError(
        "server options: connection threads, photos, body bytes, timeouts >= 1; poll_ms >= 100");
  }
  std::unique_ptr<HttpServer> server(new HttpServer);
  server->state_ = std::make_unique<State>();
  State& s = *server->state_;
  s.options = options;
  s.service = service;
  s.dashboard = dashboard;
  s.keys = std::move(keys);
  if (dashboard != nullptr) {
    report::ReportPageOptions page;
    page.title = "facerec: live runs";
    if (!options.chart_js_path.empty()) page.chart_js_path = options.chart_js_path;
    report::ReportLiveSource live;
    live.report_url = "/api/report.json";
    live.models_url = "/api/models.json";
    live.version_url = "/api/version";
    live.poll_ms = options.poll_ms;
    FACEREC_ASSIGN_OR_RETURN(s.dashboard_html, report::ReportLiveHtml(live, page));
  }
  server->Route();
  return server;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route() {
  State& s = *state_;
  httplib::Server& http = s.server;
  const int threads = s.options.connection_threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(s.options.max_body_bytes);
  http.set_read_timeout(s.options.io_timeout_s);
  http.set_write_timeout(s.options.io_timeout_s);
  http.set_keep_alive_timeout(s.options.keep_alive_timeout_s);
  http.set_keep_alive_max_count(10000);
  http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                            {"X-Frame-Options", "DENY"},
                            {"Referrer-Policy", "no-referrer"},
                            {"Cache-Control", "no-store"}});

  // Keys before anything is read or parsed: the body of a request without
  // one is never looked at.
  http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (!absl::StartsWith(req.path, "/v1/")) return httplib::Server::HandlerResponse::Unhandled;
    const bool reads = req.method == "GET" ||
                       (req.method == "POST" && (req.path == "/v1/detect" || req.path == "/v1/identify" ||
                                                 req.path == "/v1/verify" || req.path == "/v1/embed"));
    if (reads && s.options.open_read) return httplib::Server::HandlerResponse::Unhandled;
    const std::string key = req.get_header_value("x-api-key");
    if (s.keys.Accepts(key)) return httplib::Server::HandlerResponse::Unhandled;
    SendError(res, absl::UnauthenticatedError(key.empty() ? "this request needs an API key in the x-api-key header"
                                                          : "the x-api-key header holds no valid key"));
    return httplib::Server::HandlerResponse::Handled;
  });
  // httplib's own refusals (no route, a body over the limit, a request it
  // cannot parse) come without a body; they get the JSON error shape too.
  http.set_error_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message;
    switch (res.status) {
      case 404: message = absl::StrCat("no such path: ", req.method, " ", req.path.substr(0, 200)); break;
      case 413:
        message = absl::StrCat("the request body is over the limit of ", s.options.max_body_bytes,
                               " bytes (--max_body_bytes)");
        break;
      case 400: message = "malformed request (headers, multipart body or URL)"; break;
      default: message = absl::StrCat("HTTP status ", res.status);
    }
    SendJson(res, res.status, {{"error", {{"code", res.status}, {"status", "HTTP"}, {"message", message}}}});
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = x.what();
    } catch (...) {
    }
    LOG(ERROR) << "serve: a handler threw: " << what;
    SendError(res, absl::InternalError(absl::StrCat("internal error: ", what)));
  });

  using Body = std::function<absl::StatusOr<Json>(const httplib::Request&)>;
  // The face API's handlers: the service's answer, or the error's JSON.
  auto api = [&s](Body body) {
    return [&s, body](const httplib::Request& req, httplib::Response& res) {
      if (s.service == nullptr) {
        SendError(res, absl::NotFoundError("the server was started without the face API (--face_api=false)"));
        return;
      }
      absl::StatusOr<Json> answer = body(req);
      if (answer.ok()) SendJson(res, 200, *answer);
      else SendError(res, answer.status());
    };
  };
  auto deadline = [&s] { return absl::Now() + s.options.request_timeout; };

  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { SendJson(res, 200, {{"status", "ok"}}); });
  http.Get("/v1/models", api([&s](const httplib::Request&) { return s.service->Models(); }));
  http.Get("/v1/people", api([&s](const httplib::Request&) { return s.service->People(); }));
  http.Post("/v1/detect", api([&s, deadline](const httplib::Request& req) -> absl::StatusOr<Json> {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<RequestPhoto> photos, s.Photos(req));
    return s.service->Detect(photos, deadline());
  }));
  http.Post("/v1/identify", api([&s, deadline](const httplib::Request& req) -> absl::StatusOr<Json> {
    FACEREC_ASSIGN_OR_RETURN(const double far, s.Far(req));
    FACEREC_ASSIGN_OR_RETURN(const std::vector<RequestPhoto> photos, s.Photos(req));
    return s.service->Identify(photos, far, deadline());
  }));
  http.Post("/v1/verify", api([&s, deadline](const httplib::Request& req) -> absl::StatusOr<Json> {
    FACEREC_ASSIGN_OR_RETURN(const double far, s.Far(req));
    FACEREC_ASSIGN_OR_RETURN(const std::vector<RequestPhoto> photos, s.Photos(req));
    return s.service->Verify(photos, far, deadline());
  }));
  http.Post("/v1/embed", api([&s, deadline](const httplib::Request& req) -> absl::StatusOr<Json> {
    FACEREC_ASSIGN_OR_RETURN(const std::vector<RequestPhoto> photos, s.Photos(req));
    return s.service->Embed(photos, deadline());
  }));
  http.Post("/v1/people/([^/]+)/photos", api([&s, deadline](const httplib::Request& req) -> absl::StatusOr<Json> {
    FACEREC_RETURN_IF_ERROR(GalleryDatabase::CheckName(req.matches[1].str()));
    FACEREC_ASSIGN_OR_RETURN(const std::vector<RequestPhoto> photos, s.Photos(req));
    return s.service->Enroll(req.matches[1].str(), photos, deadline());
  }));
  http.Delete("/v1/people/([^/]+)", api([&s](const httplib::Request& req) -> absl::StatusOr<Json> {
    FACEREC_RETURN_IF_ERROR(GalleryDatabase::CheckName(req.matches[1].str()));
    return s.service->DeletePerson(req.matches[1].str());
  }));
  http.Delete("/v1/people/([^/]+)/photos/([^/]+)", api([&s](const httplib::Request& req) -> absl::StatusOr<Json> {
    FACEREC_RETURN_IF_ERROR(GalleryDatabase::CheckName(req.matches[1].str()));
    int64_t id;
    if (!absl::SimpleAtoi(req.matches[2].str(), &id)) {
      return absl::InvalidArgumentError(absl::StrCat("photo id \"", req.matches[2].str().substr(0, 40),
                                                     "\": not a number"));
    }
    return s.service->DeletePhoto(req.matches[1].str(), id);
  }));
  http.Patch("/v1/people/([^/]+)", api([&s](const httplib::Request& req) -> absl::StatusOr<Json> {
    FACEREC_RETURN_IF_ERROR(GalleryDatabase::CheckName(req.matches[1].str()));
    const Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
      return absl::InvalidArgumentError("the body is not JSON: send {\"name\": \"<new name>\"}");
    }
    if (!body.is_object() || !body.contains("name") || !body["name"].is_string()) {
      return absl::InvalidArgumentError("the body needs a string field \"name\" (the new name)");
    }
    return s.service->RenamePerson(req.matches[1].str(), body["name"].get<std::string>());
  }));

  // The pages and the dashboard's data.
  auto page = [](const char* html) {
    return [html](const httplib::Request&, httplib::Response& res) { res.set_content(html, "text/html; charset=utf-8"); };
  };
  http.Get("/faces", page(page::kFacesHtml));
  // Browsers ask for it on every page; a 404 would show as a console error.
  http.Get("/favicon.ico", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  http.Get("/static/faces.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(page::kFacesJs, "text/javascript; charset=utf-8");
  });
  http.Get("/static/faces.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(page::kFacesCss, "text/css; charset=utf-8");
  });
  auto dashboard = [&s](std::function<absl::StatusOr<std::string>(const httplib::Request&)> body, const char* type) {
    return [&s, body, type](const httplib::Request& req, httplib::Response& res) {
      if (s.dashboard == nullptr) {
        SendError(res, absl::NotFoundError("the server was started without an experiment store (--db)"));
        return;
      }
      absl::StatusOr<std::string> answer = body(req);
      if (answer.ok()) res.set_content(*answer, type);
      else SendError(res, answer.status());
    };
  };
  http.Get("/", dashboard([&s](const httplib::Request&) -> absl::StatusOr<std::string> { return s.dashboard_html; },
                          "text/html; charset=utf-8"));
  http.Get("/api/version", dashboard([&s](const httplib::Request&) -> absl::StatusOr<std::string> {
    FACEREC_ASSIGN_OR_RETURN(const std::string version, s.dashboard->Version());
    return Json{{"version", version}}.dump();
  }, "application/json"));
  http.Get("/api/models.json", dashboard([&s](const httplib::Request&) { return s.dashboard->ModelsJson(); },
                                         "application/json"));
  http.Get("/api/report.json", dashboard([&s](const httplib::Request& req) -> absl::StatusOr<std::string> {
    report::RunSelection selection;
    selection.limit = 100;
    if (req.has_param("limit") && (!absl::SimpleAtoi(req.get_param_value("limit"), &selection.limit) ||
                                   selection.limit < 1 || selection.limit > 100000)) {
      return absl::InvalidArgumentError("limit: a number of runs from 1 to 100000");
    }
    if (req.has_param("experiment")) selection.experiment = req.get_param_value("experiment");
    if (req.has_param("comparison")) selection.comparison = req.get_param_value("comparison");
    if (req.has_param("sweep")) selection.sweep = req.get_param_value("sweep");
    if (req.has_param("runs")) {
      selection.runs = absl::StrSplit(req.get_param_value("runs"), ',', absl::SkipEmpty());
    }
    return s.dashboard->ReportJson(selection, s.options.max_points_per_series);
  }, "application/json"));
}

absl::StatusOr<int> HttpServer::Bind() {
  State& s = *state_;
  if (s.options.port == 0) {
    const int port = s.server.bind_to_any_port(s.options.bind);
    if (port < 0) return absl::UnavailableError(absl::StrCat("cannot bind ", s.options.bind, " to any port"));
    return port;
  }
  if (!s.server.bind_to_port(s.options.bind, s.options.port)) {
    return absl::UnavailableError(absl::StrCat("cannot bind ", s.options.bind, ":", s.options.port,
                                               " (in use? another --port, or --bind)"));
  }
  return s.options.port;
}

absl::Status HttpServer::Serve() {
  if (!state_->server.listen_after_bind()) return absl::InternalError("the server stopped listening with an error");
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (state_ != nullptr && state_->server.is_running()) state_->server.stop();
}

}  // namespace facerec::serve
