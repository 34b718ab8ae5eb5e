// main() for Google Benchmark binaries: the same start-up as every facerec
// binary (BLAS kernels, threads, logging), with benchmark flags parsed first
// because they are not gflags.
#include <benchmark/benchmark.h>

#include "facerec/core/process.h"

int main(int argc, char** argv) {
  facerec::PrepareEnvironment(argv);  // Needs the untouched argv.
  benchmark::Initialize(&argc, argv);
  facerec::InitProcess(&argc, &argv, "facerec benchmark");
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
