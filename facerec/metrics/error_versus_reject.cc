#include "facerec/metrics/error_versus_reject.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "facerec/metrics/identification_rate.h"
#include "facerec/metrics/unit_rows.h"
#include "glog/logging.h"

namespace facerec::metrics {

std::vector<double> DefaultRejectFractions() {
  std::vector<double> out;
  for (int percent = 0; percent <= 50; percent += 5) out.push_back(percent / 100.0);
  return out;
}

ErrorVersusReject ErrorVersusRejectCurve(const at::Tensor& embeddings, const std::vector<int>& ids,
                                         const std::vector<float>& quality, double target_fmr,
                                         const std::vector<double>& reject_fractions) {
  const int64_t n = embeddings.size(0);
  CHECK_EQ(static_cast<int64_t>(ids.size()), n);
  CHECK_EQ(static_cast<int64_t>(quality.size()), n);
  CHECK(target_fmr >= 0 && target_fmr < 1) << target_fmr;
  const torch::Tensor unit = UnitRows(embeddings.to(torch::kCPU, torch::kFloat)).contiguous();
  const torch::Tensor similarity = torch::matmul(unit, unit.t()).contiguous();
  const float* s = similarity.data_ptr<float>();
  struct Genuine {
    float score;
    float quality;
  };
  std::vector<Genuine> genuine;
  std::vector<float> impostors;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      const float score = s[i * n + j];
      if (ids[i] == ids[j]) {
        genuine.push_back({score, std::min(quality[i], quality[j])});
      } else {
        impostors.push_back(score);
      }
    }
  }
  ErrorVersusReject out;
  out.genuine_pairs = static_cast<int64_t>(genuine.size());
  out.impostor_pairs = static_cast<int64_t>(impostors.size());
  if (genuine.empty() || impostors.empty()) return out;
  // The identification rate's convention: floor(fmr * impostors) impostors
  // strictly above the threshold (its TPR is not this curve's: no rejection).
  out.threshold = TprAtFprSorted({}, std::move(impostors), {target_fmr})[0].threshold;
  // Lowest pair quality first; among equal qualities the input order, so a
  // constant quality rejects pairs in a fixed order.
  std::stable_sort(genuine.begin(), genuine.end(),
                   [](const Genuine& a, const Genuine& b) { return a.quality < b.quality; });
  // failures_from[i]: genuine pairs i.. that do not clear the threshold.
  std::vector<int64_t> failures_from(genuine.size() + 1, 0);
  for (int64_t i = static_cast<int64_t>(genuine.size()) - 1; i >= 0; --i) {
    failures_from[i] = failures_from[i + 1] + (genuine[i].score > out.threshold ? 0 : 1);
  }
  for (double fraction : reject_fractions) {
    CHECK(fraction >= 0 && fraction < 1) << fraction;
    const auto rejected = static_cast<int64_t>(std::floor(fraction * static_cast<double>(genuine.size()) + 1e-9));
    RejectPoint p;
    p.reject_fraction = fraction;
    p.genuine_kept = out.genuine_pairs - rejected;
    p.fnmr = p.genuine_kept > 0 ? static_cast<double>(failures_from[rejected]) / static_cast<double>(p.genuine_kept)
                                : 0;
    out.points.push_back(p);
  }
  return out;
}

}  // namespace facerec::metrics
