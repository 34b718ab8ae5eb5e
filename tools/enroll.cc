// enroll: builds a gallery of people (chain/gallery.h) from a folder with
// one sub-folder per person, DIR/<name>/<photos>: in each photo the largest
// face goes through the chain (detect -> landmarks -> warp -> embed), and a
// person's embeddings are averaged into their template. The gallery file
// records which recogniser made it (by sha256); tools:identify refuses it
// with any other.
//
//   tools/bazel run //tools:enroll -- --people=/path/to/people --gallery=people.gallery
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

namespace facerec {
namespace {

bool IsImageFile(const std::filesystem::path& p) {
  const std::string ext = absl::AsciiStrToLower(p.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".pgm" ||
         ext == ".ppm" || ext == ".webp" || ext == ".tif" || ext == ".tiff";
}

absl::Status Main() {
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
      if (file.is_regular_file() && IsImageFile(file.path())) list.push_back(file.path());
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
                       "Usage: enroll --people=DIR [--gallery=people.gallery]");
  return facerec::ReportToolOutcome("enroll", facerec::Main());
}
