// Reader for LFW's pairs.txt (View 2 format): a header "<folds>\t<n>", then per
// fold n same-person lines "name\ti\tj" and n different-person lines
// "name1\ti\tname2\tj". Images are <root>/lfw-deepfunneled/<name>/<name>_<%04d>.jpg.
//
//   FACEREC_ASSIGN_OR_RETURN(LfwPairs pairs, LoadLfwPairs(data_root / "lfw_fold1"));
#ifndef FACEREC_DATA_LFW_H_
#define FACEREC_DATA_LFW_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace facerec::data {

struct LfwPair {
  std::string first;   // Absolute image paths.
  std::string second;
  bool same = false;
  int fold = 0;        // 0-based.
};

struct LfwPairs {
  int folds = 0;
  int pairs_per_class = 0;  // Same (and different) pairs per fold.
  std::vector<LfwPair> pairs;
  std::string pairs_file;
};

absl::StatusOr<LfwPairs> LoadLfwPairs(const std::filesystem::path& lfw_dir);

}  // namespace facerec::data

#endif  // FACEREC_DATA_LFW_H_
