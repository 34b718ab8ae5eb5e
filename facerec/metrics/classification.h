// Closed-set accuracies: classification-head accuracy and nearest-centroid
// accuracy on embeddings (works for every loss, including triplet).
//
//   double acc = Accuracy(logits, labels);
//   torch::Tensor centroids = ClassCentroids(train_embeddings, train_labels, num_classes);
//   double nc = NearestCentroidAccuracy(centroids, val_embeddings, val_labels);
#ifndef FACEREC_METRICS_CLASSIFICATION_H_
#define FACEREC_METRICS_CLASSIFICATION_H_

#include <torch/torch.h>

namespace facerec::metrics {

// Share of rows whose argmax equals the label. logits [N, C], labels [N] int64.
double Accuracy(const torch::Tensor& logits, const torch::Tensor& labels);

// [num_classes, d]: the L2-normalised mean of each class's normalised
// embeddings (zero rows for classes without samples).
torch::Tensor ClassCentroids(const torch::Tensor& embeddings, const torch::Tensor& labels,
                             int64_t num_classes);

// Share of rows whose most cosine-similar centroid is their own class.
double NearestCentroidAccuracy(const torch::Tensor& centroids, const torch::Tensor& embeddings,
                               const torch::Tensor& labels);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_CLASSIFICATION_H_
