#include "facerec/data/lfw.h"

#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "facerec/core/status_macros.h"
#include "facerec/data/text_file.h"

namespace facerec::data {

namespace fs = std::filesystem;

absl::StatusOr<LfwPairs> LoadLfwPairs(const fs::path& lfw_dir) {
  LfwPairs result;
  result.pairs_file = (lfw_dir / "pairs.txt").string();
  const std::string& path = result.pairs_file;
  FACEREC_ASSIGN_OR_RETURN(const std::vector<Line> lines, ReadLines(path));
  if (lines.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ":1: empty file"));
  const std::vector<std::string> header = absl::StrSplit(lines[0].text, absl::ByAnyChar(" \t"),
                                                         absl::SkipEmpty());
  if (header.size() != 2 || !ParseInt(header[0], &result.folds) ||
      !ParseInt(header[1], &result.pairs_per_class) || result.folds <= 0 ||
      result.pairs_per_class <= 0) {
    return LineError(path, lines[0].number, "expected the header '<folds>\\t<pairs per class>'",
                     lines[0].text);
  }
  const size_t expected = static_cast<size_t>(2 * result.folds * result.pairs_per_class);
  if (lines.size() - 1 != expected) {
    return LineError(path, lines[0].number,
                     absl::StrCat("the header promises ", expected, " pairs, the file has ",
                                  lines.size() - 1, " pair lines"),
                     lines[0].text);
  }
  const fs::path images = lfw_dir / "lfw-deepfunneled";
  auto image_path = [&images](const std::string& name, int index) {
    return (images / name / absl::StrFormat("%s_%04d.jpg", name, index)).string();
  };
  for (size_t i = 1; i < lines.size(); ++i) {
    const Line& line = lines[i];
    const std::vector<std::string> f = absl::StrSplit(line.text, '\t', absl::SkipEmpty());
    LfwPair pair;
    pair.fold = static_cast<int>((i - 1) / (2 * result.pairs_per_class));
    pair.same = ((i - 1) % (2 * result.pairs_per_class)) < static_cast<size_t>(result.pairs_per_class);
    int a = 0, b = 0;
    if (pair.same) {
      if (f.size() != 3 || !ParseInt(f[1], &a) || !ParseInt(f[2], &b)) {
        return LineError(path, line.number, "expected a same-person line 'name\\ti\\tj'",
                         line.text);
      }
      pair.first = image_path(f[0], a);
      pair.second = image_path(f[0], b);
    } else {
      if (f.size() != 4 || !ParseInt(f[1], &a) || !ParseInt(f[3], &b)) {
        return LineError(path, line.number,
                         "expected a different-person line 'name1\\ti\\tname2\\tj'", line.text);
      }
      pair.first = image_path(f[0], a);
      pair.second = image_path(f[2], b);
    }
    for (const std::string* image : {&pair.first, &pair.second}) {
      FACEREC_RETURN_IF_ERROR(RequireImage(*image, absl::StrCat(path, ":", line.number)));
    }
    result.pairs.push_back(std::move(pair));
  }
  return result;
}

}  // namespace facerec::data
