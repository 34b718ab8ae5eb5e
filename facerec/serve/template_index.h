// 1:N search over a gallery's templates (unit rows; score = cosine =
// inner product): exact, by one pass over every row, or approximate, by a
// hierarchical navigable small-world graph (hnswlib, Debian's
// libhnswlib-dev; Malkov & Yashunin 2018) for galleries where the exact pass
// takes too long (benchmarks/README.md, "Gallery search": exact search's
// time grows with the gallery, HNSW's with its logarithm).
//
//   std::vector<TemplateMatch> best = ExactSearch(rows, n, dim, query, /*k=*/1);
//   HnswOptions options;                                  // M 16, ef 64
//   FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<HnswIndex> index, HnswIndex::Build(rows, n, dim, options));
//   std::vector<TemplateMatch> near = index->Search(query, 1);
//
// Why hnswlib rather than FAISS (libfaiss-dev): header-only, so it brings no
// second BLAS or OpenMP runtime into a process that has LibTorch's, and
// its graph is what FAISS's IndexHNSWFlat builds too.
//
// Thread-safety: ExactSearch is a function of its arguments; an HnswIndex
// may be searched from many threads at once once built (not changed).
#ifndef FACEREC_SERVE_TEMPLATE_INDEX_H_
#define FACEREC_SERVE_TEMPLATE_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec::serve {

struct TemplateMatch {
  int64_t row = -1;    // -1: no rows.
  float score = -1;    // Inner product with the query.
};

// The k best rows of `rows` (n × dim, row-major) for `query` (dim), by
// falling score; fewer when n < k.
std::vector<TemplateMatch> ExactSearch(const float* rows, size_t n, int dim, const float* query, int k);

struct HnswOptions {
  // Links per node. Default 16.
  int m = 16;
  // Candidates kept while building. Default 100.
  int ef_construction = 100;
  // Candidates kept while searching (at least k). Default 64.
  int ef_search = 64;
  // Threads that add rows while building (the graph then depends on their
  // interleaving). Default 1: the same rows give the same graph.
  int build_threads = 1;
  // The graph's random levels. Default 100 (hnswlib's).
  uint64_t seed = 100;
};

class HnswIndex {
 public:
  // Copies the rows. InvalidArgumentError for n == 0 or dim < 1 or bad options.
  static absl::StatusOr<std::unique_ptr<HnswIndex>> Build(const float* rows, size_t n, int dim,
                                                          const HnswOptions& options);
  ~HnswIndex();
  std::vector<TemplateMatch> Search(const float* query, int k) const;
  size_t size() const { return size_; }

 private:
  HnswIndex() = default;
  struct Graph;
  std::unique_ptr<Graph> graph_;
  size_t size_ = 0;
  int ef_search_ = 64;
};

}  // namespace facerec::serve

#endif  // FACEREC_SERVE_TEMPLATE_INDEX_H_
