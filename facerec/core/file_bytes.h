// A whole file's bytes, with errors that name the file: what every reader of
// a small file here (annotations, flagfiles, run exports, the chart library
// the report inlines, images before decoding) starts from.
//
//   FACEREC_ASSIGN_OR_RETURN(const std::string text, ReadFileBytes(path));
//
// Thread-safety: a function of its argument (and the file system).
#ifndef FACEREC_CORE_FILE_BYTES_H_
#define FACEREC_CORE_FILE_BYTES_H_

#include <string>

#include "absl/status/statusor.h"

namespace facerec {

// NotFoundError "<path>: cannot open (missing file?)"; DataLossError
// "<path>: read error" when reading fails part-way.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

}  // namespace facerec

#endif  // FACEREC_CORE_FILE_BYTES_H_
