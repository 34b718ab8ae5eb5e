// Reading annotation files line by line, with errors that name file and line.
//
//   FACEREC_ASSIGN_OR_RETURN(std::vector<Line> lines, ReadLines(path));
//   for (const Line& line : lines) {
//     std::vector<absl::string_view> fields = absl::StrSplit(line.text, ' ', absl::SkipEmpty());
//     if (fields.size() != 2) return LineError(path, line.number, "expected '<file> <id>'", line.text);
//   }
#ifndef FACEREC_DATA_TEXT_FILE_H_
#define FACEREC_DATA_TEXT_FILE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace facerec::data {

struct Line {
  int number = 0;    // 1-based line number in the file.
  std::string text;  // Without the line ending ("\n" or "\r\n") or surrounding spaces.
};

// Non-blank lines of a text file. NotFoundError naming the file when it
// cannot be opened.
absl::StatusOr<std::vector<Line>> ReadLines(const std::string& path);

// NotFoundError "<dir>: directory not found" unless `dir` is a directory.
absl::Status RequireDirectory(const std::string& dir);
// NotFoundError "<context>: image <path> does not exist" unless `path` is a
// regular file; `context` is the annotation "file:line" that named it.
absl::Status RequireImage(const std::string& path, absl::string_view context);

// InvalidArgumentError "path:line: what (got 'text')".
absl::Status LineError(const std::string& path, int line, absl::string_view what,
                       absl::string_view text);

// Strict number parsing for annotation fields.
bool ParseInt(absl::string_view field, int* value);
bool ParseDouble(absl::string_view field, double* value);

}  // namespace facerec::data

#endif  // FACEREC_DATA_TEXT_FILE_H_
