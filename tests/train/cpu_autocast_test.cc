// CPU autocast scopes: bfloat16 products inside, float32 outside, the
// previous state restored; the trainer refuses it off the CPU.
#include "facerec/train/cpu_autocast.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "facerec/train/trainer.h"

namespace facerec::train {
namespace {

TEST(CpuAutocastTest, ProductsRunInBfloat16InsideTheScopeAndFloat32Outside) {
  const torch::Tensor a = torch::randn({8, 16}), b = torch::randn({16, 4});
  {
    CpuAutocast bf16(true);
    const torch::Tensor inside = torch::mm(a, b);
    EXPECT_EQ(inside.scalar_type(), torch::kBFloat16);
    // Close to the float32 product, within bfloat16's 8 bits of mantissa.
    EXPECT_TRUE(torch::allclose(inside.to(torch::kFloat32), torch::mm(a.to(torch::kBFloat16), b.to(torch::kBFloat16)).to(torch::kFloat32), 1e-2, 1e-2));
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat32);
  {
    CpuAutocast off(false);
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat32);
  }
}

TEST(CpuAutocastTest, GradientsReachTheFloat32Weights) {
  torch::nn::Linear layer(16, 4);
  const torch::Tensor x = torch::randn({8, 16});
  torch::Tensor y;
  {
    CpuAutocast bf16(true);
    y = layer(x);
  }
  y.to(torch::kFloat32).pow(2).sum().backward();
  ASSERT_TRUE(layer->weight.grad().defined());
  EXPECT_EQ(layer->weight.grad().scalar_type(), torch::kFloat32);
  EXPECT_EQ(layer->weight.scalar_type(), torch::kFloat32);
  EXPECT_GT(layer->weight.grad().abs().sum().item<double>(), 0);
}

TEST(CpuAutocastTest, TheTrainerTakesItOnTheCpuOnly) {
  TrainOptions options;
  options.bf16_autocast = true;
  EXPECT_TRUE(ValidateTrainOptions(options).ok());
  options.device = c10::Device(c10::kCUDA);
  const absl::Status refused = ValidateTrainOptions(options);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("CPU autocast only"), std::string::npos) << refused;
}

}  // namespace
}  // namespace facerec::train
