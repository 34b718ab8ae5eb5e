// Process start-up shared by every facerec binary: flags, logging, threads and
// the BLAS kernel choice.
//
//   int main(int argc, char** argv) {
//     facerec::InitProcess(&argc, &argv, "Trains a model. Usage: train --flagfile=...");
//     ...
//   }
//
// Flags defined here:
//   --threads  intra-op threads for LibTorch and OpenMP; 0 (default) = all cores.
//
// Why the BLAS part exists: Debian's OpenBLAS 0.3.21 does not recognise recent
// Xeons and falls back to its generic "Prescott" kernels, which run a 1024²
// sgemm at ~25 GFLOP/s instead of ~170 with the AVX-512 (SkylakeX) kernels on
// the same 2 cores (docs/performance.md). OpenBLAS reads OPENBLAS_CORETYPE only
// when the library is loaded, so InitProcess sets it and re-executes the binary
// once, before anything else runs. An OPENBLAS_CORETYPE already set by the
// user or the machine is always respected.
#ifndef FACEREC_CORE_PROCESS_H_
#define FACEREC_CORE_PROCESS_H_

#include <string>

namespace facerec {

// Parses flags (exits on an unknown flag with gflags' message), starts glog,
// sets the BLAS kernel (see above) and the thread count. Call first in main.
void InitProcess(int* argc, char*** argv, const char* usage);

// Sets LibTorch's intra-op threads; `threads` <= 0 means all cores. Returns the
// number now in force.
int ConfigureThreads(int threads);

// The OPENBLAS_CORETYPE this CPU should use when the variable is unset, or ""
// when OpenBLAS' own detection is fine (no AVX-512).
std::string PreferredOpenBlasCoreType();

}  // namespace facerec

#endif  // FACEREC_CORE_PROCESS_H_
