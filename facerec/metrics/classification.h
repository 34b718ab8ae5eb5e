// Closed-set accuracies: classification-head accuracy and nearest-centroid
// accuracy on embeddings (works for every loss, including triplet).
//
//   double acc = Accuracy(logits, labels);
//   torch::Tensor centroids = ClassCentroids(train_embeddings, train_labels, num_classes);
//   double nc = NearestCentroidAccuracy(centroids, val_embeddings, val_labels);
#ifndef FACEREC_METRICS_CLASSIFICATION_H_
#define FACEREC_METRICS_CLASSIFICATION_H_

#include <ATen/core/Tensor.h>

namespace facerec::metrics {

// Share of rows whose argmax equals the label. logits [N, C], labels [N] int64.
double Accuracy(const at::Tensor& logits, const at::Tensor& labels);

// [num_classes, d]: the L2-normalised mean of each class's normalised
// embeddings (zero rows for classes without samples).
at::Tensor ClassCentroids(const at::Tensor& embeddings, const at::Tensor& labels,
                             int64_t num_classes);

// Share of rows whose most cosine-similar centroid is their own class.
double NearestCentroidAccuracy(const at::Tensor& centroids, const at::Tensor& embeddings,
                               const at::Tensor& labels);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_CLASSIFICATION_H_
