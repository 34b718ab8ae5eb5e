#include "facerec/core/process.h"

#include <torch/torch.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <climits>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "facerec/core/environment.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_int32(threads, 0, "Intra-op threads for LibTorch/OpenMP; 0 = all cores.");

namespace facerec {
namespace {

constexpr char kReexecMarker[] = "FACEREC_ENV_PREPARED";

int Cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// --threads as written on the command line (gflags has not parsed it yet).
int ThreadsFromArgv(char** argv) {
  for (int i = 1; argv[i] != nullptr; ++i) {
    const absl::string_view arg = argv[i];
    int value = 0;
    if (absl::StartsWith(arg, "--threads=") &&
        absl::SimpleAtoi(arg.substr(strlen("--threads=")), &value)) {
      return value;
    }
    if ((arg == "--threads" || arg == "-threads") && argv[i + 1] != nullptr &&
        absl::SimpleAtoi(argv[i + 1], &value)) {
      return value;
    }
  }
  return 0;
}

int ThreadsFromEnvironment() {
  const char* value = std::getenv("OMP_NUM_THREADS");
  int threads = 0;
  if (value == nullptr || !absl::SimpleAtoi(value, &threads)) return 0;
  return threads;
}

}  // namespace

void PrepareEnvironment(char** argv) {
  if (std::getenv(kReexecMarker) != nullptr) return;  // Done, or switched off: never loop.
  bool changed = false;
  if (std::getenv("OMP_NUM_THREADS") == nullptr) {
    const int threads = ThreadsFromArgv(argv);
    setenv("OMP_NUM_THREADS", std::to_string(threads > 0 ? threads : Cores()).c_str(), 0);
    changed = true;
  }
  // libgomp reads its waiting policy once, when it loads.
  if (std::getenv("GOMP_SPINCOUNT") == nullptr && std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("GOMP_SPINCOUNT", kDefaultSpinCount, 0);
    changed = true;
  }
  const std::string core_type = PreferredOpenBlasCoreType();
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr && !core_type.empty()) {
    setenv("OPENBLAS_CORETYPE", core_type.c_str(), 0);
    changed = true;
  }
  setenv(kReexecMarker, "1", 1);
  if (!changed) return;
  execv("/proc/self/exe", argv);
  // execv failed: carry on with run-time settings rather than die.
  std::perror("facerec: re-exec to set OMP_NUM_THREADS/GOMP_SPINCOUNT/OPENBLAS_CORETYPE failed");
}

bool ConfigureAllocator() {
  if (const char* tunables = std::getenv("GLIBC_TUNABLES");
      tunables != nullptr && absl::StrContains(tunables, "glibc.malloc.")) {
    return false;
  }
  // glibc refuses a threshold above 32 MiB (HEAP_MAX_SIZE / 2 on 64 bits).
  return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1;
}

std::string PreferredOpenBlasCoreType() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512cd")) {
    return "SkylakeX";
  }
  return "";
}

int ConfigureThreads(int threads) {
  const int from_environment = ThreadsFromEnvironment();
  const int wanted = threads > 0 ? threads : (from_environment > 0 ? from_environment : Cores());
  torch::set_num_threads(wanted);
  return torch::get_num_threads();
}

void InitProcess(int* argc, char*** argv, const char* usage) {
  InitProcess(argc, argv, usage, nullptr);
}

void InitProcess(int* argc, char*** argv, const char* usage,
                 const std::function<absl::Status()>& after_flags) {
  PrepareEnvironment(*argv);
  ConfigureAllocator();
  SetProcessCommandLine(*argc, *argv);
  gflags::SetUsageMessage(usage);
  gflags::ParseCommandLineNonHelpFlags(argc, argv, /*remove_flags=*/true);
  // As a default, not a set value: a flag set by code would look typed on
  // the command line (gflags marks any value off its default as modified),
  // and runs record where each typed value came from (tags origin/<flag>).
  if (gflags::GetCommandLineFlagInfoOrDie("logtostderr").is_default) {
    gflags::SetCommandLineOptionWithMode("logtostderr", "true", gflags::SET_FLAGS_DEFAULT);
  }
  google::InitGoogleLogging((*argv)[0]);
  google::InstallFailureSignalHandler();
  if (after_flags) {
    if (const absl::Status status = after_flags(); !status.ok()) {
      std::fprintf(stderr, "%s: %s\n", gflags::ProgramInvocationShortName(),
                   std::string(status.message()).c_str());
      std::exit(2);
    }
  }
  gflags::HandleCommandLineHelpFlags();
  const int threads = ConfigureThreads(FLAGS_threads);
  const char* blas = std::getenv("OPENBLAS_CORETYPE");
  VLOG(1) << "threads=" << threads << " OPENBLAS_CORETYPE=" << (blas ? blas : "(auto)");
}

}  // namespace facerec
