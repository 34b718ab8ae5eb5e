// The face API and the dashboard's data over real HTTP on loopback, with the
// shipped models and real LFW photos: every endpoint, keys, bad input (each
// a JSON error; the server keeps serving and the gallery is unchanged), the
// approximate index forced on at 10,000 people, two servers on one gallery.
#include <zlib.h>

#include <opencv2/imgcodecs.hpp>
#include <random>

#include "facerec/serve/http_server.h"
#include "facerec/tracking/sqlite.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/serve/serving.h"
#include "tests/testing/test_data.h"

namespace facerec {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;
using testing::LfwPhoto;
using testing::Multipart;
using testing::Serving;
using testing::ServingOptions;

Json Body(const httplib::Result& r) {
  EXPECT_TRUE(r) << "no answer: " << httplib::to_string(r.error());
  if (!r) return Json();
  Json j = Json::parse(r->body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r->body.substr(0, 200);
  return j;
}

// A real PNG of 30000 x 30000 one-bit grey pixels, all black: about 110 KB
// that would decode to 900 megapixels (OpenCV's own limit is 2^30 pixels).
std::string PngBomb() {
  const uint32_t side = 30000;
  const size_t row = 1 + side / 8;  // Filter byte, then the bits.
  std::string raw(row * side, '\0');
  uLongf size = compressBound(raw.size());
  std::string deflated(size, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(deflated.data()), &size,
                      reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 9), Z_OK);
  deflated.resize(size);
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  auto chunk = [&](const std::string& type, const std::string& data) {
    const std::string body = type + data;
    return be32(data.size()) + body +
           be32(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size()));
  };
  const std::string ihdr = be32(side) + be32(side) + std::string{1, 0, 0, 0, 0};  // Depth 1, grey.
  return std::string("\x89PNG\r\n\x1A\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", deflated) + chunk("IEND", "");
}

std::string EncodedBlank(int width, int height) {
  std::vector<uchar> png;
  cv::imencode(".png", cv::Mat(height, width, CV_8UC3, cv::Scalar(200, 200, 200)), png);
  return std::string(png.begin(), png.end());
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(ServingOptions options = {}) {
    serving_ = Serving::Start(testing::FreshTempDir("serving"), options);
  }
  httplib::Result Enroll(const std::string& name, const std::vector<std::string>& photos) {
    httplib::Client c = serving_->Client();
    return c.Post(("/v1/people/" + name + "/photos").c_str(), serving_->Headers(), Multipart(photos));
  }
  Json People() {
    httplib::Client c = serving_->Client();
    return Body(c.Get("/v1/people", serving_->Headers()));
  }
  std::unique_ptr<Serving> serving_;
};

