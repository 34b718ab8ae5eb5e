// 1:N search at 10k, 100k and 1M templates: exact search against HNSW
// (facerec/serve/template_index.h), latency per query and HNSW's recall@1
// against exact search, on real templates plus synthetic ones.
//
//   tools/bazel run //benchmarks:gallery_search -- --sizes=10000,100000,1000000
//
// Real: the shipped recogniser's embeddings of celebA_ir's photos (aligned
// crops). Each query identity's template is the normalised mean of all but
// its last photo; the last photo is the query. Each distractor photo is one
// more real template (another person, never queried). Synthetic people fill the
// gallery up to each size: a Gaussian model of the real embeddings (identity
// centres with the real centres' mean and covariance, photos scattered
// around them with the real within-identity covariance), normalised. Their
// same-identity and different-identity similarity distributions are compared
// with the real ones by the Kolmogorov-Smirnov distance, printed first.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <thread>

#include <torch/torch.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "facerec/chain/face_embedder.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/process.h"
#include "facerec/core/statistics.h"
#include "facerec/core/status_macros.h"
#include "facerec/pipeline/recognition.h"
#include "facerec/serve/template_index.h"
#include "gflags/gflags.h"

DEFINE_string(sizes, "10000,100000,1000000", "Gallery sizes (real templates plus synthetic ones).");
DEFINE_string(recogniser, "models/facerec-arcface.pt", "Recogniser, relative to the workspace.");
DEFINE_string(data_root, "", "Datasets (FACEREC_DATA when empty).");
DEFINE_int32(queries, 300, "Queries timed per size (real photos, cycled).");
DEFINE_int32(ef_search, 64, "HNSW candidates per search.");
DEFINE_int32(build_threads, 2, "Threads building the graph.");
DEFINE_uint64(seed, 1, "Synthetic people.");

