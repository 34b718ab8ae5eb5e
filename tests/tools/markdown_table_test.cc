// MarkdownTable: the header's separator row, one line per row, and a cell's
// pipe escaped so it cannot split its row.
#include "tools/markdown_table.h"

#include <gtest/gtest.h>

namespace facerec::tools {
namespace {

TEST(MarkdownTableTest, WritesTheHeaderTheSeparatorAndEachRow) {
  MarkdownTable table({"set", "faces", "NME %"});
  EXPECT_TRUE(table.empty());
  table.AddRow({"afw", "337", "8.54"});
  table.AddRow({"mtfl_test", "2995", "7.50"});
  EXPECT_FALSE(table.empty());
  EXPECT_EQ(table.ToString(),
            "| set | faces | NME % |\n| --- | --- | --- |\n| afw | 337 | 8.54 |\n| mtfl_test | 2995 | 7.50 |\n");
}

TEST(MarkdownTableTest, APipeInACellIsEscaped) {
  MarkdownTable table({"command"});
  table.AddRow({"a | b"});
  EXPECT_EQ(table.ToString(), "| command |\n| --- |\n| a \\| b |\n");
}

}  // namespace
}  // namespace facerec::tools
