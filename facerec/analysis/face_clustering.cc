#include "facerec/analysis/face_clustering.h"

#include <dlib/clustering.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <queue>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "facerec/metrics/unit_rows.h"
#include "glog/logging.h"

namespace facerec::analysis {

KnnGraph BuildKnnGraph(const at::Tensor& embeddings, int k, int block) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = metrics::UnitRows(embeddings.to(torch::kFloat32).cpu()).contiguous();
  const int64_t n = x.size(0);
  KnnGraph graph;
  graph.k = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(k, n - 1)));
  graph.neighbours.resize(static_cast<size_t>(n));
  if (graph.k == 0) return graph;
  // At most ~16M similarities (64 MB) at a time, whatever n is.
  const int64_t rows = std::max<int64_t>(1, std::min<int64_t>(block, (int64_t{1} << 24) / std::max<int64_t>(1, n)));
  for (int64_t start = 0; start < n; start += rows) {
    const int64_t end = std::min(n, start + rows);
    torch::Tensor s = torch::mm(x.slice(0, start, end), x.t());
    // Not yourself: -3 is below every cosine.
    s.index_put_({torch::arange(end - start), torch::arange(start, end)}, -3.0);
    const auto [values, indices] = s.topk(graph.k, /*dim=*/1, /*largest=*/true, /*sorted=*/true);
    const auto v = values.accessor<float, 2>();
    const auto i = indices.accessor<int64_t, 2>();
    for (int64_t r = 0; r < end - start; ++r) {
      auto& list = graph.neighbours[static_cast<size_t>(start + r)];
      list.reserve(static_cast<size_t>(graph.k));
      for (int c = 0; c < graph.k; ++c) list.emplace_back(static_cast<int>(i[r][c]), v[r][c]);
    }
  }
  return graph;
}

const char* ClusterAlgorithmName(ClusterAlgorithm algorithm) {
  return algorithm == ClusterAlgorithm::kChineseWhispers ? "chinese_whispers" : "average_linkage";
}

absl::StatusOr<ClusterAlgorithm> ClusterAlgorithmByName(const std::string& name) {
  if (name == "chinese_whispers") return ClusterAlgorithm::kChineseWhispers;
  if (name == "average_linkage") return ClusterAlgorithm::kAverageLinkage;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown clustering '", name, "'; allowed: average_linkage, chinese_whispers"));
}

