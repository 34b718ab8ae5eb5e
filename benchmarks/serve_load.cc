// A bounded load on tools:serve over loopback, as its users load it: N
// clients for S seconds identifying real 640x480 photos (LFW people,
// letterboxed), with enrolments and deletions mixed in (5 % each). Reports
// requests/s, latency percentiles per kind, errors, the server's resident
// memory at the start and the end, whether the gallery holds exactly what
// the clients were told; and, measured in the same run, what the cores
// allow: cores ÷ the chain's single-photo time at one intra-op thread.
// With --crash, it then kills the server with SIGKILL in the middle of a
// stream of enrolments, restarts it on the same gallery and checks that no
// acknowledged photo is missing.
//
//   tools/bazel run //benchmarks:serve_load -- --seconds=60 --clients=8
//   tools/bazel run //benchmarks:serve_load -- --seconds=5 --check --crash   # what the test runs
//
// --check makes any error, a gallery that differs from the acknowledged
// changes, or a lost acknowledged photo exit with status 1.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "facerec/chain/face_chain.h"
#include "facerec/core/child_process.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/process.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/chain_evaluation.h"
#include "gflags/gflags.h"
#include "nlohmann/json.hpp"

DEFINE_int32(seconds, 60, "How long the clients load the server.");
DEFINE_int32(clients, 8, "Concurrent clients, each with its own keep-alive connection.");
DEFINE_int32(people, 20, "LFW people enrolled before the load (two photos each); their third photo is queried.");
DEFINE_int32(single_photo_repeats, 5, "Passes over the query photos when timing the chain alone.");
DEFINE_bool(check, false, "Exit 1 on any error, an inconsistent gallery or a lost acknowledged photo.");
DEFINE_bool(crash, false, "Then kill -9 the server during enrolments and check nothing acknowledged was lost.");
DEFINE_string(data_root, "", "Datasets (FACEREC_DATA when empty).");

namespace facerec {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The workspace whose models/ and tools/serve this run uses: the runfiles
// tree of this binary (bazel run or a test).
std::filesystem::path Runfiles(const char* argv0) {
  if (const char* srcdir = std::getenv("TEST_SRCDIR")) return std::filesystem::path(srcdir) / "facerec";
  if (const char* dir = std::getenv("RUNFILES_DIR")) return std::filesystem::path(dir) / "facerec";
  return std::filesystem::path(std::string(argv0) + ".runfiles") / "facerec";
}

int64_t ResidentKb(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    int64_t kb;
    if (line.rfind("VmRSS:", 0) == 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(6, line.size() - 9)), &kb)) {
      return kb;
    }
  }
  return -1;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

struct Server {
  pid_t pid = -1;
  int port = 0;
};

// tools:serve on a free port, its log in `dir`; waits for its "listening" line.
absl::StatusOr<Server> StartServer(const std::filesystem::path& runfiles, const std::filesystem::path& dir,
                                   int workers) {
  static int starts = 0;
  const std::string log = (dir / absl::StrCat("serve", ++starts, ".log")).string();
  FACEREC_ASSIGN_OR_RETURN(
      const pid_t pid,
      StartChild({(runfiles / "tools" / "serve").string(), "--port=0", "--dashboard=false",
                  "--gallery=" + (dir / "gallery.db").string(), "--db=" + (dir / "results.db").string(),
                  "--api_keys=" + (dir / "keys.txt").string(), absl::StrCat("--inference_workers=", workers)},
                 log));
  for (int i = 0; i < 600; ++i) {
    absl::StatusOr<std::string> text = ReadFileBytes(log);
    const size_t at = text.ok() ? text->find("listening on http://127.0.0.1:") : std::string::npos;
    if (at != std::string::npos) {
      int port;
      const std::string rest = text->substr(at + 30);
      if (absl::SimpleAtoi(rest.substr(0, rest.find('/')), &port)) return Server{pid, port};
    }
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return absl::InternalError(absl::StrCat("tools:serve exited at start: ", text.ok() ? *text : ""));
    }
    usleep(100000);
  }
  kill(pid, SIGKILL);
  return absl::DeadlineExceededError("tools:serve did not start listening within 60 s");
}

httplib::MultipartFormDataItems Photo(const std::string& bytes) {
  return {{"photo", bytes, "photo.jpg", "image/jpeg"}};
}

