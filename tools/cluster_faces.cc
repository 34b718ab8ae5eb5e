// cluster_faces: sorts the faces of unlabelled photos into people. Every
// face of every photo below --photos (recursively) goes through the chain
// (detect -> five points -> warp -> embed); the faces are grouped without
// labels (analysis/face_clustering.h) and a face that fits no group goes to
// "unassigned".
//
//   tools/bazel run //tools:cluster_faces -- --photos=~/Pictures/party --out=/tmp/party_people
//   tools/bazel run //tools:enroll -- --from_clusters=/tmp/party_people --name=0:ada,3:bob
//
// The similarity two faces of one person need: --threshold, or by default
// the recogniser's threshold at the per-pair false-accept rate --far (as
// tools:identify takes it: its celebA_ir evaluation or the shipped model's
// table). Output in --out:
//   clusters.csv   photo,x,y,w,h,cluster,score: the photo relative to
//                  --photos, the face's box, its group (0 is the largest, or
//                  "unassigned") and its cosine to its group's mean (to the
//                  nearest group's for an unassigned face)
//   sheets/        group_0000.jpg ...: the first --sheet_faces faces of each of
//                  the --sheets largest groups, and unassigned.jpg
//   summary.txt    counts, group sizes, the settings, photos that failed
//   source.txt     the --photos folder (for enroll --from_clusters)
// and a run of experiment cluster_faces in --db, recorded once the output is
// whole (photos unreadable or without a face are counted, not fatal).
#include <torch/torch.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "facerec/analysis/face_clustering.h"
#include "facerec/chain/face_chain.h"
#include "facerec/core/csv.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/process.h"
#include "facerec/core/progress.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/image.h"
#include "facerec/data/person_photos.h"
#include "facerec/metrics/unit_rows.h"
#include "facerec/pipeline/model_choice.h"
#include "facerec/tracking/experiment_names.h"
#include "facerec/tracking/run.h"
#include "gflags/gflags.h"
#include "tools/chain_flags.h"

DEFINE_string(photos, "", "Folder of photos, searched recursively (relative to the workspace).");
DEFINE_string(out, "", "Folder to write clusters.csv, sheets/ and summary.txt to (created).");
DEFINE_string(algorithm, "average_linkage",
              "average_linkage (default: highest pairwise F1 and BCubed F on the labelled sets, "
              "experiments/RESULTS.md) or chinese_whispers (dlib).");
DEFINE_double(far, 1e-3, "Per-pair false-accept rate whose threshold two faces of one group need.");
DEFINE_double(threshold, std::numeric_limits<double>::quiet_NaN(), "Cosine similarity instead of --far.");
DEFINE_int32(k, 20, "Neighbours per face in the graph (memory n * k).");
DEFINE_int32(min_group_size, 2, "Smaller groups go to unassigned.");
DEFINE_int32(sheet_faces, 48, "Faces per contact sheet.");
DEFINE_int32(sheets, 100, "Contact sheets for this many of the largest groups (and unassigned).");

