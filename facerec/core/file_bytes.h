// A whole file's bytes, with errors that name the file: what every reader of
// a small file here (annotations, flagfiles, run exports, the chart library
// the report inlines, images before decoding) starts from.
//
//   FACEREC_ASSIGN_OR_RETURN(const std::string text, ReadFileBytes(path));
//   FACEREC_RETURN_IF_ERROR(WriteFileAtomically(path, text));
//
// Thread-safety: a function of its argument (and the file system).
#ifndef FACEREC_CORE_FILE_BYTES_H_
#define FACEREC_CORE_FILE_BYTES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace facerec {

// NotFoundError "<path>: cannot open (missing file?)"; DataLossError
// "<path>: read error" when reading fails part-way.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

// Writes `bytes` to `path` + ".tmp<pid>" and renames it over `path`: a reader
// (or a process killed half-way) sees the old file or the whole new one,
// never part of it. DataLossError naming the file when either step fails.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes);

}  // namespace facerec

#endif  // FACEREC_CORE_FILE_BYTES_H_
