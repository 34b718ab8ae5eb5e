#include "facerec/metrics/classification.h"

#include <torch/torch.h>

#include "facerec/metrics/unit_rows.h"
#include "glog/logging.h"

namespace facerec::metrics {

double Accuracy(const torch::Tensor& logits, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  CHECK_EQ(logits.size(0), labels.size(0));
  if (labels.numel() == 0) return 0;
  return logits.argmax(1).eq(labels.to(logits.device())).to(torch::kFloat64).mean().item<double>();
}

torch::Tensor ClassCentroids(const torch::Tensor& embeddings, const torch::Tensor& labels,
                             int64_t num_classes) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = UnitRows(embeddings);
  torch::Tensor sums = torch::zeros({num_classes, x.size(1)}, x.options());
  sums.index_add_(0, labels.to(x.device()).to(torch::kInt64), x);
  return UnitRows(sums);
}

double NearestCentroidAccuracy(const torch::Tensor& centroids, const torch::Tensor& embeddings,
                               const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  const torch::Tensor scores = torch::mm(UnitRows(embeddings), centroids.t());
  return Accuracy(scores, labels);
}

}  // namespace facerec::metrics
