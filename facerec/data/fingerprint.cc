#include "facerec/data/fingerprint.h"

#include <algorithm>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "facerec/core/file_bytes.h"
#include "facerec/core/sha256.h"
#include "facerec/core/status_macros.h"

namespace facerec::data {

namespace fs = std::filesystem;

absl::StatusOr<std::string> DatasetFingerprint(const fs::path& data_root,
                                               const std::vector<std::string>& files,
                                               const std::vector<std::string>& annotation_files) {
  auto relative = [&](const std::string& path) {
    const fs::path p(path);
    return p.is_absolute() ? p.lexically_relative(data_root).string() : path;
  };
  std::vector<std::pair<std::string, uintmax_t>> entries;
  entries.reserve(files.size());
  for (const std::string& file : files) {
    const fs::path full = fs::path(file).is_absolute() ? fs::path(file) : data_root / file;
    std::error_code error;
    const uintmax_t size = fs::file_size(full, error);
    if (error) return absl::NotFoundError(absl::StrCat(full.string(), ": ", error.message()));
    entries.emplace_back(relative(file), size);
  }
  std::sort(entries.begin(), entries.end());
  Sha256 hasher;
  for (const auto& [path, size] : entries) hasher.Update(absl::StrCat(path, "\t", size, "\n"));
  std::vector<std::string> annotations = annotation_files;
  std::sort(annotations.begin(), annotations.end());
  for (const std::string& annotation : annotations) {
    FACEREC_ASSIGN_OR_RETURN(const std::string bytes, ReadFileBytes(annotation));
    hasher.Update(absl::StrCat("--- ", relative(annotation), " ", bytes.size(), "\n"));
    hasher.Update(bytes);
  }
  return hasher.HexDigest();
}

}  // namespace facerec::data