TEST_F(HttpServerTest, EveryEndpointAnswersOnRealPhotosAndEnrolledPeopleAreNamed) {
  Start();
  httplib::Client c = serving_->Client();
  EXPECT_EQ(Body(c.Get("/healthz"))["status"], "ok");

  const Json models = Body(c.Get("/v1/models", serving_->Headers()));
  EXPECT_EQ(models["embedding_size"], 256);
  EXPECT_EQ(models["recogniser_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(models["inference_workers"], 2);

  // Detect: multipart and raw bytes give the same faces.
  const std::string lagos2 = LfwPhoto("Ricardo_Lagos", 2);
  const Json detected = Body(c.Post("/v1/detect", serving_->Headers(), Multipart({lagos2})));
  ASSERT_EQ(detected["photos"].size(), 1u);
  ASSERT_GE(detected["photos"][0]["faces"].size(), 1u);
  EXPECT_EQ(detected["photos"][0]["width"], 250);
  EXPECT_EQ(detected["photos"][0]["faces"][0]["points"].size(), 5u);
  EXPECT_EQ(Body(c.Post("/v1/detect", serving_->Headers(), lagos2, "image/jpeg"))["photos"], detected["photos"]);

  // Embed: a unit vector per face.
  const Json embedded = Body(c.Post("/v1/embed", serving_->Headers(), Multipart({lagos2})));
  const std::vector<double> e = embedded["photos"][0]["faces"][0]["embedding"];
  ASSERT_EQ(e.size(), 256u);
  double norm = 0;
  for (double v : e) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-4);

  // Enroll two photos of each of two people, then identify a third photo.
  httplib::Result enrolled = Enroll("Ricardo_Lagos", {LfwPhoto("Ricardo_Lagos", 0), LfwPhoto("Ricardo_Lagos", 1)});
  ASSERT_EQ(enrolled->status, 200) << enrolled->body;
  EXPECT_EQ(Body(enrolled)["photo_ids"].size(), 2u);
  ASSERT_EQ(Enroll("Jimmy_Carter", {LfwPhoto("Jimmy_Carter", 0), LfwPhoto("Jimmy_Carter", 1)})->status, 200);
  const Json identified = Body(c.Post("/v1/identify", serving_->Headers(), Multipart({lagos2})));
  EXPECT_EQ(identified["people"], 2);
  EXPECT_EQ(identified["search"], "exact");
  EXPECT_EQ(identified["far"], 1e-3);
  EXPECT_EQ(identified["photos"][0]["faces"][0]["name"], "Ricardo_Lagos") << identified.dump();
  EXPECT_GE(identified["photos"][0]["faces"][0]["similarity"].get<double>(), identified["threshold"].get<double>());
  // A stricter far is a higher threshold.
  const Json strict = Body(c.Post("/v1/identify?far=0.0001", serving_->Headers(), Multipart({lagos2})));
  EXPECT_GE(strict["threshold"].get<double>(), identified["threshold"].get<double>());

  // Verify: the same person, then two people.
  const Json same = Body(c.Post("/v1/verify", serving_->Headers(),
                                Multipart({LfwPhoto("Jimmy_Carter", 2), LfwPhoto("Jimmy_Carter", 0)})));
  EXPECT_TRUE(same["same_person"].get<bool>()) << same.dump();
  const Json other = Body(c.Post("/v1/verify", serving_->Headers(),
                                 Multipart({LfwPhoto("Jimmy_Carter", 2), LfwPhoto("Kate_Winslet", 2)})));
  EXPECT_FALSE(other["same_person"].get<bool>()) << other.dump();
  EXPECT_LT(other["similarity"].get<double>(), same["similarity"].get<double>());

  // People: list, rename (409 onto an existing name), delete a photo, delete a person.
  Json people = People();
  ASSERT_EQ(people["people"].size(), 2u);
  EXPECT_EQ(people["people"][0]["name"], "Jimmy_Carter");
  EXPECT_EQ(people["people"][0]["photos"], 2);
  httplib::Result clash = c.Patch("/v1/people/Jimmy_Carter", serving_->Headers(), R"({"name": "Ricardo_Lagos"})",
                                  "application/json");
  EXPECT_EQ(clash->status, 409);
  EXPECT_THAT(Body(clash)["error"]["message"].get<std::string>(), HasSubstr("exists already"));
  httplib::Result renamed = c.Patch("/v1/people/Jimmy_Carter", serving_->Headers(), R"({"name": "Jimmy Carter"})",
                                    "application/json");
  ASSERT_EQ(renamed->status, 200) << renamed->body;
  const int64_t photo = People()["people"][0]["photo_ids"][0];
  EXPECT_EQ(People()["people"][0]["name"], "Jimmy Carter");
  httplib::Result photo_gone =
      c.Delete(("/v1/people/Jimmy%20Carter/photos/" + std::to_string(photo)).c_str(), serving_->Headers());
  ASSERT_EQ(photo_gone->status, 200) << photo_gone->body;
  EXPECT_FALSE(Body(photo_gone)["person_deleted"].get<bool>());
  EXPECT_EQ(People()["people"][0]["photos"], 1);
  ASSERT_EQ(c.Delete("/v1/people/Ricardo_Lagos", serving_->Headers())->status, 200);
  const Json after = Body(c.Post("/v1/identify", serving_->Headers(), Multipart({lagos2})));
  EXPECT_EQ(after["people"], 1);
  EXPECT_NE(after["photos"][0]["faces"][0]["best"], "Ricardo_Lagos");
}

TEST_F(HttpServerTest, RequestsWithoutAValidKeyGet401AndChangeNothing) {
  Start();
  ASSERT_EQ(Enroll("Jimmy_Carter", {LfwPhoto("Jimmy_Carter", 0)})->status, 200);
  const Json before = People();
  httplib::Client c = serving_->Client();
  const httplib::Headers wrong = {{"x-api-key", "not-the-key-0123456789"}};
  for (const httplib::Headers& headers : {httplib::Headers{}, wrong}) {
    httplib::Result r = c.Post("/v1/people/Jimmy_Carter/photos", headers, Multipart({LfwPhoto("Jimmy_Carter", 1)}));
    EXPECT_EQ(r->status, 401);
    EXPECT_THAT(Body(r)["error"]["message"].get<std::string>(), HasSubstr("key"));
    EXPECT_EQ(c.Delete("/v1/people/Jimmy_Carter", headers)->status, 401);
    EXPECT_EQ(c.Patch("/v1/people/Jimmy_Carter", headers, R"({"name": "x"})", "application/json")->status, 401);
    EXPECT_EQ(c.Post("/v1/identify", headers, Multipart({LfwPhoto("Jimmy_Carter", 2)}))->status, 401);
    EXPECT_EQ(c.Get("/v1/people", headers)->status, 401);
  }
  EXPECT_EQ(People(), before);
}

TEST_F(HttpServerTest, OpenReadOpensOnlyTheRequestsThatDoNotChangeTheGallery) {
  ServingOptions options;
  options.open_read = true;
  Start(options);
  httplib::Client c = serving_->Client();
  EXPECT_EQ(c.Get("/v1/people")->status, 200);
  EXPECT_EQ(c.Post("/v1/identify", Multipart({LfwPhoto("Jimmy_Carter", 2)}))->status, 200);
  EXPECT_EQ(c.Post("/v1/people/Jimmy_Carter/photos", Multipart({LfwPhoto("Jimmy_Carter", 1)}))->status, 401);
  EXPECT_EQ(People()["people"].size(), 0u);
}

TEST_F(HttpServerTest, BadInputGetsAJsonErrorNamingTheProblemAndTheServerKeepsServing) {
  Start();  // At most 4 photos and 4 MiB a request.
  ASSERT_EQ(Enroll("Ricardo_Lagos", {LfwPhoto("Ricardo_Lagos", 0), LfwPhoto("Ricardo_Lagos", 1)})->status, 200);
  const Json before = People();
  const std::string photo = LfwPhoto("Ricardo_Lagos", 2);
  const std::string bomb = PngBomb();
  ASSERT_LT(bomb.size(), 200000u);
  const httplib::Headers key = serving_->Headers();

  struct Case {
    std::string what;
    std::function<httplib::Result(httplib::Client&)> send;
    int status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"not an image", [&](httplib::Client& c) { return c.Post("/v1/identify", key, Multipart({"hello, I am text"})); },
       400, "not a JPEG, PNG, BMP or WebP"},
      {"a truncated JPEG",
       [&](httplib::Client& c) { return c.Post("/v1/identify", key, Multipart({photo.substr(0, photo.size() / 2)})); },
       400, "truncated JPEG"},
      {"an empty body", [&](httplib::Client& c) { return c.Post("/v1/identify", key, "", "image/jpeg"); }, 400,
       "empty body"},
      {"a wrong content type", [&](httplib::Client& c) { return c.Post("/v1/identify", key, photo, "text/plain"); },
       415, "is not a photo"},
      {"no photo field",
       [&](httplib::Client& c) {
         return c.Post("/v1/identify", key, httplib::MultipartFormDataItems{{"picture", photo, "a.jpg", "image/jpeg"}});
       },
       400, "no form field named \"photo\""},
      {"a decompression bomb", [&](httplib::Client& c) { return c.Post("/v1/detect", key, bomb, "image/png"); }, 413,
       "30000x30000 pixels is over the limit"},
      {"too many photos",
       [&](httplib::Client& c) { return c.Post("/v1/detect", key, Multipart({photo, photo, photo, photo, photo})); },
       413, "the limit is 4"},
      {"a body over the limit",
       [&](httplib::Client& c) { return c.Post("/v1/detect", key, std::string(5 << 20, 'x'), "image/jpeg"); }, 413,
       "over the limit of 4194304 bytes"},
      {"malformed JSON",
       [&](httplib::Client& c) { return c.Patch("/v1/people/Ricardo_Lagos", key, "{name: ", "application/json"); },
       400, "not JSON"},
      {"JSON without the new name",
       [&](httplib::Client& c) { return c.Patch("/v1/people/Ricardo_Lagos", key, "[1]", "application/json"); }, 400,
       "string field \"name\""},
      {"a name that climbs out of a folder",
       [&](httplib::Client& c) { return c.Post("/v1/people/../photos", key, Multipart({photo})); }, 400, "not a name"},
      {"a name with a backslash",
       [&](httplib::Client& c) { return c.Post("/v1/people/a%5C..%5Cb/photos", key, Multipart({photo})); }, 400,
       "holds one of"},
      {"a renaming into a path",
       [&](httplib::Client& c) {
         return c.Patch("/v1/people/Ricardo_Lagos", key, R"({"name": "../../etc/passwd"})", "application/json");
       },
       400, "holds one of"},
      {"a name that is not UTF-8",
       [&](httplib::Client& c) { return c.Delete("/v1/people/%FF%FE", key); }, 400, "not valid UTF-8"},
      {"an unknown person", [&](httplib::Client& c) { return c.Delete("/v1/people/Nobody", key); }, 404,
       "no person named \"Nobody\""},
      {"an unknown photo", [&](httplib::Client& c) { return c.Delete("/v1/people/Ricardo_Lagos/photos/999", key); },
       404, "has no photo 999"},
      {"a photo id that is not a number",
       [&](httplib::Client& c) { return c.Delete("/v1/people/Ricardo_Lagos/photos/abc", key); }, 400,
       "not a number"},
      {"a photo without a face to enroll",
       [&](httplib::Client& c) {
         return c.Post("/v1/people/Ricardo_Lagos/photos", key, Multipart({photo, EncodedBlank(640, 480)}));
       },
       400, "photo 2 of 2: no face found; nothing was enrolled"},
      {"one photo to verify", [&](httplib::Client& c) { return c.Post("/v1/verify", key, Multipart({photo})); }, 400,
       "exactly 2 photos"},
      {"a far that is not a number",
       [&](httplib::Client& c) { return c.Post("/v1/identify?far=abc", key, Multipart({photo})); }, 400,
       "a number in (0, 1)"},
      {"a far outside (0, 1)",
       [&](httplib::Client& c) { return c.Post("/v1/identify?far=2", key, Multipart({photo})); }, 400,
       "a number in (0, 1)"},
      {"an unknown path", [&](httplib::Client& c) { return c.Get("/v1/nothing", key); }, 404, "no such path"},
      {"a wrong method", [&](httplib::Client& c) { return c.Get("/v1/identify", key); }, 404, "no such path"},
  };
  for (const Case& bad : cases) {
    httplib::Client c = serving_->Client();
    httplib::Result r = bad.send(c);
    ASSERT_TRUE(r) << bad.what << ": no answer";
    EXPECT_EQ(r->status, bad.status) << bad.what << ": " << r->body;
    const Json error = Json::parse(r->body, nullptr, false);
    ASSERT_FALSE(error.is_discarded()) << bad.what << ": not JSON: " << r->body.substr(0, 200);
    EXPECT_EQ(error["error"]["code"], bad.status) << bad.what;
    EXPECT_THAT(error["error"]["message"].get<std::string>(), HasSubstr(bad.message)) << bad.what;
  }
  // Still serving, and still naming; nothing changed.
  httplib::Client c = serving_->Client();
  EXPECT_EQ(Body(c.Get("/healthz"))["status"], "ok");
  const Json identified = Body(c.Post("/v1/identify", key, Multipart({photo})));
  EXPECT_EQ(identified["photos"][0]["faces"][0]["name"], "Ricardo_Lagos");
  EXPECT_EQ(People(), before);
}