std::string Jpeg(const cv::Mat& bgr) {
  std::vector<uchar> bytes;
  cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, 92});
  return std::string(bytes.begin(), bytes.end());
}

struct Person {
  std::string name;
  std::vector<std::string> enrol;  // Raw LFW JPEGs.
  std::string query;               // The third photo, letterboxed to 640x480, as JPEG.
  cv::Mat query_bgr;
};

absl::StatusOr<std::vector<Person>> People(const std::filesystem::path& data) {
  const std::filesystem::path lfw = data / "lfw_fold1" / "lfw-deepfunneled";
  std::vector<std::filesystem::path> dirs;
  for (const auto& e : std::filesystem::directory_iterator(lfw)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<Person> people;
  for (const std::filesystem::path& d : dirs) {
    std::vector<std::filesystem::path> photos;
    for (const auto& e : std::filesystem::directory_iterator(d)) photos.push_back(e.path());
    if (photos.size() < 4) continue;
    std::sort(photos.begin(), photos.end());
    Person p;
    p.name = d.filename().string();
    for (int i = 0; i < 2; ++i) {
      FACEREC_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(photos[i].string()));
      p.enrol.push_back(std::move(bytes));
    }
    cv::Mat bgr = cv::imread(photos[2].string(), cv::IMREAD_COLOR), rgb;
    if (bgr.empty()) return absl::DataLossError(absl::StrCat(photos[2].string(), ": unreadable"));
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    p.query_bgr = pipeline::LetterboxTo(rgb, cv::Size(640, 480));  // BGR.
    p.query = Jpeg(p.query_bgr);
    people.push_back(std::move(p));
    if (static_cast<int>(people.size()) == FLAGS_people) break;
  }
  if (people.empty()) return absl::NotFoundError(absl::StrCat(lfw.string(), ": no person with 4 photos"));
  return people;
}

