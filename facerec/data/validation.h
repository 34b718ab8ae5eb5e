// Dataset validation: what each dataset under the data root holds, and a
// parallel decode of every image it uses. experiments:data_report is the
// front end; tests use it to check that broken files are reported.
//
//   FACEREC_ASSIGN_OR_RETURN(std::vector<DatasetInventory> all, InventoryAll(data_root));
//   ValidationReport report = DecodeAll(all[0].images, all[0].image_size, /*threads=*/2,
//                                       [](const DecodeProgress& p) { ... });
#ifndef FACEREC_DATA_VALIDATION_H_
#define FACEREC_DATA_VALIDATION_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec::data {

struct DatasetInventory {
  std::string name;                       // "celeba500/train", "mtfl/train", ...
  std::vector<std::string> images;        // Unique absolute paths to decode.
  // Every image must have this (width, height), when set.
  std::optional<std::pair<int, int>> image_size;
  // Named counts in display order ("images", "identities", "faces", ...).
  std::vector<std::pair<std::string, int64_t>> counts;
  std::vector<std::string> annotation_files;
};

// Reads every dataset's annotations (failing on the first malformed one, with
// its file and line). Datasets: celeba500/train, celeba500/id_rate, mtfl/train,
// mtfl/test, afw, facemask, celeba_wild, webfaces, dlib_faces, lfw_fold1.
absl::StatusOr<std::vector<DatasetInventory>> InventoryAll(const std::filesystem::path& data_root);

struct DecodeFailure {
  std::string path;
  std::string reason;  // The decoder's error, or the size mismatch.
};

struct DecodeProgress {
  int64_t done = 0;
  int64_t total = 0;
  double seconds = 0;
};

struct ValidationReport {
  int64_t decoded = 0;
  std::vector<DecodeFailure> failures;  // Sorted by path.
  double seconds = 0;
};

// Decodes every image in at most `threads` chunks on LibTorch's intra-op
// threads (at::parallel_for, so never more than torch::get_num_threads() at
// once); `progress` (optional) is called from the calling thread about every
// second.
ValidationReport DecodeAll(const std::vector<std::string>& images,
                           const std::optional<std::pair<int, int>>& image_size, int threads,
                           const std::function<void(const DecodeProgress&)>& progress = nullptr);

}  // namespace facerec::data

#endif  // FACEREC_DATA_VALIDATION_H_
