#include "tools/markdown_table.h"

#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "glog/logging.h"

namespace facerec::tools {

void MarkdownTable::AddRow(std::vector<std::string> cells) {
  CHECK_EQ(cells.size(), header_.size());
  rows_.push_back(std::move(cells));
}

std::string MarkdownTable::ToString() const {
  auto line = [](const std::vector<std::string>& cells) {
    return absl::StrCat("| ",
                        absl::StrJoin(cells, " | ",
                                      [](std::string* out, const std::string& cell) {
                                        out->append(absl::StrReplaceAll(cell, {{"|", "\\|"}}));
                                      }),
                        " |\n");
  };
  std::string out = line(header_);
  out += absl::StrCat("|", absl::StrJoin(std::vector<std::string>(header_.size(), " --- "), "|"), "|\n");
  for (const std::vector<std::string>& row : rows_) out += line(row);
  return out;
}

}  // namespace facerec::tools
