// The streaming CSV reader (core/csv.h): RFC 4180 quoting, every line ending, chunks split
// anywhere, and malformed input stopped with the row and column.
#include "core/csv.h"

#include <gtest/gtest.h>

using namespace sb;

namespace {

struct Read {
  std::vector<CsvRecord> records;
  std::optional<CsvError> error;
  bool ok = false;
};

// Reads `text` in chunks of `chunk` bytes (0: all at once).
Read read(std::string_view text, size_t chunk = 0, CsvLimits limits = {}) {
  Read out;
  CsvReader r(
      [&](CsvRecord& rec) {
        out.records.push_back(rec);
        return true;
      },
      limits);
  bool ok = true;
  if (chunk == 0) {
    ok = r.feed(text);
  } else {
    for (size_t at = 0; at < text.size() && ok; at += chunk) ok = r.feed(text.substr(at, chunk));
  }
  out.ok = ok && r.finish();
  out.error = r.error();
  return out;
}

using Rows = std::vector<std::vector<std::string>>;
Rows fields(const Read& r) {
  Rows out;
  for (const auto& rec : r.records) out.push_back(rec.fields);
  return out;
}

}  // namespace

TEST(Csv, QuotingAsSpreadsheetsWriteIt) {
  const std::string text =
      "to,name,note\r\n"
      "+14155550123,\"Doe, Jane\",\"she said \"\"hi\"\"\"\r\n"
      "+14155550124,Bob,\"two\nlines\"\r\n"
      "+14155550125,,\r\n";
  const Rows want = {{"to", "name", "note"},
                     {"+14155550123", "Doe, Jane", "she said \"hi\""},
                     {"+14155550124", "Bob", "two\nlines"},
                     {"+14155550125", "", ""}};
  // Every chunk size gives the same records: boundaries inside quotes, CRLF, escapes.
  for (size_t chunk : {0, 1, 2, 3, 5, 7, 64}) {
    SCOPED_TRACE(chunk);
    const Read r = read(text, chunk);
    ASSERT_TRUE(r.ok) << r.error->message;
    EXPECT_EQ(fields(r), want);
    ASSERT_EQ(r.records.size(), 4u);
    EXPECT_EQ(r.records[1].row, 2u);
    EXPECT_EQ(r.records[2].row, 3u);
    EXPECT_EQ(r.records[3].row, 5u);  // the quoted line break took a line
  }
}

TEST(Csv, LineEndingsBomBlankLinesAndNoFinalNewline) {
  for (const char* text : {"a,b\nc,d", "a,b\r\nc,d\r\n", "a,b\rc,d\r", "\xEF\xBB\xBF" "a,b\n\nc,d\n"}) {
    for (size_t chunk : {0, 1, 2}) {
      const Read r = read(text, chunk);
      ASSERT_TRUE(r.ok);
      EXPECT_EQ(fields(r), (Rows{{"a", "b"}, {"c", "d"}})) << text << " in chunks of " << chunk;
    }
  }
  // A blank line still counts as a row in the numbering.
  const Read r = read("a\n\nb\n");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].row, 3u);
  // A quoted empty field is a record; nothing at all is none.
  EXPECT_EQ(fields(read("\"\"\n")), (Rows{{""}}));
  EXPECT_TRUE(read("").records.empty());
  EXPECT_TRUE(read("\n\r\n").records.empty());
  // A lone byte of a mark is data, for the caller's UTF-8 check to report.
  EXPECT_EQ(fields(read("\xEF")), (Rows{{"\xEF"}}));
}

TEST(Csv, MalformedInputStopsWithRowAndColumn) {
  struct Case {
    const char* text;
    size_t row, column;
    const char* says;
  };
  for (const Case& c : {Case{"a,b\nc,d\"e\n", 2, 2, "quote inside an unquoted field"},
                        Case{"a\n\"x\"y,z\n", 2, 1, "after a closing quote"},
                        Case{"a\nb\n\"open\nstill open", 3, 1, "not closed"}}) {
    SCOPED_TRACE(c.text);
    for (size_t chunk : {0, 1}) {
      const Read r = read(c.text, chunk);
      EXPECT_FALSE(r.ok);
      ASSERT_TRUE(r.error);
      EXPECT_EQ(r.error->row, c.row);
      EXPECT_EQ(r.error->column, c.column);
      EXPECT_NE(r.error->message.find(c.says), std::string::npos) << r.error->message;
    }
  }
  CsvLimits small;
  small.max_field_bytes = 4;
  small.max_fields = 3;
  EXPECT_TRUE(read("abcd,\"wxyz\"\n", 0, small).ok);
  EXPECT_NE(read("abcde\n", 0, small).error->message.find("over 4 bytes"), std::string::npos);
  EXPECT_NE(read("\"abcde\"\n", 0, small).error->message.find("over 4 bytes"), std::string::npos);
  // Doubled quotes count too: five quotes are over four bytes.
  EXPECT_TRUE(read("\"\"\"\"\"\"\"\"\"\"\n", 0, small).ok);  // four
  EXPECT_FALSE(read("\"\"\"\"\"\"\"\"\"\"\"\"\n", 0, small).ok);  // five
  EXPECT_NE(read("a,b,c,d\n", 0, small).error->message.find("more than 3 columns"),
            std::string::npos);
}

TEST(Csv, TheCallerStopsTheReader) {
  int seen = 0;
  CsvReader r([&](CsvRecord&) { return ++seen < 2; });
  EXPECT_FALSE(r.feed("a\nb\nc\n"));
  EXPECT_EQ(seen, 2);
  EXPECT_FALSE(r.feed("d\n"));
  EXPECT_FALSE(r.finish());
  EXPECT_FALSE(r.error());
}

TEST(Csv, AMillionRowsStreamInConstantMemory) {
  // Fed 64 KiB at a time, only the record being read is held.
  std::string chunk;
  for (int i = 0; i < 2000; ++i) chunk += "+14155550123,Jane,\"Mon, 9:00\"\n";
  size_t n = 0;
  CsvReader r([&](CsvRecord& rec) {
    n += rec.fields.size() == 3 && rec.fields[2] == "Mon, 9:00";
    return true;
  });
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(r.feed(chunk));
  ASSERT_TRUE(r.finish());
  EXPECT_EQ(n, 1'000'000u);
  EXPECT_EQ(r.records(), 1'000'000u);
}