namespace facerec {
namespace {
namespace fs = std::filesystem;

struct Face {
  int photo = 0;  // Index into the photo list.
  data::FaceBox box;
};

// A face's box with a quarter of its size around it, resized into a tile.
cv::Mat Tile(const cv::Mat& bgr, const data::FaceBox& box, const cv::Size& size) {
  const double m = 0.25 * std::max(box.width, box.height);
  const cv::Rect wanted(static_cast<int>(box.x - m), static_cast<int>(box.y - m), static_cast<int>(box.width + 2 * m),
                        static_cast<int>(box.height + 2 * m));
  const cv::Rect inside = wanted & cv::Rect(0, 0, bgr.cols, bgr.rows);
  cv::Mat tile(size, CV_8UC3, cv::Scalar(40, 40, 40));
  if (inside.area() > 0) cv::resize(bgr(inside), tile, size);
  return tile;
}

// The first `limit` faces of `members` on a grid, 8 per row.
absl::Status WriteSheet(const fs::path& path, const std::vector<std::string>& photos, const std::vector<Face>& faces,
                        const std::vector<int>& members, int limit) {
  const cv::Size tile(80, 96);
  const int n = std::min<int>(limit, static_cast<int>(members.size()));
  if (n == 0) return absl::OkStatus();
  const int columns = std::min(8, n), rows = (n + columns - 1) / columns;
  cv::Mat sheet(rows * tile.height, columns * tile.width, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int t = 0; t < n; ++t) {
    const Face& face = faces[members[t]];
    const cv::Mat bgr = cv::imread(photos[face.photo], cv::IMREAD_COLOR);
    if (bgr.empty()) continue;  // Changed since it was read: left blank.
    Tile(bgr, face.box, tile).copyTo(sheet(cv::Rect((t % columns) * tile.width, (t / columns) * tile.height,
                                                    tile.width, tile.height)));
  }
  std::vector<uchar> jpeg;
  if (!cv::imencode(".jpg", sheet, jpeg)) return absl::InternalError("cannot encode a contact sheet");
  return WriteFileAtomically(path.string(), std::string(jpeg.begin(), jpeg.end()));
}

absl::Status Main() {
  if (FLAGS_photos.empty() || FLAGS_out.empty()) {
    return absl::InvalidArgumentError("--photos=DIR and --out=DIR are required");
  }
  FACEREC_ASSIGN_OR_RETURN(const analysis::ClusterAlgorithm algorithm,
                           analysis::ClusterAlgorithmByName(FLAGS_algorithm));
  if (FLAGS_k < 1) return absl::InvalidArgumentError(absl::StrCat("--k=", FLAGS_k, ": must be >= 1"));
  if (FLAGS_min_group_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--min_group_size=", FLAGS_min_group_size, ": must be >= 1"));
  }
  if (!(FLAGS_far > 0 && FLAGS_far < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("--far=", FLAGS_far, ": must be in (0, 1)"));
  }
  const fs::path root = ResolveAgainstWorkspace(FLAGS_photos);
  absl::StatusOr<std::vector<std::string>> listed = data::FindPhotos(root.string());
  if (!listed.ok()) return absl::Status(listed.status().code(), absl::StrCat("--photos: ", listed.status().message()));
  const std::vector<std::string>& photos = *listed;
  if (photos.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--photos=", FLAGS_photos, ": no photos (.jpg, .png, ...) below it"));
  }
  std::unique_ptr<tracking::ExperimentStore> store;
  FACEREC_ASSIGN_OR_RETURN(const chain::FaceChainOptions options, tools::ChainOptionsFromFlags(&store));
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(options));
  if (store == nullptr) {
    FACEREC_ASSIGN_OR_RETURN(store, tools::OpenStoreFromFlags());
  }
  double threshold = FLAGS_threshold;
  std::string threshold_source = "--threshold";
  if (std::isnan(threshold)) {
    absl::StatusOr<double> t =
        pipeline::RecogniserThreshold(*store, chain->embedder().model_sha256(), FLAGS_far);
    if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat("--far=", FLAGS_far, ": ", t.status().message()));
    threshold = *t;
    threshold_source = absl::StrCat("FAR ", FLAGS_far, " of the recogniser");
  }
  const fs::path out = ResolveAgainstWorkspace(FLAGS_out);
  std::error_code error;
  fs::create_directories(out / "sheets", error);
  if (error) return absl::PermissionDeniedError(absl::StrCat("--out: ", (out / "sheets").string(), ": ", error.message()));

