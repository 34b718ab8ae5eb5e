#include "facerec/core/process.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>

namespace facerec {
namespace {

TEST(ProcessTest, ConfigureThreadsSetsLibTorchThreads) {
  EXPECT_EQ(ConfigureThreads(1), 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  const int all = ConfigureThreads(0);
  EXPECT_GE(all, 1);
  EXPECT_EQ(torch::get_num_threads(), all);
}

TEST(ProcessTest, BlasCoreTypeIsInForceWhenTheCpuWantsOne) {
  // test_main ran InitProcess, which re-executes with OPENBLAS_CORETYPE when
  // the CPU has AVX-512 and nothing set it.
  const std::string preferred = PreferredOpenBlasCoreType();
  if (!preferred.empty()) {
    const char* in_force = std::getenv("OPENBLAS_CORETYPE");
    ASSERT_NE(in_force, nullptr);
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
