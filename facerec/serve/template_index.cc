#include "facerec/serve/template_index.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace facerec::serve {
namespace {

// Eight independent partial sums: the compiler turns them into vector lanes
// without being allowed to reassociate one float sum (no -ffast-math).
float Dot(const float* a, const float* b, int dim) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= dim; i += 8) {
    for (int j = 0; j < 8; ++j) s[j] += a[i + j] * b[i + j];
  }
  float total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < dim; ++i) total += a[i] * b[i];
  return total;
}

void KeepBest(std::vector<TemplateMatch>& best, int k, TemplateMatch m) {
  // Scores in falling order; k is small (1 to a few), so insertion is cheapest.
  if (static_cast<int>(best.size()) == k && m.score <= best.back().score) return;
  auto at = std::upper_bound(best.begin(), best.end(), m,
                             [](const TemplateMatch& x, const TemplateMatch& y) { return x.score > y.score; });
  best.insert(at, m);
  if (static_cast<int>(best.size()) > k) best.pop_back();
}

}  // namespace

std::vector<TemplateMatch> ExactSearch(const float* rows, size_t n, int dim, const float* query, int k) {
  std::vector<TemplateMatch> best;
  if (k < 1) return best;
  best.reserve(k + 1);
  for (size_t i = 0; i < n; ++i) {
    KeepBest(best, k, {static_cast<int64_t>(i), Dot(rows + i * dim, query, dim)});
  }
  return best;
}

struct HnswIndex::Graph {
  explicit Graph(int dim) : space(dim) {}
  hnswlib::InnerProductSpace space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;
};

HnswIndex::~HnswIndex() = default;

absl::StatusOr<std::unique_ptr<HnswIndex>> HnswIndex::Build(const float* rows, size_t n, int dim,
                                                            const HnswOptions& options) {
  if (n == 0 || dim < 1) return absl::InvalidArgumentError(absl::StrCat("an index of ", n, " rows of ", dim));
  if (options.m < 2 || options.ef_construction < 1 || options.ef_search < 1 || options.build_threads < 1) {
    return absl::InvalidArgumentError("HNSW options: m >= 2, ef_construction, ef_search and build_threads >= 1");
  }
  std::unique_ptr<HnswIndex> index(new HnswIndex);
  index->graph_ = std::make_unique<Graph>(dim);
  index->graph_->index = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      &index->graph_->space, n, options.m, options.ef_construction, options.seed);
  hnswlib::HierarchicalNSW<float>& graph = *index->graph_->index;
  // The first row alone, then the rest (from several threads when asked):
  // hnswlib's addPoint is safe to call concurrently once the graph has an entry point.
  graph.addPoint(rows, 0);
  std::atomic<size_t> next{1};
  auto add = [&] {
    for (size_t i = next++; i < n; i = next++) graph.addPoint(rows + i * dim, i);
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < options.build_threads; ++t) threads.emplace_back(add);
  add();
  for (std::thread& t : threads) t.join();
  graph.setEf(options.ef_search);
  index->size_ = n;
  index->ef_search_ = options.ef_search;
  return index;
}

std::vector<TemplateMatch> HnswIndex::Search(const float* query, int k) const {
  std::vector<TemplateMatch> best;
  if (k < 1) return best;
  // searchKnn searches with max(ef, k) candidates; ef is set once at build,
  // so concurrent searches change nothing shared.
  auto queue = graph_->index->searchKnn(query, std::min<size_t>(k, size_));
  best.resize(queue.size());
  // The queue's top is the farthest; hnswlib's distance is 1 - inner product.
  for (size_t i = queue.size(); i-- > 0;) {
    best[i] = {static_cast<int64_t>(queue.top().second), 1.0f - queue.top().first};
    queue.pop();
  }
  return best;
}

}  // namespace facerec::serve
