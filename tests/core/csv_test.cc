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

}  // namespace
}  // namespace facerec
