#include "facerec/metrics/unit_rows.h"

namespace facerec::metrics {

torch::Tensor UnitRows(const torch::Tensor& embeddings) {
  // normalize divides by max(norm, 1e-12): zero rows stay zero.
  return torch::nn::functional::normalize(embeddings.to(torch::kFloat32),
                                          torch::nn::functional::NormalizeFuncOptions().dim(1))
      .cpu()
      .contiguous();
}

}  // namespace facerec::metrics
