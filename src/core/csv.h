// A streaming CSV reader (RFC 4180, as spreadsheets write it): fed chunks of any size, it hands
// over one record at a time, so a file of a million rows never sits in memory. Fields may be
// quoted ("a, b", "say ""hi""", line breaks inside quotes); records end with CRLF, LF or a lone CR;
// a UTF-8 byte-order mark at the start is skipped; blank lines are skipped. Malformed input (a
// quote inside an unquoted field, text after a closing quote, an unterminated quote, a field or
// record over its limit) stops the reader with an error naming the row and column. Bytes are not
// decoded: checking UTF-8 and column counts is the caller's (it knows what a row should hold).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

struct CsvLimits {
  size_t max_field_bytes = 65'536;
  size_t max_fields = 256;
};

struct CsvRecord {
  size_t row = 0;  // 1-based, as a spreadsheet numbers rows (blank lines count)
  std::vector<std::string> fields;
};

struct CsvError {
  size_t row = 0;
  size_t column = 0;  // 1-based field index in the row
  std::string message;
};

class CsvReader {
 public:
  // `on_record` returns false to stop reading (the reader then ignores further input).
  using OnRecord = std::function<bool(CsvRecord&)>;
  explicit CsvReader(OnRecord on_record, CsvLimits limits = {});

  // Reads `chunk`; false once the reader stopped (an error, or on_record said stop).
  bool feed(std::string_view chunk);
  // The end of input: hands over a last record without a line break. False on error (an
  // unterminated quote) or when stopped earlier.
  bool finish();

  const std::optional<CsvError>& error() const { return error_; }
  size_t records() const { return records_; }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterCr };
  bool fail(std::string message);
  bool append(char c);      // to the field, within its limit
  bool line_break(char c);  // CR or LF outside quotes: the record ends
  bool end_field();
  bool end_record();

  OnRecord on_record_;
  CsvLimits limits_;
  State state_ = State::kFieldStart;
  CsvRecord record_;
  std::string field_;
  size_t row_ = 1;        // the row the current record started on
  size_t line_ = 1;       // the physical line being read (quoted line breaks advance it)
  bool record_has_data_ = false;
  bool bom_checked_ = false;
  bool stopped_ = false;
  size_t records_ = 0;
  std::optional<CsvError> error_;
};

}  // namespace sb
