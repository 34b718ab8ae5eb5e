// CsvField: plain fields pass, fields with separators are quoted with their
// quotes doubled (RFC 4180).
#include "facerec/core/csv.h"

#include <gtest/gtest.h>

namespace facerec {
namespace {

TEST(CsvFieldTest, APlainFieldIsWrittenAsItIs) { EXPECT_EQ(CsvField("img_001.jpg"), "img_001.jpg"); }

TEST(CsvFieldTest, CommasQuotesAndLineBreaksAreQuotedWithQuotesDoubled) {
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
}

TEST(ParseCsvLineTest, ReadsBackWhatCsvFieldWrote) {
  const std::vector<std::string> fields = {"a,b", "say \"hi\"", "", "plain", "ends with ,"};
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + CsvField(fields[i]);
  const absl::StatusOr<std::vector<std::string>> parsed = ParseCsvLine(line);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, fields);
  EXPECT_EQ(*ParseCsvLine(""), std::vector<std::string>{""});
}

TEST(ParseCsvLineTest, AnOpenQuoteOrTextAfterAClosingQuoteIsAnError) {
  EXPECT_TRUE(absl::IsInvalidArgument(ParseCsvLine("\"open,b").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseCsvLine("\"a\"b,c").status()));
}

}  // namespace
}  // namespace facerec
