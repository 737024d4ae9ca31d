// The opt-out CSV format (app/opt_out_csv.h): lines read for an import, lines written by export.
#include "app/opt_out_csv.h"

#include <gtest/gtest.h>

namespace sb::app {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;
const std::set<std::string> kOurs = {"+12025550100"};

Result<std::optional<OptOut>> read(std::string_view line, int line_no = 2) {
  return read_opt_out_line(line, line_no, "acme", "US", kOurs, kNow);
}

TEST(OptOutCsv, ReadsDefaultsAndQuotedFields) {
  auto r = read("\"(415) 555-0123\"");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->number, "+14155550123");
  EXPECT_EQ((*r)->scope, "account");
  EXPECT_EQ((*r)->source, "import");
  EXPECT_EQ((*r)->created_at, kNow);
  auto n = read("+14155550123, number ,\"+1 202 555 0100\",keyword,2024-01-31T09:00:00Z\r");
  ASSERT_TRUE(n.ok() && n->has_value()) << n.error().message;
  EXPECT_EQ((*n)->our_number, "+12025550100");
  EXPECT_EQ((*n)->source, "keyword");
}

TEST(OptOutCsv, SkipsBlankLinesAndTheHeader) {
  EXPECT_FALSE(*read(" \t"));
  EXPECT_FALSE(*read(kOptOutCsvHeader, 1));
  EXPECT_FALSE(read(kOptOutCsvHeader, 2).ok());  // only line 1 is a header
}

TEST(OptOutCsv, SaysWhatIsWrong) {
  for (const char* line : {"12", "+14155550123,everyone", "+14155550123,number,+14155550199",
                           "+14155550123,,+12025550100", "+14155550123,,,robot",
                           "+14155550123,,,,yesterday", "a,b,c,d,e,f"}) {
    auto r = read(line);
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(r.error().code, "invalid_opt_out");
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(OptOutCsv, ExportedLinesReadBack) {
  OptOut o;
  o.account = "acme";
  o.number = "+14155550123";
  o.scope = "number";
  o.our_number = "+12025550100";
  o.source = "provider_error";
  o.created_at = 1'706'691'600'123;
  auto back = read(opt_out_csv_line(o));
  ASSERT_TRUE(back.ok() && back->has_value()) << back.error().message;
  EXPECT_EQ((*back)->number, o.number);
  EXPECT_EQ((*back)->our_number, o.our_number);
  EXPECT_EQ((*back)->source, o.source);
  EXPECT_EQ((*back)->created_at, o.created_at);
}

}  // namespace
}  // namespace sb::app
