// A Markdown table built row by row, so a results section says which runs
// and numbers it shows and not how pipes and separator rows are spelt.
//
//   MarkdownTable table({"set", "faces", "NME %"});
//   table.AddRow({"afw", "337", "8.54"});
//   std::string md = table.ToString();
//   // "| set | faces | NME % |\n| --- | --- | --- |\n| afw | 337 | 8.54 |\n"
//
// A cell's "|" is escaped ("\|") so it cannot split its row.
//
// Thread-safety: not thread-safe; a table belongs to the section building it.
#ifndef FACEREC_TOOLS_MARKDOWN_TABLE_H_
#define FACEREC_TOOLS_MARKDOWN_TABLE_H_

#include <string>
#include <vector>

namespace facerec::tools {

class MarkdownTable {
 public:
  explicit MarkdownTable(std::vector<std::string> header) : header_(std::move(header)) {}

  // A row with as many cells as the header (CHECKed: a programmer's error).
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  std::string ToString() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace facerec::tools

#endif  // FACEREC_TOOLS_MARKDOWN_TABLE_H_
