// enroll: builds a gallery of people (chain/gallery.h) from a folder with
// one sub-folder per person, DIR/<name>/<photos>: in each photo the largest
// face goes through the chain (detect -> landmarks -> warp -> embed), and a
// person's embeddings are averaged into their template. The gallery file
// records which recogniser made it (by sha256); tools:identify refuses it
// with any other.
//
//   tools/bazel run //tools:enroll -- --people=/path/to/people --gallery=people.gallery
//   tools/bazel run //tools:enroll -- --from_clusters=/tmp/party_people --name=0:ada,3:bob  # tools:cluster_faces'
//
// Photos that cannot be read, or with no face found, are named on stderr
// and skipped; a person left with no usable photo is not enrolled (named
// too); the others still are. Models: tools/chain_flags.h (the store's by
// default).
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "facerec/core/csv.h"
#include "facerec/core/file_bytes.h"
#include "facerec/data/person_photos.h"
#include "facerec/data/text_file.h"
#include "facerec/chain/face_chain.h"
#include "facerec/chain/gallery.h"
#include "facerec/core/data_root.h"
#include "facerec/core/exit_status.h"
#include "facerec/core/process.h"
#include "facerec/core/status_macros.h"
#include "gflags/gflags.h"
#include "tools/chain_flags.h"

DEFINE_string(people, "", "Folder with one sub-folder of photos per person (the folder's name is the person's).");
DEFINE_string(gallery, "people.gallery", "Gallery file to write; relative to the workspace root.");
DEFINE_string(from_clusters, "",
              "Instead of --people: a tools:cluster_faces output folder; the groups named by --name become people "
              "of --gallery (added to it when it exists, made by the same recogniser).");
DEFINE_string(name, "", "With --from_clusters: CLUSTER:NAME[,CLUSTER:NAME...], e.g. 0:ada,3:bob.");

