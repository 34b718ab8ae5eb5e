#include "facerec/train/data_parallel.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/strings/match.h"

namespace facerec::train {
namespace {

// A net without BatchNorm, so one process and two shards compute the same
// gradient (BatchNorm's batch statistics are per shard: data_parallel.h).
torch::nn::Sequential SmallNet() {
  torch::manual_seed(3);
  return torch::nn::Sequential(torch::nn::Linear(6, 16), torch::nn::Tanh(), torch::nn::Linear(16, 4));
}

struct Batches {
  std::vector<torch::Tensor> x, y;
};

Batches MakeBatches(int steps, int batch) {
  torch::manual_seed(11);
  Batches b;
  for (int s = 0; s < steps; ++s) {
    b.x.push_back(torch::randn({batch, 6}));
    b.y.push_back(torch::randint(0, 4, {batch}));
  }
  return b;
}

void Step(torch::nn::Sequential& net, torch::optim::SGD& sgd, const torch::Tensor& x, const torch::Tensor& y,
          DataParallel* dp) {
  sgd.zero_grad();
  torch::nn::functional::cross_entropy(net->forward(x), y).backward();
  if (dp != nullptr) {
    ASSERT_TRUE(dp->AverageGradients(net->parameters()).ok());
  }
  sgd.step();
}

std::string FreshPath(const std::string& name) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::filesystem::remove(path);
  return path;
}

// Two ranks as two threads of this process, each with its own process group.
TEST(DataParallelTest, TwoRanksWithHalfBatchesEndWithTheWeightsOfOneProcessWithTheWholeBatch) {
  constexpr int kSteps = 6, kBatch = 8;
  const Batches batches = MakeBatches(kSteps, kBatch);
  torch::nn::Sequential reference = SmallNet();
  torch::optim::SGD reference_sgd(reference->parameters(), torch::optim::SGDOptions(0.5).momentum(0.9));
  for (int s = 0; s < kSteps; ++s) Step(reference, reference_sgd, batches.x[s], batches.y[s], nullptr);

  const std::string rendezvous = FreshPath("dp_equivalence");
  std::vector<torch::nn::Sequential> nets(2);
  std::vector<std::string> errors(2);
  // Made before the ranks start: the two threads share LibTorch's global
  // generator, so a net seeded inside one of them would draw numbers the
  // other thread's initialisation also draws (this test failed that way).
  const torch::nn::Sequential start = SmallNet();
  auto rank_main = [&](int rank) {
    DataParallelOptions options;
    options.world_size = 2;
    options.rank = rank;
    options.rendezvous_file = rendezvous;
    options.timeout_seconds = 60;
    options.bucket_bytes = 200;  // Several buckets, so the bucketing is exercised.
    auto dp = DataParallel::Connect(options);
    if (!dp.ok()) {
      errors[rank] = dp.status().ToString();
      return;
    }
    torch::manual_seed(100 + rank);  // Different starts: Broadcast must make them rank 0's.
    torch::nn::Sequential net(torch::nn::Linear(6, 16), torch::nn::Tanh(), torch::nn::Linear(16, 4));
    if (rank == 0) {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < net->parameters().size(); ++i) net->parameters()[i].copy_(start->parameters()[i]);
    }
    if (absl::Status s = (*dp)->Broadcast(net->parameters()); !s.ok()) {
      errors[rank] = s.ToString();
      return;
    }
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.5).momentum(0.9));
    for (int s = 0; s < kSteps; ++s) {
      auto shard = (*dp)->Shard(kBatch);
      const auto [begin, end] = *shard;
      Step(net, sgd, batches.x[s].slice(0, begin, end), batches.y[s].slice(0, begin, end), dp->get());
    }
    nets[rank] = net;
  };
  std::thread r0(rank_main, 0), r1(rank_main, 1);
  r0.join();
  r1.join();
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  for (int rank = 0; rank < 2; ++rank) {
    const auto got = nets[rank]->parameters();
    const auto want = reference->parameters();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_TRUE(torch::allclose(got[i], want[i], /*rtol=*/1e-5, /*atol=*/1e-6))
          << "rank " << rank << " parameter " << i << " differs by " << (got[i] - want[i]).abs().max().item<double>();
    }
  }
}

TEST(DataParallelTest, ARankThatStopsFailsTheOthersWithAClearErrorInsteadOfHanging) {
  const std::string rendezvous = FreshPath("dp_stopped_rank");
  absl::Status survivor;
  double seconds = 0;
  auto rank_main = [&](int rank) {
    DataParallelOptions options;
    options.world_size = 2;
    options.rank = rank;
    options.rendezvous_file = rendezvous;
    options.timeout_seconds = 5;
    auto dp = DataParallel::Connect(options);
    ASSERT_TRUE(dp.ok()) << dp.status();
    ASSERT_TRUE((*dp)->Barrier().ok());
    if (rank == 1) return;  // Leaves: its process group closes its connections.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    torch::Tensor w = torch::ones({4}, torch::requires_grad());
    (w * 2).sum().backward();
    const auto start = std::chrono::steady_clock::now();
    survivor = (*dp)->AverageGradients({w});
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::thread r0(rank_main, 0), r1(rank_main, 1);
  r1.join();
  r0.join();
  EXPECT_EQ(survivor.code(), absl::StatusCode::kUnavailable) << survivor;
  EXPECT_TRUE(absl::StrContains(survivor.message(), "rank 0 of 2: gradient all-reduce failed")) << survivor;
  EXPECT_LT(seconds, 30) << "waited past its 5 s timeout";
}

TEST(DataParallelTest, ShardsAreEqualAndCoverTheBatch) {
  DataParallelOptions options;  // One rank: no communication, the whole batch.
  auto dp = DataParallel::Connect(options);
  ASSERT_TRUE(dp.ok()) << dp.status();
  EXPECT_EQ(*(*dp)->Shard(8), (std::pair<int64_t, int64_t>{0, 8}));
  torch::Tensor w = torch::ones({3}, torch::requires_grad());
  (w * 3).sum().backward();
  ASSERT_TRUE((*dp)->AverageGradients({w}).ok());
  EXPECT_TRUE(torch::equal(w.grad(), torch::full({3}, 3.0)));
}

TEST(DataParallelTest, RejectsBadOptionsNamingTheField) {
  DataParallelOptions o;
  o.world_size = 2;
  o.rank = 2;
  EXPECT_TRUE(absl::StrContains(ValidateDataParallelOptions(o).message(), "rank=2"));
  o.rank = 0;
  o.master_port = 0;
  EXPECT_TRUE(absl::StrContains(ValidateDataParallelOptions(o).message(), "master_port=0"));
  o.master_port = 29500;
  o.timeout_seconds = 0;
  EXPECT_TRUE(absl::StrContains(ValidateDataParallelOptions(o).message(), "timeout_seconds=0"));
  o.timeout_seconds = 10;
  o.world_size = 0;
  EXPECT_EQ(ValidateDataParallelOptions(o).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facerec::train
