// Grouping unlabelled faces into people: a k-nearest-neighbour graph of the
// embeddings (exact, built block by block: O(n·k) memory, never an n×n
// matrix), then one of two graph clusterings, and the scores that compare a
// grouping with labels the clustering never saw.
//
//   KnnGraph graph = BuildKnnGraph(embeddings, /*k=*/20);   // [n, D] unit rows
//   ClusterOptions options;
//   options.algorithm = ClusterAlgorithm::kAverageLinkage;
//   options.threshold = 0.58;                 // e.g. the recogniser's FAR 1e-3 threshold
//   std::vector<int> groups = ClusterFaces(embeddings, graph, options);   // -1: unassigned
//   ClusteringScores s = ScoreClustering(groups, labels);       // pairwise F1, BCubed F, ...
//
// The algorithms (only edges at or above the similarity threshold count):
//   chinese_whispers  dlib's Chinese whispers (Biemann 2006): every face takes
//                     the label with the largest summed edge weight among its
//                     neighbours, for a number of passes in random order.
//                     Linear, no parameter but the threshold; tends to chain.
//   average_linkage   agglomerative clustering: repeatedly merge the two groups
//                     with the highest average cosine over all their pairs of
//                     faces, while it is at least the threshold. Exact, in
//                     O(n·D) memory: with unit embeddings the average over all
//                     pairs is the dot product of the two groups' sums over
//                     the product of their sizes. Only groups joined by a graph
//                     edge are candidates (the graph keeps it near-linear).
//                     An average over the graph's edges alone (what a
//                     connectivity-constrained scikit-learn clustering does)
//                     would see only each face's most similar others and merge
//                     look-alike strangers.
// Groups smaller than min_group_size are left unassigned: one photo of a
// person is not yet a group.
//
// Thread-safety: functions of their arguments.
#ifndef FACEREC_ANALYSIS_FACE_CLUSTERING_H_
#define FACEREC_ANALYSIS_FACE_CLUSTERING_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec::analysis {

// Each face's k most similar other faces, most similar first.
struct KnnGraph {
  int k = 0;
  std::vector<std::vector<std::pair<int, float>>> neighbours;  // [n][<= k] (index, cosine)
  size_t size() const { return neighbours.size(); }
};

// Exact k-NN by cosine (rows are normalised here), `block` rows against all
// at a time: memory O(n·k + block·n). k is clipped to n - 1.
KnnGraph BuildKnnGraph(const at::Tensor& embeddings, int k, int block = 1024);

enum class ClusterAlgorithm { kChineseWhispers, kAverageLinkage };
const char* ClusterAlgorithmName(ClusterAlgorithm algorithm);
// "chinese_whispers" or "average_linkage"; InvalidArgument listing both.
absl::StatusOr<ClusterAlgorithm> ClusterAlgorithmByName(const std::string& name);

struct ClusterOptions {
  ClusterAlgorithm algorithm = ClusterAlgorithm::kAverageLinkage;  // Default average_linkage.
  double threshold = 0.5;   // Cosine similarity an edge (or a merge) needs. Default 0.5.
  int min_group_size = 2;   // Smaller groups are unassigned. Default 2.
  int iterations = 100;     // Chinese whispers' passes. Default 100.
  uint64_t seed = 1;        // Chinese whispers' visiting order. Default 1.
};

// A group per face, numbered 0, 1, ... by falling size (ties: by the
// smallest face index), or -1 for unassigned. `graph` is
// BuildKnnGraph(embeddings, k); embeddings [n, D] (normalised here).
std::vector<int> ClusterFaces(const at::Tensor& embeddings, const KnnGraph& graph, const ClusterOptions& options);

struct ClusteringScores {
  // Over the labelled faces (label >= 0), each unassigned face a group of one.
  double pairwise_precision = 0, pairwise_recall = 0, pairwise_f1 = 0;
  double bcubed_precision = 0, bcubed_recall = 0, bcubed_f = 0;
  int64_t groups = 0;        // Groups holding a labelled face.
  int64_t people = 0;        // Distinct labels.
  double unassigned_share = 0;  // Of the labelled faces.
  // Unlabelled faces (label -1, e.g. distractors): the share of them put in
  // a group with a labelled face.
  int64_t unlabelled = 0;
  double unlabelled_merged_share = 0;
};

// `groups` from ClusterFaces, `labels` the truth (-1: unlabelled). Sizes must match.
ClusteringScores ScoreClustering(const std::vector<int>& groups, const std::vector<int>& labels);

}  // namespace facerec::analysis

#endif  // FACEREC_ANALYSIS_FACE_CLUSTERING_H_