namespace facerec {
namespace {

using Clock = std::chrono::steady_clock;

torch::Tensor Normalised(const torch::Tensor& x) { return x / x.norm(2, 1, true).clamp_min(1e-12); }

// x ~ N(mean, cov) rows, by the covariance's eigen-decomposition (clamped at 0:
// with fewer identities than dimensions the centres' covariance is singular).
torch::Tensor Gaussian(const torch::Tensor& mean, const torch::Tensor& cov, int64_t n, torch::Generator& g) {
  auto [values, vectors] = torch::linalg::eigh(cov, "L");
  const torch::Tensor root = vectors * values.clamp_min(0).sqrt().unsqueeze(0);
  return mean.unsqueeze(0) + torch::randn({n, cov.size(0)}, g).matmul(root.t());
}

std::vector<double> PairSimilarities(const torch::Tensor& e, const std::vector<int>& labels, bool same, int limit) {
  std::vector<double> out;
  const torch::Tensor s = e.matmul(e.t());
  auto a = s.accessor<float, 2>();
  for (int64_t i = 0; i < e.size(0) && static_cast<int>(out.size()) < limit; ++i) {
    for (int64_t j = i + 1; j < e.size(0) && static_cast<int>(out.size()) < limit; ++j) {
      if ((labels[i] == labels[j]) == same) out.push_back(a[i][j]);
    }
  }
  return out;
}

absl::Status Main() {
  std::vector<int64_t> sizes;
  for (absl::string_view part : absl::StrSplit(FLAGS_sizes, ',')) {
    int64_t n;
    if (!absl::SimpleAtoi(part, &n) || n < 1) return absl::InvalidArgumentError("--sizes: positive numbers");
    sizes.push_back(n);
  }
  FACEREC_ASSIGN_OR_RETURN(const std::filesystem::path data, ResolveDataRoot(FLAGS_data_root));
  pipeline::RecognitionData d;
  std::vector<std::string> files, annotations;
  FACEREC_RETURN_IF_ERROR(pipeline::LoadCelebaIr(data, 2, &d, &files, &annotations));
  FACEREC_ASSIGN_OR_RETURN(chain::FaceEmbedder embedder,
                           chain::FaceEmbedder::Load(ResolveAgainstWorkspace(FLAGS_recogniser).string()));
  std::vector<torch::Tensor> parts;
  for (size_t i = 0; i < d.queries.size(); i += 128) {
    std::vector<cv::Mat> crops;
    for (size_t j = i; j < std::min(d.queries.size(), i + 128); ++j) crops.push_back(d.queries.image(j));
    parts.push_back(embedder.Embed(crops));
  }
  const torch::Tensor real = torch::cat(parts).to(torch::kFloat32).contiguous();
  const std::vector<int>& labels = d.queries.labels();
  const int dim = static_cast<int>(real.size(1));

  // Templates and queries of the real identities with at least two photos.
  std::map<int, std::vector<int64_t>> by_person;
  for (size_t i = 0; i < labels.size(); ++i) by_person[labels[i]].push_back(i);
  std::vector<torch::Tensor> templates, queries;
  std::vector<torch::Tensor> centres;
  std::vector<torch::Tensor> deviations;
  for (const auto& [person, rows] : by_person) {
    const torch::Tensor e = real.index_select(0, torch::tensor(rows));
    const torch::Tensor centre = e.mean(0);
    centres.push_back(centre);
    deviations.push_back(e - centre);
    if (rows.size() < 2) continue;
    templates.push_back(Normalised(e.slice(0, 0, e.size(0) - 1).mean(0, true)).squeeze(0));
    queries.push_back(e[e.size(0) - 1]);
  }
  // celebA_ir's distractors: one photo each of other people, real templates without a query.
  std::vector<torch::Tensor> others;
  for (size_t i = 0; i < d.distractors.size(); i += 128) {
    std::vector<cv::Mat> crops;
    for (size_t j = i; j < std::min(d.distractors.size(), i + 128); ++j) crops.push_back(d.distractors.image(j));
    others.push_back(embedder.Embed(crops).to(torch::kFloat32));
  }
  const torch::Tensor real_queries = torch::stack(queries);
  const torch::Tensor real_templates = torch::cat({torch::stack(templates), torch::cat(others)});
  const int64_t real_people = real_templates.size(0);

  // The Gaussian model and its fit, judged on similarities.
  const torch::Tensor c = torch::stack(centres), w = torch::cat(deviations);
  const torch::Tensor c_mean = c.mean(0), c_cov = (c - c_mean).t().matmul(c - c_mean) / (c.size(0) - 1);
  const torch::Tensor w_cov = w.t().matmul(w) / (w.size(0) - 1);
  torch::Generator g = at::detail::createCPUGenerator(FLAGS_seed);
  {
    const int64_t people = static_cast<int64_t>(by_person.size());
    const int64_t per = std::max<int64_t>(2, real.size(0) / people);
    const torch::Tensor syn_centres = Gaussian(c_mean, c_cov, people, g);
    const torch::Tensor syn = Normalised(syn_centres.repeat_interleave(per, 0) +
                                         Gaussian(torch::zeros({dim}), w_cov, people * per, g));
    std::vector<int> syn_labels;
    for (int64_t p = 0; p < people; ++p) for (int64_t k = 0; k < per; ++k) syn_labels.push_back(p);
    const int limit = 200000;
    const double ks_same = KolmogorovSmirnovDistance(PairSimilarities(real, labels, true, limit),
                                                     PairSimilarities(syn, syn_labels, true, limit));
    const double ks_other = KolmogorovSmirnovDistance(PairSimilarities(real, labels, false, limit),
                                                      PairSimilarities(syn, syn_labels, false, limit));
    std::printf("gallery_search: %lld real photos of %lld people (celebA_ir queries), %lld real templates (with the distractors); "
                "synthetic model's Kolmogorov-Smirnov distance to the real similarities: same identity %.3f, "
                "different identities %.3f\n",
                static_cast<long long>(real.size(0)), static_cast<long long>(people),
                static_cast<long long>(real_people), ks_same, ks_other);
  }

  std::printf("\n| templates | exact: median ms / query | HNSW: median ms / query | HNSW build s | recall@1 vs exact | "
              "right person at rank 1: exact / HNSW |\n|---|---|---|---|---|---|\n");
  for (const int64_t n : sizes) {
    const int64_t synthetic = std::max<int64_t>(0, n - real_people);
    torch::Tensor gallery = real_templates;
    if (synthetic > 0) {
      // In chunks: a million at once would hold two 1 GB temporaries.
      std::vector<torch::Tensor> chunks = {real_templates};
      for (int64_t done = 0; done < synthetic; done += 100000) {
        const int64_t k = std::min<int64_t>(100000, synthetic - done);
        chunks.push_back(Normalised(Gaussian(c_mean, c_cov, k, g)));
      }
      gallery = torch::cat(chunks);
    }
    gallery = gallery.contiguous();
    const float* rows = gallery.data_ptr<float>();
    const torch::Tensor q = Normalised(real_queries).contiguous();
    serve::HnswOptions options;
    options.ef_search = FLAGS_ef_search;
    options.build_threads = FLAGS_build_threads;
    const auto build_start = Clock::now();
    FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<serve::HnswIndex> index,
                             serve::HnswIndex::Build(rows, gallery.size(0), dim, options));
    const double build_s = std::chrono::duration<double>(Clock::now() - build_start).count();
    std::vector<double> exact_ms, hnsw_ms;
    int agree = 0, exact_right = 0, hnsw_right = 0;
    for (int i = 0; i < FLAGS_queries; ++i) {
      const int64_t row = i % q.size(0);
      const float* query = q.data_ptr<float>() + row * dim;
      auto t0 = Clock::now();
      const serve::TemplateMatch exact = serve::ExactSearch(rows, gallery.size(0), dim, query, 1)[0];
      auto t1 = Clock::now();
      const serve::TemplateMatch near = index->Search(query, 1)[0];
      auto t2 = Clock::now();
      exact_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      hnsw_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
      agree += near.row == exact.row;
      exact_right += exact.row == row;
      hnsw_right += near.row == row;
    }
    std::printf("| %lld | %.2f | %.3f | %.1f | %.3f | %.3f / %.3f |\n", static_cast<long long>(gallery.size(0)),
                Median(exact_ms), Median(hnsw_ms), build_s, static_cast<double>(agree) / FLAGS_queries,
                static_cast<double>(exact_right) / FLAGS_queries, static_cast<double>(hnsw_right) / FLAGS_queries);
    std::fflush(stdout);
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  // One intra-op thread: a query is searched on one core, as the server does.
  setenv("OMP_NUM_THREADS", "1", /*overwrite=*/0);
  facerec::InitProcess(&argc, &argv, "Exact search against HNSW at growing gallery sizes.");
  return facerec::ReportToolOutcome("gallery_search", facerec::Main());
}
