#include "facerec/core/process.h"

#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "facerec/core/environment.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_int32(threads, 0, "Intra-op threads for LibTorch/OpenMP; 0 = all cores.");

namespace facerec {
namespace {

constexpr char kReexecMarker[] = "FACEREC_BLAS_REEXEC";

// Re-executes the binary with OPENBLAS_CORETYPE set when it is unset and this
// CPU has AVX-512. Returns only when no re-exec was needed (or it failed).
void MaybeReexecForBlas(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  if (std::getenv(kReexecMarker) != nullptr) return;  // Never loop.
  const std::string core_type = PreferredOpenBlasCoreType();
  if (core_type.empty()) return;
  setenv("OPENBLAS_CORETYPE", core_type.c_str(), /*overwrite=*/0);
  setenv(kReexecMarker, "1", /*overwrite=*/1);
  execv("/proc/self/exe", argv);
  // execv failed: carry on with the slow kernels rather than die.
  std::perror("facerec: re-exec for OPENBLAS_CORETYPE failed");
}

}  // namespace

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
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int wanted = threads > 0 ? threads : cores;
  torch::set_num_threads(wanted);
  return torch::get_num_threads();
}

void InitProcess(int* argc, char*** argv, const char* usage) {
  MaybeReexecForBlas(*argv);
  SetProcessCommandLine(*argc, *argv);
  gflags::SetUsageMessage(usage);
  gflags::ParseCommandLineFlags(argc, argv, /*remove_flags=*/true);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging((*argv)[0]);
  google::InstallFailureSignalHandler();
  const int threads = ConfigureThreads(FLAGS_threads);
  const char* blas = std::getenv("OPENBLAS_CORETYPE");
  VLOG(1) << "threads=" << threads << " OPENBLAS_CORETYPE=" << (blas ? blas : "(auto)");
}

}  // namespace facerec
