#include "facerec/analysis/duplicates.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <torch/torch.h>

#include "facerec/analysis/image_hash.h"
#include "glog/logging.h"

namespace facerec::analysis {

const char* DuplicateKindName(DuplicateKind kind) {
  return kind == DuplicateKind::kExact ? "exact" : "near";
}

std::vector<DuplicatePair> FindDuplicates(const std::vector<DuplicateEvidence>& images,
                                          const torch::Tensor& unit_embeddings,
                                          const DuplicateOptions& options) {
  const int64_t n = static_cast<int64_t>(images.size());
  torch::Tensor embeddings;
  if (unit_embeddings.defined()) {
    CHECK_EQ(unit_embeddings.dim(), 2);
    CHECK_EQ(unit_embeddings.size(0), n);
    embeddings = unit_embeddings.to(torch::kCPU, torch::kFloat32).contiguous();
  }
  const int64_t d = embeddings.defined() ? embeddings.size(1) : 0;
  const float* e = embeddings.defined() ? embeddings.data_ptr<float>() : nullptr;
  const int loose = std::max(options.max_hamming, options.max_hamming_with_embedding);
  std::vector<uint64_t> hashes(n);
  std::vector<char> hashed(n);
  for (int64_t i = 0; i < n; ++i) {
    hashes[i] = images[i].hash;
    hashed[i] = images[i].decoded;
  }
  std::vector<DuplicatePair> pairs;
  const auto cosine_of = [&](int64_t i, int64_t j) {
    if (e == nullptr) return std::numeric_limits<double>::quiet_NaN();
    double dot = 0;
    for (int64_t k = 0; k < d; ++k) dot += static_cast<double>(e[i * d + k]) * e[j * d + k];
    return dot;
  };
  const auto correlation_of = [&](int64_t i, int64_t j) {
    const std::vector<float>& a = images[i].thumbnail;
    const std::vector<float>& b = images[j].thumbnail;
    if (a.empty() || a.size() != b.size()) return 0.0;
    double dot = 0;
    for (size_t k = 0; k < a.size(); ++k) dot += static_cast<double>(a[k]) * b[k];
    return dot;
  };
  // Exact: by digest, no pair loop.
  std::map<std::string, std::vector<int64_t>> by_digest;
  for (int64_t i = 0; i < n; ++i) {
    if (!images[i].sha256.empty()) by_digest[images[i].sha256].push_back(i);
  }
  for (const auto& [digest, members] : by_digest) {
    for (size_t a = 0; a < members.size(); ++a) {
      for (size_t b = a + 1; b < members.size(); ++b) {
        const int64_t i = members[a], j = members[b];
        const bool both = hashed[i] && hashed[j];
        pairs.push_back({i, j, DuplicateKind::kExact, both ? HammingDistance(hashes[i], hashes[j]) : 64,
                         both ? cosine_of(i, j) : std::numeric_limits<double>::quiet_NaN(),
                         both ? correlation_of(i, j) : 0.0});
      }
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    if (!hashed[i]) continue;
    for (int64_t j = i + 1; j < n; ++j) {
      if (!hashed[j]) continue;
      const int hamming = HammingDistance(hashes[i], hashes[j]);
      if (hamming > loose) continue;
      if (!images[i].sha256.empty() && images[i].sha256 == images[j].sha256) continue;  // Exact, above.
      const double cosine = cosine_of(i, j);
      if (!std::isnan(cosine) && cosine < options.min_cosine) continue;
      if (hamming <= options.max_hamming) {
        pairs.push_back({i, j, DuplicateKind::kNear, hamming, cosine, correlation_of(i, j)});
      } else if (!std::isnan(cosine)) {  // Within the loose bound: thumbnails and embeddings agree.
        const double correlation = correlation_of(i, j);
        if (correlation >= options.min_thumbnail_correlation) {
          pairs.push_back({i, j, DuplicateKind::kNear, hamming, cosine, correlation});
        }
      }
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const DuplicatePair& a, const DuplicatePair& b) {
    return std::make_pair(a.first, a.second) < std::make_pair(b.first, b.second);
  });
  return pairs;
}

}  // namespace facerec::analysis
