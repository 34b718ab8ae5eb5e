// Process start-up shared by every facerec binary: flags, logging, threads and
// the BLAS kernel choice.
//
//   int main(int argc, char** argv) {
//     facerec::InitProcess(&argc, &argv, "Trains a model. Usage: train --flagfile=...");
//     ...
//   }
//
// Flags defined here:
//   --threads  intra-op threads for LibTorch and OpenMP; 0 (default) = all cores
//              (or OMP_NUM_THREADS when the user set it).
//
// Three settings only work when they are in the environment before the process
// starts, so InitProcess sets them and re-executes the binary once, before
// anything else runs (benchmarks/README.md has the measurements behind each):
//  - OMP_NUM_THREADS: an OpenMP pool sized at start-up trains faster than
//    one resized by torch::set_num_threads at run time.
//  - OPENBLAS_CORETYPE: Debian's OpenBLAS 0.3.21 does not recognise recent
//    Xeons and falls back to its generic "Prescott" kernels, several times
//    slower than its AVX-512 "SkylakeX" ones.
//  - GOMP_SPINCOUNT (kDefaultSpinCount, unless the user set it or
//    OMP_WAIT_POLICY): how long an OpenMP thread spins at a barrier before it
//    sleeps. With libgomp's default (300,000 spins) a waiting thread burns its
//    core for a peer that another process has descheduled, and a training
//    step beside one busy process ran an order of magnitude slower. A short
//    spin lets the waiting thread give its core up, while the thread count,
//    and so the order of every float sum, stays as started: a run's numbers never depend on what
//    else the machine runs (train/trainer.h). The value was chosen on whole
//    runs alone and beside other processes (benchmarks/README.md, "Training
//    beside another process").
// A value the user or the machine already set is always respected. Setting
// FACEREC_ENV_PREPARED=1 skips the re-exec (to measure without it).
//
// InitProcess also keeps freed memory in the process (ConfigureAllocator).
#ifndef FACEREC_CORE_PROCESS_H_
#define FACEREC_CORE_PROCESS_H_

#include <functional>
#include <string>

#include "absl/status/status.h"

namespace facerec {

// Parses flags (exits on an unknown flag with gflags' message), starts glog,
// sets the BLAS kernel (see above) and the thread count. Call first in main.
void InitProcess(int* argc, char*** argv, const char* usage);

// The same, calling `after_flags` once the command line is parsed and before
// --help is handled, so configuration layers applied there as defaults show
// in --help. An error from it is printed as one line and the process exits
// with status 2.
void InitProcess(int* argc, char*** argv, const char* usage,
                 const std::function<absl::Status()>& after_flags);

// The environment part of InitProcess alone: re-executes the binary with
// OMP_NUM_THREADS, GOMP_SPINCOUNT and OPENBLAS_CORETYPE set when needed (argv must be the
// untouched original). For mains that let another library parse argv first.
void PrepareEnvironment(char** argv);

// Sets LibTorch's intra-op threads; `threads` <= 0 means OMP_NUM_THREADS when
// set, else all cores. Returns the number now in force.
int ConfigureThreads(int threads);

// Makes glibc's malloc keep freed memory for reuse: blocks up to 32 MiB (its
// most) come from the heap instead of their own mmap, and the heap is never
// trimmed. LibTorch frees every activation and gradient at the end of a step
// and allocates them again in the next; with glibc's defaults large blocks go
// back to the kernel and every step faults their pages in again, which is
// slow where page faults are dear (a sandboxed or virtual machine; this one:
// benchmarks/README.md, "Memory allocator"). The price: the process keeps its
// peak heap until it exits. Does nothing, and returns false, when
// GLIBC_TUNABLES sets any glibc.malloc tunable (the user chose). Called by
// InitProcess; thread-compatible (call before starting threads).
bool ConfigureAllocator();

// The GOMP_SPINCOUNT PrepareEnvironment sets when the user chose no policy.
inline constexpr char kDefaultSpinCount[] = "1000";

// The OPENBLAS_CORETYPE this CPU should use when the variable is unset, or ""
// when OpenBLAS' own detection is fine (no AVX-512).
std::string PreferredOpenBlasCoreType();

}  // namespace facerec

#endif  // FACEREC_CORE_PROCESS_H_