namespace {

// Each undirected edge once, (i < j, similarity).
std::vector<std::tuple<int, int, float>> UndirectedEdges(const KnnGraph& graph) {
  std::set<std::pair<int, int>> seen;
  std::vector<std::tuple<int, int, float>> edges;
  for (size_t i = 0; i < graph.size(); ++i) {
    for (const auto& [j, s] : graph.neighbours[i]) {
      const int a = static_cast<int>(i);
      // By value: std::minmax would return references to these temporaries.
      const std::pair<int, int> key(std::min(a, j), std::max(a, j));
      if (seen.insert(key).second) edges.emplace_back(key.first, key.second, s);
    }
  }
  return edges;
}

std::vector<int> ChineseWhispers(const KnnGraph& graph, const ClusterOptions& options) {
  std::vector<dlib::sample_pair> edges;
  for (const auto& [i, j, s] : UndirectedEdges(graph)) {
    if (s >= options.threshold) edges.emplace_back(i, j, s);
  }
  std::vector<unsigned long> labels;
  dlib::rand rnd(std::to_string(options.seed));
  if (!edges.empty()) dlib::chinese_whispers(edges, labels, static_cast<unsigned long>(options.iterations), rnd);
  // Faces past the largest index with an edge have no label: groups of one.
  std::vector<int> groups(graph.size());
  unsigned long next = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
  std::vector<bool> has_edge(graph.size(), false);
  for (const auto& e : edges) has_edge[e.index1()] = has_edge[e.index2()] = true;
  for (size_t i = 0; i < graph.size(); ++i) {
    groups[i] = static_cast<int>(i < labels.size() && has_edge[i] ? labels[i] : next++);
  }
  return groups;
}

// With unit rows, the mean cosine over all pairs of two groups is the dot
// product of their sums over the product of their sizes: exact average
// linkage from O(n·D) sums, no pair matrix. The graph only says which groups
// are candidates (those joined by an edge).
std::vector<int> AverageLinkage(const at::Tensor& unit_rows, const KnnGraph& graph, const ClusterOptions& options) {
  const size_t n = graph.size();
  const torch::Tensor x = unit_rows.to(torch::kFloat64).contiguous();
  const int64_t dim = x.size(1);
  std::vector<std::vector<double>> sum(n, std::vector<double>(static_cast<size_t>(dim)));
  {
    const auto a = x.accessor<double, 2>();
    for (size_t i = 0; i < n; ++i) {
      for (int64_t d = 0; d < dim; ++d) sum[i][d] = a[static_cast<int64_t>(i)][d];
    }
  }
  std::vector<std::unordered_set<int>> adjacent(n);
  for (const auto& [i, j, s] : UndirectedEdges(graph)) {
    adjacent[i].insert(j);
    adjacent[j].insert(i);
  }
  std::vector<int> parent(n), version(n, 0), size(n, 1);
  std::iota(parent.begin(), parent.end(), 0);
  auto linkage = [&](int a, int b) {
    double dot = 0;
    for (int64_t d = 0; d < dim; ++d) dot += sum[a][d] * sum[b][d];
    return dot / (static_cast<double>(size[a]) * size[b]);
  };
  using Entry = std::tuple<double, int, int, int, int>;  // linkage, a, b, a's version, b's version
  std::priority_queue<Entry> queue;
  auto push = [&](int a, int b) {
    const double l = linkage(a, b);
    if (l >= options.threshold) queue.emplace(l, std::min(a, b), std::max(a, b), version[std::min(a, b)], version[std::max(a, b)]);
  };
  for (size_t a = 0; a < n; ++a) {
    for (int b : adjacent[a]) {
      if (static_cast<int>(a) < b) push(static_cast<int>(a), b);
    }
  }
  while (!queue.empty()) {
    const auto [l, a, b, va, vb] = queue.top();
    queue.pop();
    if (parent[a] != a || parent[b] != b || version[a] != va || version[b] != vb) continue;  // Stale.
    // The smaller adjacency moves into the larger: each entry moves once per doubling.
    const int big = adjacent[a].size() >= adjacent[b].size() ? a : b;
    const int small = big == a ? b : a;
    parent[small] = big;
    size[big] += size[small];
    for (int64_t d = 0; d < dim; ++d) sum[big][d] += sum[small][d];
    adjacent[big].erase(small);
    for (int c : adjacent[small]) {
      if (c == big) continue;
      adjacent[big].insert(c);
      adjacent[c].erase(small);
      adjacent[c].insert(big);
    }
    adjacent[small].clear();
    sum[small].clear();
    sum[small].shrink_to_fit();
    ++version[big];
    for (int c : adjacent[big]) push(big, c);
  }
  std::vector<int> groups(n);
  for (size_t i = 0; i < n; ++i) {
    int r = static_cast<int>(i);
    while (parent[r] != r) r = parent[r];
    groups[i] = r;
  }
  return groups;
}

// Raw group ids -> 0, 1, ... by falling size (ties: smallest member), small ones -1.
std::vector<int> Renumber(const std::vector<int>& raw, int min_group_size) {
  std::unordered_map<int, std::pair<int, int>> stats;  // id -> (size, first member)
  for (size_t i = 0; i < raw.size(); ++i) {
    auto [it, inserted] = stats.emplace(raw[i], std::make_pair(0, static_cast<int>(i)));
    ++it->second.first;
  }
  std::vector<std::tuple<int, int, int>> order;  // (-size, first, id)
  for (const auto& [id, s] : stats) {
    if (s.first >= min_group_size) order.emplace_back(-s.first, s.second, id);
  }
  std::sort(order.begin(), order.end());
  std::unordered_map<int, int> number;
  for (size_t r = 0; r < order.size(); ++r) number[std::get<2>(order[r])] = static_cast<int>(r);
  std::vector<int> groups(raw.size(), -1);
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto it = number.find(raw[i]);
    if (it != number.end()) groups[i] = it->second;
  }
  return groups;
}

}  // namespace

