// A whole experiment run (loading, training, validation, evaluation,
// embedding) alone and beside another process, under several threading
// environments: what a user's other work costs a run, end to end. Each case
// starts the run as a child process with the variant's environment added,
// beside a busy process in a session of its own or one at the lowest
// priority of its group (tests/testing/competing_process.h), and times it.
//
//   tools/bazel build //experiments:compare_losses
//   tools/bazel run //benchmarks:contention_benchmark -- --benchmark_repetitions=3
//
// --variants lists the environments: "name:VAR=value,VAR=value;name2:..."
// ("name:" alone adds nothing: the binary's defaults). --run_command is the
// run, relative to the workspace root; every case gets a fresh --db and
// --artifacts_dir in a temporary directory, so nothing resumes. The workspace
// root comes from BUILD_WORKSPACE_DIRECTORY (bazel run) or the working directory.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "tests/testing/competing_process.h"

DEFINE_string(run_command,
              "bazel-bin/experiments/compare_losses --losses=arcface --epochs=1 "
              "--validate_every=1 --resume=false",
              "The run to time, relative to the workspace root (built beforehand).");
DEFINE_string(variants, "default:;passive:OMP_WAIT_POLICY=PASSIVE;spin300:GOMP_SPINCOUNT=300",
              "name:VAR=value,...;... environments to add to the run's, one case each.");

namespace facerec {
namespace {

using testing::CompetingProcess;

std::filesystem::path WorkspaceRoot() {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  return workspace != nullptr ? std::filesystem::path(workspace) : std::filesystem::current_path();
}

// Runs `command` through the shell in the workspace root with `environment`
// added, its output to `log`; returns its wall time and CPU time in seconds.
std::pair<double, double> TimedRun(const std::string& command,
                                   const std::vector<std::pair<std::string, std::string>>& environment,
                                   const std::filesystem::path& log) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    for (const auto& [name, value] : environment) setenv(name.c_str(), value.c_str(), 1);
    if (chdir(WorkspaceRoot().c_str()) != 0) _exit(126);
    const std::string redirected = absl::StrCat(command, " >", log.string(), " 2>&1");
    execl("/bin/sh", "sh", "-c", redirected.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  CHECK_EQ(wait4(pid, &status, 0, &usage), pid);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the run failed (status " << status << "); its output: " << log;
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return {wall, seconds(usage.ru_utime) + seconds(usage.ru_stime)};
}

void WholeRun(benchmark::State& state, std::string variant, std::string environment_text,
              CompetingProcess::Kind kind) {
  std::vector<std::pair<std::string, std::string>> environment;
  for (absl::string_view assignment : absl::StrSplit(environment_text, ',', absl::SkipEmpty())) {
    const std::pair<std::string, std::string> kv = absl::StrSplit(assignment, absl::MaxSplits('=', 1));
    environment.push_back(kv);
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("facerec_contention_", getpid());
  double cpu_seconds = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string command = absl::StrCat(FLAGS_run_command, " --db=", (dir / "runs.db").string(),
                                             " --artifacts_dir=", (dir / "artifacts").string());
    CompetingProcess competitor(kind);
    const auto [wall, cpu] = TimedRun(command, environment, dir / "run.log");
    state.SetIterationTime(wall);
    cpu_seconds += cpu;
  }
  std::filesystem::remove_all(dir);
  state.counters["cpu_s"] = cpu_seconds / state.iterations();
  state.SetLabel(variant);
}

// Registered at start-up from --variants: 3 competitor kinds per variant.
void RegisterCases() {
  for (absl::string_view entry : absl::StrSplit(FLAGS_variants, ';', absl::SkipEmpty())) {
    const std::pair<std::string, std::string> parts = absl::StrSplit(entry, absl::MaxSplits(':', 1));
    const std::pair<const char*, CompetingProcess::Kind> kinds[] = {
        {"alone", CompetingProcess::kNone},
        {"beside_busy", CompetingProcess::kBusy},
        {"beside_lowest_priority", CompetingProcess::kLowestPriority}};
    for (const auto& [kind_name, kind] : kinds) {
      benchmark::RegisterBenchmark(absl::StrCat("WholeRun/", parts.first, "/", kind_name).c_str(),
                                   WholeRun, parts.first, parts.second, kind)
          ->Iterations(1)
          ->UseManualTime()
          ->Unit(benchmark::kSecond);
    }
  }
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  google::InitGoogleLogging(argv[0]);
  facerec::RegisterCases();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