TEST_F(HttpServerTest, TheApproximateIndexForcedOnAt10000PeopleStillNamesThePerson) {
  ServingOptions options;
  options.index = "hnsw";
  Start(options);
  ASSERT_EQ(Enroll("Ricardo_Lagos", {LfwPhoto("Ricardo_Lagos", 0), LfwPhoto("Ricardo_Lagos", 1)})->status, 200);
  {
    // 10,000 others with random unit templates, in one transaction, as another
    // writer of the file would add them.
    auto db = sqlite::Database::Open(serving_->gallery_path.string());
    ASSERT_TRUE(db.ok()) << db.status();
    auto tx = db->BeginImmediate();
    ASSERT_TRUE(tx.ok());
    auto insert = db->Prepare("INSERT INTO person(name, photos, template) VALUES (?, 1, ?)");
    ASSERT_TRUE(insert.ok());
    std::mt19937 random(7);
    std::normal_distribution<float> normal;
    for (int i = 0; i < 10000; ++i) {
      std::vector<float> v(256);
      double n = 0;
      for (float& x : v) {
        x = normal(random);
        n += double{x} * x;
      }
      std::string text;
      for (size_t k = 0; k < v.size(); ++k) text += (k ? "," : "") + std::to_string(v[k] / std::sqrt(n));
      ASSERT_TRUE(insert->Bind(1, "synthetic_" + std::to_string(i)).Bind(2, text).Run().ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }
  httplib::Client c = serving_->Client();
  // The first request after the change is answered by exact search while the
  // graph is built in the background; then the graph answers.
  const Json first = Body(c.Post("/v1/identify", serving_->Headers(), Multipart({LfwPhoto("Ricardo_Lagos", 2)})));
  EXPECT_EQ(first["photos"][0]["faces"][0]["name"], "Ricardo_Lagos");
  Json identified = first;
  for (int i = 0; i < 300 && identified["search"] != "hnsw"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    identified = Body(c.Post("/v1/identify", serving_->Headers(), Multipart({LfwPhoto("Ricardo_Lagos", 2)})));
  }
  EXPECT_EQ(identified["people"], 10001);
  EXPECT_EQ(identified["search"], "hnsw");
  EXPECT_EQ(identified["photos"][0]["faces"][0]["name"], "Ricardo_Lagos") << identified.dump().substr(0, 500);
}

TEST_F(HttpServerTest, TwoServersOnOneGallerySeeEachOthersChangesOnTheirNextRequest) {
  Start();
  ServingOptions second;
  second.gallery = serving_->gallery_path.string();
  second.inference_workers = 1;
  std::unique_ptr<Serving> other = Serving::Start(testing::FreshTempDir("other"), second);
  ASSERT_EQ(Enroll("Jimmy_Carter", {LfwPhoto("Jimmy_Carter", 0)})->status, 200);
  httplib::Client b = other->Client();
  const Json seen = Body(b.Get("/v1/people", other->Headers()));
  ASSERT_EQ(seen["people"].size(), 1u);
  EXPECT_EQ(seen["people"][0]["name"], "Jimmy_Carter");
  const Json named = Body(b.Post("/v1/identify?far=0.01", other->Headers(), Multipart({LfwPhoto("Jimmy_Carter", 2)})));
  EXPECT_EQ(named["photos"][0]["faces"][0]["name"], "Jimmy_Carter");
  ASSERT_EQ(b.Delete("/v1/people/Jimmy_Carter", other->Headers())->status, 200);
  EXPECT_EQ(People()["people"].size(), 0u);
}

TEST_F(HttpServerTest, AGalleryOfAnotherRecogniserIsRefusedNamingBoth) {
  const std::filesystem::path dir = testing::FreshTempDir("foreign");
  {
    auto other = serve::GalleryDatabase::Open((dir / "g.db").string(), std::string(64, 'a'), 256);
    ASSERT_TRUE(other.ok()) << other.status();
  }
  serve::FaceServiceOptions options;
  options.chain = testing::ShippedChain();
  options.inference_workers = 1;
  options.gallery_path = (dir / "g.db").string();
  auto service = serve::FaceService::Create(options, nullptr);
  ASSERT_FALSE(service.ok());
  EXPECT_EQ(service.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(service.status().message()), HasSubstr("aaaaaaaaaaaa"));
  EXPECT_EQ(serve::HttpStatusFor(service.status()), 409);
}

TEST_F(HttpServerTest, TheDashboardsVersionChangesWhenARunLogsAndItsReportHasTheRun) {
  Start();
  httplib::Client c = serving_->Client();
  const std::string before = Body(c.Get("/api/version"))["version"];
  tracking::RunOptions run;
  run.experiment = "compare_losses";
  run.name = "live";
  auto id = serving_->store->StartRun(run);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(serving_->store->LogMetrics(*id, {{"train/loss", 0, 2.5}, {"train/loss", 1, 2.0}}).ok());
  const std::string after = Body(c.Get("/api/version"))["version"];
  EXPECT_NE(before, after);
  const Json report = Body(c.Get("/api/report.json"));
  ASSERT_EQ(report["runs"].size(), 1u);
  EXPECT_EQ(report["runs"][0]["metrics"]["train/loss"].size(), 2u);
  const Json models = Body(c.Get("/api/models.json"));
  EXPECT_EQ(models["models"].size(), 3u);  // The shipped ones.
  httplib::Result page = c.Get("/");
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, HasSubstr("id=\"report-live\""));
  EXPECT_EQ(c.Get("/api/report.json?runs=deadbeefdeadbeef")->status, 404);
}

}  // namespace
}  // namespace facerec
