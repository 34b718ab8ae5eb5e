// Embeddings made ready for cosine scores: each row scaled to unit L2 norm,
// as contiguous float32 on the CPU, where the metrics walk the score
// matrices by pointer. Every metric that compares embeddings by cosine
// (identification rate, its bootstrap, nearest-centroid accuracy) starts here.
//
//   const torch::Tensor unit = UnitRows(embeddings);       // [N, d]
//   const torch::Tensor cosines = torch::mm(unit, unit.t());  // [N, N]
//
// Thread-safety: a function of its argument.
#ifndef FACEREC_METRICS_UNIT_ROWS_H_
#define FACEREC_METRICS_UNIT_ROWS_H_

#include <torch/torch.h>

namespace facerec::metrics {

// `embeddings` [N, d], any floating type and device. A zero row stays zero
// (its cosine with anything is 0) rather than becoming NaN.
torch::Tensor UnitRows(const torch::Tensor& embeddings);

}  // namespace facerec::metrics

#endif  // FACEREC_METRICS_UNIT_ROWS_H_