  // Every face of every photo. Only embeddings and boxes are kept: memory
  // grows by ~1 KB per face, never by the photos.
  const auto start = std::chrono::steady_clock::now();
  std::vector<Face> faces;
  std::vector<torch::Tensor> embeddings;
  std::vector<std::string> failed;
  int64_t without_face = 0;
  ProgressMeter meter("cluster_faces: faces", static_cast<int64_t>(photos.size()), "photo", 5);
  for (size_t p = 0; p < photos.size(); ++p) {
    absl::StatusOr<cv::Mat> rgb = data::ReadRgbImage(photos[p]);
    absl::StatusOr<std::vector<chain::ChainFace>> found = absl::UnknownError("not read");
    if (!rgb.ok()) {
      found = rgb.status();
    } else {
      cv::Mat bgr;  // The chain takes photos as cv::imread gives them.
      cv::cvtColor(*rgb, bgr, cv::COLOR_RGB2BGR);
      found = chain->Process(bgr);
    }
    if (!found.ok()) {
      failed.push_back(absl::StrCat(fs::path(photos[p]).lexically_relative(root).string(), ": ", found.status().message()));
      std::fprintf(stderr, "cluster_faces: %s\n", failed.back().c_str());
    } else {
      if (found->empty()) ++without_face;
      for (const chain::ChainFace& f : *found) {
        faces.push_back({static_cast<int>(p), f.detection.box});
        embeddings.push_back(f.embedding);
      }
    }
    meter.Update(static_cast<int64_t>(p + 1), absl::StrCat(faces.size(), " faces"));
  }
  meter.Finish();
  if (faces.empty()) return absl::NotFoundError(absl::StrCat("no face found in the ", photos.size(), " photos"));
  const torch::Tensor x = metrics::UnitRows(torch::stack(embeddings));
  embeddings.clear();
  const auto embedded = std::chrono::steady_clock::now();
  const analysis::KnnGraph graph = analysis::BuildKnnGraph(x, FLAGS_k);
  analysis::ClusterOptions cluster;
  cluster.algorithm = algorithm;
  cluster.threshold = threshold;
  cluster.min_group_size = FLAGS_min_group_size;
  const std::vector<int> groups = analysis::ClusterFaces(x, graph, cluster);
  const double cluster_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - embedded).count();

  // Each group's mean, and every face's score against it.
  const int n_groups = groups.empty() ? 0 : *std::max_element(groups.begin(), groups.end()) + 1;
  std::vector<std::vector<int>> members(n_groups + 1);  // Last: unassigned.
  for (size_t i = 0; i < groups.size(); ++i) members[groups[i] >= 0 ? groups[i] : n_groups].push_back(static_cast<int>(i));
  torch::Tensor centroids = torch::zeros({std::max(1, n_groups), x.size(1)});
  for (int g = 0; g < n_groups; ++g) {
    centroids[g] = x.index_select(0, torch::tensor(std::vector<int64_t>(members[g].begin(), members[g].end())))
                       .mean(0);
  }
  centroids = metrics::UnitRows(centroids);
  const torch::Tensor scores = n_groups > 0 ? torch::mm(x, centroids.t()) : torch::zeros({x.size(0), 1});
  std::string csv = "photo,x,y,w,h,cluster,score\n";
  for (size_t i = 0; i < faces.size(); ++i) {
    const Face& f = faces[i];
    const int g = groups[i];
    const double score = n_groups == 0 ? 0 : g >= 0 ? scores[i][g].item<double>() : scores[i].max().item<double>();
    absl::StrAppend(&csv, CsvField(fs::path(photos[f.photo]).lexically_relative(root).generic_string()),
                    absl::StrFormat(",%.0f,%.0f,%.0f,%.0f,%s,%.4f\n", f.box.x, f.box.y, f.box.width, f.box.height,
                                    g >= 0 ? absl::StrCat(g) : "unassigned", score));
  }
  FACEREC_RETURN_IF_ERROR(WriteFileAtomically((out / "clusters.csv").string(), csv));
  FACEREC_RETURN_IF_ERROR(WriteFileAtomically((out / "source.txt").string(), root.string() + "\n"));
  for (int g = 0; g < std::min(n_groups, FLAGS_sheets); ++g) {
    FACEREC_RETURN_IF_ERROR(WriteSheet(out / "sheets" / absl::StrFormat("group_%04d.jpg", g), photos, faces,
                                       members[g], FLAGS_sheet_faces));
  }
  FACEREC_RETURN_IF_ERROR(
      WriteSheet(out / "sheets" / "unassigned.jpg", photos, faces, members[n_groups], FLAGS_sheet_faces));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double unassigned_share = static_cast<double>(members[n_groups].size()) / faces.size();
  std::string summary = absl::StrFormat(
      "photos %d (%d without a face, %d unreadable)\nfaces %d\ngroups %d\nunassigned %d (%.1f%%)\n"
      "algorithm %s, threshold %.4f (%s), k %d, min_group_size %d\nseconds %.1f (grouping %.2f)\n",
      photos.size(), without_face, failed.size(), faces.size(), n_groups, members[n_groups].size(),
      100 * unassigned_share, FLAGS_algorithm, threshold, threshold_source, graph.k, FLAGS_min_group_size, seconds,
      cluster_seconds);
  absl::StrAppend(&summary, "group sizes:");
  for (int g = 0; g < n_groups; ++g) absl::StrAppend(&summary, " ", members[g].size());
  absl::StrAppend(&summary, "\n");
  for (const std::string& f : failed) absl::StrAppend(&summary, "failed: ", f, "\n");
  FACEREC_RETURN_IF_ERROR(WriteFileAtomically((out / "summary.txt").string(), summary));

  // The run, once the output is whole.
  tracking::RunOptions run_options;
  run_options.experiment = tracking::kClusterFaces;
  run_options.name = FLAGS_algorithm;
  run_options.params = {{"algorithm", FLAGS_algorithm},
                        {"threshold", absl::StrCat(threshold)},
                        {"threshold_source", threshold_source},
                        {"k", absl::StrCat(graph.k)},
                        {"min_group_size", absl::StrCat(FLAGS_min_group_size)},
                        {"embedding_model_sha256", chain->embedder().model_sha256()}};
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<tracking::Run> run, tracking::Run::Start(store.get(), run_options));
  for (const auto& [key, value] : std::vector<std::pair<std::string, double>>{
           {"photos", static_cast<double>(photos.size())},
           {"photos_without_face", static_cast<double>(without_face)},
           {"photos_unreadable", static_cast<double>(failed.size())},
           {"faces", static_cast<double>(faces.size())},
           {"groups", static_cast<double>(n_groups)},
           {"unassigned_share", unassigned_share},
           {"seconds", seconds},
           {"grouping_seconds", cluster_seconds}}) {
    FACEREC_RETURN_IF_ERROR(run->LogMetric(absl::StrCat("cluster/", key), 0, value));
  }
  FACEREC_RETURN_IF_ERROR(run->LogArtifact("clusters_csv", (out / "clusters.csv").string()));
  FACEREC_RETURN_IF_ERROR(run->Finish());
  std::printf("%s-> %s (clusters.csv, sheets/, summary.txt)\n", summary.c_str(), out.string().c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  facerec::InitProcess(&argc, &argv,
                       "Groups the faces of unlabelled photos into people.\n"
                       "Usage: cluster_faces --photos=DIR --out=DIR [--algorithm=average_linkage|chinese_whispers] "
                       "[--far=1e-3 | --threshold=T]");
  return facerec::ReportToolOutcome("cluster_faces", facerec::Main());
}
