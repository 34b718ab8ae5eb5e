#include "facerec/core/process.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace facerec {
namespace {

TEST(ProcessTest, ConfigureThreadsSetsLibTorchThreads) {
  const int before = torch::get_num_threads();
  EXPECT_EQ(ConfigureThreads(1), 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  // 0 means OMP_NUM_THREADS (set at start-up), i.e. what was in force.
  EXPECT_EQ(ConfigureThreads(0), before);
}

TEST(ProcessTest, StartupEnvironmentIsInForce) {
  // test_main ran InitProcess, which re-executes with OMP_NUM_THREADS (and
  // OPENBLAS_CORETYPE on AVX-512 CPUs) set when nothing else set them.
  const char* omp = std::getenv("OMP_NUM_THREADS");
  ASSERT_NE(omp, nullptr);
  EXPECT_EQ(torch::get_num_threads(), std::atoi(omp));
  if (!PreferredOpenBlasCoreType().empty()) {
    EXPECT_NE(std::getenv("OPENBLAS_CORETYPE"), nullptr);
  }
}

TEST(ProcessTest, OpenMpThreadsSleepAfterAShortSpinUnlessTheUserChoseAPolicy) {
  // Bazel passes neither variable to tests (.bazelrc), so start-up chose the
  // spin count; a user's GOMP_SPINCOUNT or OMP_WAIT_POLICY would be kept.
  ASSERT_EQ(std::getenv("OMP_WAIT_POLICY"), nullptr) << "run under bazel test, which sets none";
  const char* spin = std::getenv("GOMP_SPINCOUNT");
  ASSERT_NE(spin, nullptr);
  EXPECT_STREQ(spin, kDefaultSpinCount);
}

TEST(ProcessTest, LargeBlocksComeFromTheHeapAndStayThereWhenFreed) {
  // test_main ran InitProcess, so ConfigureAllocator is in force: with glibc's
  // defaults an 8 MiB block gets its own mmap and goes back to the kernel on
  // free, so both expectations fail.
  const size_t size = 8 << 20;
  const size_t mapped_before = mallinfo2().hblkhd;
  void* block = std::malloc(size);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, size);
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before);
  std::free(block);
  EXPECT_GE(mallinfo2().fordblks, size);
}

TEST(ProcessTest, ConfigureAllocatorLeavesGlibcAloneWhenTheUserTunesIt) {
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::string saved = before == nullptr ? "" : before;
  setenv("GLIBC_TUNABLES", "glibc.malloc.perturb=0", 1);
  EXPECT_FALSE(ConfigureAllocator());
  if (before == nullptr) {
    unsetenv("GLIBC_TUNABLES");
  } else {
    setenv("GLIBC_TUNABLES", saved.c_str(), 1);
  }
}

TEST(ProcessTest, MatrixProductWithTheChosenKernelsIsCorrect) {
  // Guards the kernel choice: a wrong OpenBLAS core type computes garbage or
  // crashes, so compare float sgemm with a double-precision reference.
  torch::manual_seed(0);
  const torch::Tensor a = torch::randn({257, 300});
  const torch::Tensor b = torch::randn({300, 129});
  const torch::Tensor fast = torch::mm(a, b);
  const torch::Tensor reference = torch::mm(a.to(torch::kFloat64), b.to(torch::kFloat64));
  EXPECT_LT((fast.to(torch::kFloat64) - reference).abs().max().item<double>(), 1e-3);
}

}  // namespace
}  // namespace facerec
