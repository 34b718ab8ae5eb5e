#include "facerec/core/file_bytes.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace facerec {

absl::StatusOr<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open (missing file?)"));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return bytes.str();
}

}  // namespace facerec