absl::Status Main(const char* argv0) {
  if (FLAGS_seconds < 1 || FLAGS_clients < 1 || FLAGS_people < 1) {
    return absl::InvalidArgumentError("--seconds, --clients, --people: at least 1");
  }
  const std::filesystem::path runfiles = Runfiles(argv0);
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path data, ResolveDataRoot(FLAGS_data_root));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Person> people, People(data));
  const int cores = static_cast<int>(std::thread::hardware_concurrency());

  // What the cores allow: the chain alone, one intra-op thread, same photos.
  chain::FaceChainOptions chain_options;
  chain_options.detector_model = (runfiles / "models" / "facerec-detector.pt").string();
  chain_options.landmark_model = (runfiles / "models" / "facerec-landmarks.pt").string();
  chain_options.embedding_model = (runfiles / "models" / "facerec-arcface.pt").string();
  ConfigureThreads(1);
  cv::setNumThreads(1);  // As tools:serve: one thread per pass, OpenCV's image work included.
  // The chain alone: one at a time (the single-photo time), then one per
  // core side by side (what the machine gives when every core runs a pass;
  // two virtual cores may share one physical core's caches).
  std::vector<std::unique_ptr<chain::FaceChain>> chains;
  for (int i = 0; i < cores; ++i) {
    FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(chain_options));
    chains.push_back(std::move(chain));
  }
  auto one_photo = [&](chain::FaceChain& chain, const Person& p) -> absl::Status {
    cv::Mat decoded =
        cv::imdecode(cv::Mat(1, p.query.size(), CV_8UC1, const_cast<char*>(p.query.data())), cv::IMREAD_COLOR);
    return chain.Process(decoded).status();
  };
  auto single_photo_ms = [&]() -> absl::StatusOr<double> {
    std::vector<double> ms;
    for (int r = 0; r < FLAGS_single_photo_repeats + 1; ++r) {
      for (const Person& p : people) {
        const auto start = Clock::now();
        FACEREC_RETURN_IF_ERROR(one_photo(*chains[0], p));
        if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
    }
    return Percentile(ms, 0.5);
  };
  FACEREC_ASSIGN_OR_RETURN(const double single_before, single_photo_ms());
  double side_by_side_rps = 0;
  {
    std::atomic<int> done{0};
    const auto until = Clock::now() + std::chrono::seconds(std::min(FLAGS_seconds, 10));
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < cores; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; Clock::now() < until; ++i) {
          if (one_photo(*chains[t], people[i % people.size()]).ok()) ++done;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    side_by_side_rps = done / std::chrono::duration<double>(Clock::now() - start).count();
  }

  const std::filesystem::path dir = std::filesystem::temp_directory_path() / absl::StrCat("serve_load_", getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string key = "serve-load-key-0123456789";
  FACEREC_RETURN_IF_ERROR(WriteFileAtomically((dir / "keys.txt").string(), key + "\n"));
  setenv("BUILD_WORKSPACE_DIRECTORY", runfiles.c_str(), 1);  // Where tools:serve finds models/.
  FACEREC_ASSIGN_OR_RETURN(Server server, StartServer(runfiles, dir, cores));
  const httplib::Headers headers = {{"x-api-key", key}};
  auto client = [&] {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server.port);
    c->set_read_timeout(60);
    c->set_keep_alive(true);
    return c;
  };
  {
    auto c = client();
    for (const Person& p : people) {
      httplib::MultipartFormDataItems items;
      for (const std::string& bytes : p.enrol) items.push_back({"photo", bytes, "p.jpg", "image/jpeg"});
      httplib::Result r = c->Post(("/v1/people/" + p.name + "/photos").c_str(), headers, items);
      if (!r || r->status != 200) {
        kill(server.pid, SIGKILL);
        return absl::InternalError(absl::StrCat("enrolling ", p.name, ": ", r ? r->body : "no answer"));
      }
    }
    for (int i = 0; i < 2 * FLAGS_clients; ++i) c->Post("/v1/identify", headers, Photo(people[i % people.size()].query));
  }
  const int64_t rss_start = ResidentKb(server.pid);

  struct Tally {
    std::vector<double> identify, enroll, erase;
    int errors = 0, named_right = 0;
    std::vector<std::string> first_errors;
    std::set<std::string> added;  // Enrolled by this client and not deleted.
  };
  std::vector<Tally> tallies(FLAGS_clients);
  // The load runs in rounds; between rounds the clients pause, the server
  // idles, and the chain alone is timed again. The machine's speed drifts
  // (a shared host), so each round's throughput is compared with the
  // single-photo time next to it, and the report gives the median round.
  const int rounds = std::max(1, std::min(6, FLAGS_seconds / 10));
  std::mutex round_mutex;
  std::condition_variable round_changed;
  int round = 0;             // Guarded by round_mutex; `rounds` ends the load.
  bool paused = false;       // Guarded by round_mutex.
  int in_flight = 0;         // Guarded by round_mutex.
  std::vector<int> identified_in_round(rounds, 0);
  std::atomic<bool> stop{false};
  const auto end = Clock::now() + std::chrono::hours(24);
  std::vector<std::thread> threads;
  const auto load_start = Clock::now();
  for (int t = 0; t < FLAGS_clients; ++t) {
    threads.emplace_back([&, t] {
      Tally& tally = tallies[t];
      std::mt19937 random(1000 + t);
      auto c = client();
      std::vector<std::string> mine;
      int made = 0;
      auto failed = [&](const std::string& what, const httplib::Result& r) {
        ++tally.errors;
        if (tally.first_errors.size() < 3) tally.first_errors.push_back(what + ": " + (r ? r->body.substr(0, 200) : httplib::to_string(r.error())));
      };
      while (Clock::now() < end) {
        int my_round;
        {
          std::unique_lock<std::mutex> lock(round_mutex);
          round_changed.wait(lock, [&] { return !paused || stop; });
          if (stop) break;
          my_round = round;
          ++in_flight;
        }
        struct Leave {
          std::mutex& m;
          std::condition_variable& cv;
          int& n;
          ~Leave() {
            { std::lock_guard<std::mutex> lock(m); --n; }
            cv.notify_all();
          }
        } leave{round_mutex, round_changed, in_flight};
        const double u = std::uniform_real_distribution<>(0, 1)(random);
        const Person& p = people[random() % people.size()];
        const auto start = Clock::now();
        if (u < 0.9 || (u >= 0.95 && mine.empty())) {
          httplib::Result r = c->Post("/v1/identify", headers, Photo(p.query));
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
          if (!r || r->status != 200) { failed("identify", r); continue; }
          tally.identify.push_back(ms);
          {
            std::lock_guard<std::mutex> lock(round_mutex);
            ++identified_in_round[my_round];
          }
          const Json j = Json::parse(r->body, nullptr, false);
          if (!j.is_discarded() && !j["photos"][0]["faces"].empty()) {
            for (const Json& f : j["photos"][0]["faces"]) tally.named_right += f["name"] == p.name;
          }
        } else if (u < 0.95) {
          const std::string name = absl::StrCat("load_", t, "_", made++);
          httplib::Result r = c->Post(("/v1/people/" + name + "/photos").c_str(), headers, Photo(p.enrol[0]));
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
          if (!r || r->status != 200) { failed("enroll", r); continue; }
          tally.enroll.push_back(ms);
          mine.push_back(name);
          tally.added.insert(name);
        } else {
          const std::string name = mine.back();
          httplib::Result r = c->Delete(("/v1/people/" + name).c_str(), headers);
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
          if (!r || r->status != 200) { failed("delete", r); continue; }
          tally.erase.push_back(ms);
          mine.pop_back();
          tally.added.erase(name);
        }
      }
    });
  }
  std::vector<double> round_ratio, round_single_ms;
  double loaded_seconds = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto round_start = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000 * FLAGS_seconds / rounds));
    {
      std::unique_lock<std::mutex> lock(round_mutex);
      paused = true;
      round_changed.wait(lock, [&] { return in_flight == 0; });
    }
    const double round_seconds = std::chrono::duration<double>(Clock::now() - round_start).count();
    loaded_seconds += round_seconds;
    FACEREC_ASSIGN_OR_RETURN(const double single, single_photo_ms());
    round_single_ms.push_back(single);
    round_ratio.push_back((identified_in_round[r] / round_seconds) / (cores * 1000.0 / single));
    {
      std::lock_guard<std::mutex> lock(round_mutex);
      if (r + 1 < rounds) {
        ++round;
        paused = false;
      } else {
        stop = true;
      }
    }
    round_changed.notify_all();
  }
  for (std::thread& t : threads) t.join();
  const double seconds = loaded_seconds;
  (void)load_start;
  const int64_t rss_end = ResidentKb(server.pid);

  Tally all;
  for (const Tally& t : tallies) {
    all.identify.insert(all.identify.end(), t.identify.begin(), t.identify.end());
    all.enroll.insert(all.enroll.end(), t.enroll.begin(), t.enroll.end());
    all.erase.insert(all.erase.end(), t.erase.begin(), t.erase.end());
    all.errors += t.errors;
    all.named_right += t.named_right;
    all.added.insert(t.added.begin(), t.added.end());
    for (const std::string& e : t.first_errors) std::fprintf(stderr, "serve_load: error: %s\n", e.c_str());
  }
  // The gallery must hold the people enrolled first and exactly the clients' acknowledged changes.
  std::set<std::string> expected(all.added);
  for (const Person& p : people) expected.insert(p.name);
  std::set<std::string> listed;
  {
    auto c = client();
    httplib::Result r = c->Get("/v1/people", headers);
    if (r && r->status == 200) {
      const Json answer = Json::parse(r->body);  // Kept: the loop reads into it.
      for (const Json& p : answer["people"]) listed.insert(p["name"].get<std::string>());
    } else {
      std::fprintf(stderr, "serve_load: GET /v1/people: %s\n", r ? r->body.c_str() : httplib::to_string(r.error()).c_str());
    }
  }
  const bool consistent = listed == expected;

  const double single_ms = Percentile(round_single_ms, 0.5);
  const double identify_rps = all.identify.size() / seconds;
  const double photo_rps = (all.identify.size() + all.enroll.size()) / seconds;
  const double allowed_rps = cores * 1000.0 / single_ms;
  std::printf("serve_load: %d clients, %.1f s, %d cores, %zu people enrolled first\n", FLAGS_clients, seconds, cores,
              people.size());
  std::printf("| | value |\n|---|---|\n");
  std::printf("| identify requests/s | %.2f |\n", identify_rps);
  std::printf("| photos through the nets/s (identify + enroll) | %.2f |\n", photo_rps);
  std::printf("| single-photo time, chain alone, 1 intra-op thread (median photo; before the load, then the median round) | %.1f, %.1f ms |\n",
              single_before, single_ms);
  std::printf("| %d chains side by side in one process, no HTTP | %.2f photos/s |\n", cores, side_by_side_rps);
  std::printf("| cores ÷ single-photo time | %.2f photos/s |\n", allowed_rps);
  std::printf("| identify throughput / what the cores allow (median of %d rounds; each round against its own single-photo time) | %.0f %% |\n",
              rounds, 100 * Percentile(round_ratio, 0.5));
  std::printf("| the rounds' ratios | %s |\n", absl::StrJoin(round_ratio, ", ", [](std::string* out, double v) {
                absl::StrAppend(out, absl::StrFormat("%.0f %%", 100 * v));
              }).c_str());
  std::printf("| photo throughput / what the cores allow | %.0f %% |\n", 100 * photo_rps / allowed_rps);
  std::printf("| identify latency p50 / p95 / p99 | %.0f / %.0f / %.0f ms |\n", Percentile(all.identify, 0.5),
              Percentile(all.identify, 0.95), Percentile(all.identify, 0.99));
  std::printf("| enroll latency p50 / p95 (%zu) | %.0f / %.0f ms |\n", all.enroll.size(), Percentile(all.enroll, 0.5),
              Percentile(all.enroll, 0.95));
  std::printf("| delete latency p50 / p95 (%zu) | %.0f / %.0f ms |\n", all.erase.size(), Percentile(all.erase, 0.5),
              Percentile(all.erase, 0.95));
  std::printf("| identify requests that named the photo's person | %d of %zu |\n", all.named_right, all.identify.size());
  std::printf("| errors | %d |\n", all.errors);
  std::printf("| server resident memory, start → end | %.0f → %.0f MB |\n", rss_start / 1024.0, rss_end / 1024.0);
  std::printf("| gallery afterwards | %s (%zu people listed, %zu expected) |\n",
              consistent ? "consistent" : "INCONSISTENT", listed.size(), expected.size());
  std::fflush(stdout);

  bool crash_ok = true;
  if (FLAGS_crash) {
    // Two clients enrol as fast as they can; the server is killed under them.
    std::mutex mutex;
    std::vector<int64_t> acknowledged;
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int t = 0; t < 2; ++t) {
      writers.emplace_back([&, t] {
        auto c = client();
        for (int i = 0; !stop; ++i) {
          httplib::Result r = c->Post(absl::StrCat("/v1/people/crash_", t, "_", i % 5, "/photos").c_str(), headers,
                                      Photo(people[i % people.size()].enrol[1]));
          if (!r || r->status != 200) continue;  // The kill: no answer, nothing acknowledged.
          const Json j = Json::parse(r->body, nullptr, false);
          std::lock_guard<std::mutex> lock(mutex);
          for (const Json& id : j["photo_ids"]) acknowledged.push_back(id.get<int64_t>());
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    kill(server.pid, SIGKILL);
    waitpid(server.pid, nullptr, 0);
    stop = true;
    for (std::thread& t : writers) t.join();
    FACEREC_ASSIGN_OR_RETURN(server, StartServer(runfiles, dir, 1));
    std::set<int64_t> present;
    auto c = client();
    httplib::Result r = c->Get("/v1/people", headers);
    if (r && r->status == 200) {
      const Json answer = Json::parse(r->body);
      for (const Json& p : answer["people"]) {
        for (const Json& id : p["photo_ids"]) present.insert(id.get<int64_t>());
      }
    }
    int lost = 0;
    for (int64_t id : acknowledged) lost += present.count(id) == 0;
    crash_ok = lost == 0 && !acknowledged.empty();
    std::printf("| kill -9 during enrolment | %zu photos acknowledged, %d lost, server restarted on the same gallery |\n",
                acknowledged.size(), lost);
  }
  kill(server.pid, SIGTERM);
  waitpid(server.pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  if (FLAGS_check && (all.errors > 0 || !consistent || !crash_ok || all.identify.empty())) {
    return absl::InternalError(absl::StrCat("--check: ", all.errors, " errors, gallery ",
                                            consistent ? "consistent" : "inconsistent",
                                            crash_ok ? "" : ", an acknowledged photo lost after kill -9"));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  // One intra-op thread, as tools:serve runs its passes.
  setenv("OMP_NUM_THREADS", "1", /*overwrite=*/0);
  facerec::InitProcess(&argc, &argv, "Loads tools:serve on loopback. Usage: serve_load [--seconds=60] [--clients=8]");
  return facerec::ReportToolOutcome("serve_load", facerec::Main(argv[0]));
}