namespace facerec {
namespace {


// The face of `photo` whose box best overlaps `box` (intersection over union
// at least 0.5), or -1: the face cluster_faces saw, found again.
int SameFace(const std::vector<detect::Detection>& faces, const data::FaceBox& box) {
  int best = -1;
  double best_iou = 0.5;
  for (size_t i = 0; i < faces.size(); ++i) {
    const data::FaceBox& b = faces[i].box;
    const double w = std::min(b.x + b.width, box.x + box.width) - std::max(b.x, box.x);
    const double h = std::min(b.y + b.height, box.y + box.height) - std::max(b.y, box.y);
    if (w <= 0 || h <= 0) continue;
    const double iou = w * h / (b.width * b.height + box.width * box.height - w * h);
    if (iou >= best_iou) {
      best_iou = iou;
      best = static_cast<int>(i);
    }
  }
  return best;
}

// --from_clusters: the named groups of a cluster_faces folder into the gallery.
absl::Status EnrollClusters() {
  if (FLAGS_name.empty()) return absl::InvalidArgumentError("--from_clusters needs --name=CLUSTER:NAME[,...]");
  std::map<std::string, std::string> names;  // cluster -> person
  for (absl::string_view item : absl::StrSplit(FLAGS_name, ',', absl::SkipWhitespace())) {
    const std::vector<std::string> parts = absl::StrSplit(item, absl::MaxSplits(':', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("--name: '", item, "' is not CLUSTER:NAME"));
    }
    if (parts[0] == "unassigned") {
      return absl::InvalidArgumentError("--name: 'unassigned' is no group: its faces were left out as strangers");
    }
    names[parts[0]] = parts[1];
  }
  const std::filesystem::path dir = ResolveAgainstWorkspace(FLAGS_from_clusters);
  FACEREC_ASSIGN_OR_RETURN(const std::string source_text, ReadFileBytes((dir / "source.txt").string()));
  const std::filesystem::path source(std::string(absl::StripAsciiWhitespace(source_text)));
  FACEREC_ASSIGN_OR_RETURN(const std::vector<data::Line> lines, data::ReadLines((dir / "clusters.csv").string()));
  std::map<std::string, std::vector<std::pair<std::filesystem::path, data::FaceBox>>> faces_of;  // person -> faces
  for (size_t i = 1; i < lines.size(); ++i) {  // Line 1 is the header.
    absl::StatusOr<std::vector<std::string>> f = ParseCsvLine(lines[i].text);
    data::FaceBox box;
    if (!f.ok() || f->size() != 7 || !data::ParseDouble((*f)[1], &box.x) || !data::ParseDouble((*f)[2], &box.y) ||
        !data::ParseDouble((*f)[3], &box.width) || !data::ParseDouble((*f)[4], &box.height)) {
      return data::LineError((dir / "clusters.csv").string(), lines[i].number,
                             "expected photo,x,y,w,h,cluster,score", lines[i].text);
    }
    const auto it = names.find((*f)[5]);
    if (it != names.end()) faces_of[it->second].push_back({source / (*f)[0], box});
  }
  for (const auto& [cluster, person] : names) {
    if (!faces_of.count(person)) {
      return absl::InvalidArgumentError(absl::StrCat("--name: no group ", cluster, " in ",
                                                     (dir / "clusters.csv").string()));
    }
  }
  FACEREC_ASSIGN_OR_RETURN(const chain::FaceChainOptions options, tools::ChainOptionsFromFlags());
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(options));
  const std::string out = ResolveAgainstWorkspace(FLAGS_gallery).string();
  chain::Gallery gallery(chain->embedder().model_sha256(), chain->embedder().embedding_size());
  if (std::filesystem::exists(out)) {
    FACEREC_ASSIGN_OR_RETURN(gallery, chain::Gallery::Load(out));
    FACEREC_RETURN_IF_ERROR(gallery.CheckRecogniser(chain->embedder().model_sha256()));
  }
  for (const auto& [person, faces] : faces_of) {
    std::vector<torch::Tensor> embeddings;
    for (const auto& [path, box] : faces) {
      const cv::Mat photo = cv::imread(path.string(), cv::IMREAD_COLOR);
      if (photo.empty()) {
        std::fprintf(stderr, "enroll: %s: cannot be read as an image; skipped\n", path.c_str());
        continue;
      }
      FACEREC_ASSIGN_OR_RETURN(const std::vector<detect::Detection> detections, chain->Detect(photo));
      const int k = SameFace(detections, box);
      if (k < 0) {
        std::fprintf(stderr, "enroll: %s: the clustered face is not found again; skipped\n", path.c_str());
        continue;
      }
      FACEREC_ASSIGN_OR_RETURN(const chain::ChainFace face, chain->Describe(chain::ToRgb(photo), detections[k]));
      embeddings.push_back(face.embedding);
    }
    if (embeddings.empty()) return absl::NotFoundError(absl::StrCat(person, ": no face of the group could be read"));
    FACEREC_RETURN_IF_ERROR(gallery.Add(person, torch::stack(embeddings)));
    std::printf("enrolled %s from %zu faces\n", person.c_str(), embeddings.size());
  }
  FACEREC_RETURN_IF_ERROR(gallery.Save(out));
  std::printf("%s: %zu people\n", FLAGS_gallery.c_str(), gallery.size());
  return absl::OkStatus();
}

absl::Status Main() {
  if (!FLAGS_from_clusters.empty()) {
    if (!FLAGS_people.empty()) return absl::InvalidArgumentError("give --people or --from_clusters, not both");
    return EnrollClusters();
  }
  if (FLAGS_people.empty()) return absl::InvalidArgumentError("--people is required (DIR/<name>/*.jpg)");
  const std::filesystem::path people = ResolveAgainstWorkspace(FLAGS_people);
  if (!std::filesystem::is_directory(people)) {
    return absl::NotFoundError(absl::StrCat("--people=", FLAGS_people, ": no such folder"));
  }
  FACEREC_ASSIGN_OR_RETURN(const chain::FaceChainOptions options, tools::ChainOptionsFromFlags());
  FACEREC_ASSIGN_OR_RETURN(std::unique_ptr<chain::FaceChain> chain, chain::FaceChain::Create(options));
  // Sorted, so a gallery is the same whatever order the file system lists.
  std::map<std::string, std::vector<std::filesystem::path>> photos;
  for (const auto& entry : std::filesystem::directory_iterator(people)) {
    if (!entry.is_directory()) continue;
    std::vector<std::filesystem::path>& list = photos[entry.path().filename().string()];
    for (const auto& file : std::filesystem::directory_iterator(entry.path())) {
      if (file.is_regular_file() && data::LooksLikePhoto(file.path().string())) list.push_back(file.path());
    }
    std::sort(list.begin(), list.end());
  }
  if (photos.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--people=", FLAGS_people, ": no sub-folders (one per person) inside"));
  }
  chain::Gallery gallery(chain->embedder().model_sha256(), chain->embedder().embedding_size());
  int used = 0, skipped = 0, not_enrolled = 0;
  for (const auto& [name, files] : photos) {
    std::vector<torch::Tensor> embeddings;
    for (const std::filesystem::path& file : files) {
      const cv::Mat photo = cv::imread(file.string(), cv::IMREAD_COLOR);
      if (photo.empty()) {
        std::fprintf(stderr, "enroll: %s: cannot be read as an image; skipped\n", file.c_str());
        ++skipped;
        continue;
      }
      FACEREC_ASSIGN_OR_RETURN(const std::vector<detect::Detection> faces, chain->Detect(photo));
      const int k = chain::Largest(faces);
      if (k < 0) {
        std::fprintf(stderr, "enroll: %s: no face found; skipped\n", file.c_str());
        ++skipped;
        continue;
      }
      FACEREC_ASSIGN_OR_RETURN(const chain::ChainFace face,
                               chain->Describe(chain::ToRgb(photo), faces[k]));
      embeddings.push_back(face.embedding);
      ++used;
    }
    if (embeddings.empty()) {
      std::fprintf(stderr, "enroll: %s: no usable photo; not enrolled\n", name.c_str());
      ++not_enrolled;
      continue;
    }
    FACEREC_RETURN_IF_ERROR(gallery.Add(name, torch::stack(embeddings)));
  }
  if (gallery.size() == 0) return absl::InvalidArgumentError("no person could be enrolled");
  const std::string out = ResolveAgainstWorkspace(FLAGS_gallery).string();
  FACEREC_RETURN_IF_ERROR(gallery.Save(out));
  std::printf("enrolled %zu people from %d photos (%d photos skipped, %d people not enrolled) -> "
              "%s (recogniser %s)\n",
              gallery.size(), used, skipped, not_enrolled, FLAGS_gallery.c_str(),
              gallery.recogniser_sha256().substr(0, 12).c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace facerec

int main(int argc, char** argv) {
  facerec::InitProcess(&argc, &argv,
                       "Builds a gallery of people from DIR/<name>/<photos>.\n"
                       "Usage: enroll --people=DIR [--gallery=people.gallery]\n"
                       "       enroll --from_clusters=DIR --name=CLUSTER:NAME[,...] [--gallery=people.gallery]");
  return facerec::ReportToolOutcome("enroll", facerec::Main());
}