std::vector<int> ClusterFaces(const at::Tensor& embeddings, const KnnGraph& graph, const ClusterOptions& options) {
  CHECK_EQ(embeddings.size(0), static_cast<int64_t>(graph.size())) << "one graph node per embedding";
  const std::vector<int> raw = options.algorithm == ClusterAlgorithm::kChineseWhispers
                                   ? ChineseWhispers(graph, options)
                                   : AverageLinkage(metrics::UnitRows(embeddings.cpu()), graph, options);
  return Renumber(raw, std::max(1, options.min_group_size));
}

ClusteringScores ScoreClustering(const std::vector<int>& groups, const std::vector<int>& labels) {
  CHECK_EQ(groups.size(), labels.size());
  ClusteringScores s;
  const int64_t n = static_cast<int64_t>(groups.size());
  // Unassigned faces are groups of one: ids past every real group.
  auto group_of = [&](size_t i) { return groups[i] >= 0 ? int64_t{groups[i]} : n + static_cast<int64_t>(i); };
  std::map<int64_t, int64_t> group_size, label_size;
  std::map<std::pair<int64_t, int>, int64_t> cell;
  std::set<int64_t> groups_with_label;
  int64_t labelled = 0, unassigned = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (labels[i] < 0) continue;
    ++labelled;
    unassigned += groups[i] < 0;
    ++group_size[group_of(i)];
    ++label_size[labels[i]];
    ++cell[{group_of(i), labels[i]}];
    if (groups[i] >= 0) groups_with_label.insert(groups[i]);
  }
  auto pairs = [](int64_t k) { return static_cast<double>(k) * (k - 1) / 2; };
  double same_both = 0, same_group = 0, same_label = 0;
  for (const auto& [key, k] : cell) same_both += pairs(k);
  for (const auto& [g, k] : group_size) same_group += pairs(k);
  for (const auto& [l, k] : label_size) same_label += pairs(k);
  s.pairwise_precision = same_group > 0 ? same_both / same_group : 1;
  s.pairwise_recall = same_label > 0 ? same_both / same_label : 1;
  const double p = s.pairwise_precision, r = s.pairwise_recall;
  s.pairwise_f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
  double bp = 0, br = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (labels[i] < 0) continue;
    const double together = static_cast<double>(cell[{group_of(i), labels[i]}]);
    bp += together / static_cast<double>(group_size[group_of(i)]);
    br += together / static_cast<double>(label_size[labels[i]]);
  }
  if (labelled > 0) {
    s.bcubed_precision = bp / labelled;
    s.bcubed_recall = br / labelled;
  }
  const double q = s.bcubed_precision, t = s.bcubed_recall;
  s.bcubed_f = q + t > 0 ? 2 * q * t / (q + t) : 0;
  s.groups = static_cast<int64_t>(groups_with_label.size());
  s.people = static_cast<int64_t>(label_size.size());
  s.unassigned_share = labelled > 0 ? static_cast<double>(unassigned) / labelled : 0;
  int64_t merged = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (labels[i] >= 0) continue;
    ++s.unlabelled;
    merged += groups[i] >= 0 && groups_with_label.count(groups[i]);
  }
  s.unlabelled_merged_share = s.unlabelled > 0 ? static_cast<double>(merged) / s.unlabelled : 0;
  return s;
}

}  // namespace facerec::analysis
