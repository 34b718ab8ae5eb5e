#include "facerec/metrics/classification.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace facerec::metrics {
namespace {

TEST(ClassificationTest, AccuracyCountsArgmaxHits) {
  const torch::Tensor logits = torch::tensor({{0.1f, 0.9f}, {0.8f, 0.2f}, {0.3f, 0.7f}});
  EXPECT_DOUBLE_EQ(Accuracy(logits, torch::tensor({1, 0, 0}, torch::kInt64)), 2.0 / 3);
}

TEST(ClassificationTest, NearestCentroidMatchesBruteForce) {
  torch::manual_seed(3);
  const torch::Tensor train = torch::randn({40, 5});
  const torch::Tensor train_labels = torch::randint(4, {40}, torch::kInt64);
  const torch::Tensor test = torch::randn({30, 5});
  const torch::Tensor test_labels = torch::randint(4, {30}, torch::kInt64);
  const torch::Tensor centroids = ClassCentroids(train, train_labels, 4);
  int correct = 0;
  for (int64_t i = 0; i < 30; ++i) {
    double best = -1e9;
    int64_t arg = -1;
    for (int64_t c = 0; c < 4; ++c) {
      torch::Tensor sum = torch::zeros({5});
      for (int64_t j = 0; j < 40; ++j) {
        if (train_labels[j].item<int64_t>() == c) sum += train[j] / train[j].norm();
      }
      const double cos = (test[i].dot(sum) / (test[i].norm() * sum.norm())).item<double>();
      if (cos > best) best = cos, arg = c;
    }
    correct += arg == test_labels[i].item<int64_t>() ? 1 : 0;
  }
  EXPECT_DOUBLE_EQ(NearestCentroidAccuracy(centroids, test, test_labels), correct / 30.0);
}

}  // namespace
}  // namespace facerec::metrics
