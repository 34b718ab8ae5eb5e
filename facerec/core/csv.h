// CSV as RFC 4180 writes it, the one way facerec's CSV outputs quote a field
// (tools:runs export, tools:detect_faces, the trash search's ranked list).
//
//   std::string line = absl::StrCat(CsvField("a,b"), ",", CsvField("plain"));
//   // "\"a,b\",plain"
//   absl::StatusOr<std::vector<std::string>> fields = ParseCsvLine(line);  // {"a,b", "plain"}
//
// Thread-safety: a function of its argument.
#ifndef FACEREC_CORE_CSV_H_
#define FACEREC_CORE_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace facerec {

// `value` as it is when it holds no comma, quote or line break; otherwise in
// quotes with each quote doubled.
std::string CsvField(const std::string& value);

// One CSV line back into its fields (quotes removed, doubled quotes
// undone): the reader of what CsvField wrote. InvalidArgument for a quote
// left open or text after a closing quote.
absl::StatusOr<std::vector<std::string>> ParseCsvLine(absl::string_view line);

}  // namespace facerec

#endif  // FACEREC_CORE_CSV_H_
