#include "facerec/data/text_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace facerec::data {

absl::StatusOr<std::vector<Line>> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open (missing file?)"));
  std::vector<Line> lines;
  std::string text;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    absl::string_view stripped = absl::StripAsciiWhitespace(text);
    if (stripped.empty()) continue;
    lines.push_back({number, std::string(stripped)});
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return lines;
}

absl::Status RequireDirectory(const std::string& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat(dir, ": directory not found"));
  }
  return absl::OkStatus();
}

absl::Status RequireImage(const std::string& path, absl::string_view context) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::NotFoundError(absl::StrCat(context, ": image ", path, " does not exist"));
  }
  return absl::OkStatus();
}

absl::Status LineError(const std::string& path, int line, absl::string_view what,
                       absl::string_view text) {
  constexpr size_t kMaxShown = 120;
  const absl::string_view shown = text.substr(0, kMaxShown);
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", what, " (got '", shown,
                                                 text.size() > kMaxShown ? "...'" : "'", ")"));
}

bool ParseInt(absl::string_view field, int* value) { return absl::SimpleAtoi(field, value); }

bool ParseDouble(absl::string_view field, double* value) {
  return absl::SimpleAtod(field, value);
}

}  // namespace facerec::data
