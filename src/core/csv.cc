// The streaming CSV reader (see csv.h): a byte-at-a-time state machine, so chunk boundaries fall
// anywhere (inside a quote, between CR and LF, inside the byte-order mark).
#include "core/csv.h"

namespace sb {
namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}

CsvReader::CsvReader(OnRecord on_record, CsvLimits limits)
    : on_record_(std::move(on_record)), limits_(limits) {}

bool CsvReader::fail(std::string message) {
  error_ = CsvError{row_, record_.fields.size() + 1, std::move(message)};
  stopped_ = true;
  return false;
}

bool CsvReader::append(char c) {
  if (field_.size() >= limits_.max_field_bytes) {
    return fail("a field over " + std::to_string(limits_.max_field_bytes) + " bytes");
  }
  field_.push_back(c);
  return true;
}

bool CsvReader::line_break(char c) {
  ++line_;
  if (!end_record()) return false;
  state_ = c == '\r' ? State::kAfterCr : State::kFieldStart;  // CRLF: skip the LF
  return true;
}

bool CsvReader::end_field() {
  if (record_.fields.size() >= limits_.max_fields) {
    return fail("more than " + std::to_string(limits_.max_fields) + " columns");
  }
  record_.fields.push_back(std::move(field_));
  field_.clear();
  return true;
}

bool CsvReader::end_record() {
  if (record_has_data_) {
    if (!end_field()) return false;
    record_.row = row_;
    ++records_;
    if (!on_record_(record_)) {
      stopped_ = true;
      return false;
    }
    record_.fields.clear();
    record_has_data_ = false;
  }
  row_ = line_;
  return true;
}

bool CsvReader::feed(std::string_view chunk) {
  if (stopped_) return false;
  if (!bom_checked_) {
    // The mark may arrive split over chunks: hold its first bytes until it is decided.
    field_.append(chunk);
    if (field_.size() < kBom.size() && kBom.substr(0, field_.size()) == field_) return true;
    bom_checked_ = true;
    std::string pending = std::move(field_);
    field_.clear();
    std::string_view rest(pending);
    if (rest.substr(0, kBom.size()) == kBom) rest.remove_prefix(kBom.size());
    return feed(rest);
  }
  for (size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    switch (state_) {
      case State::kAfterCr:
        state_ = State::kFieldStart;
        if (c == '\n') continue;  // CRLF: the line was counted at the CR
        [[fallthrough]];
      case State::kFieldStart:
        if (c == '"') {
          state_ = State::kQuoted;
          record_has_data_ = true;
        } else if (c == ',') {
          record_has_data_ = true;
          if (!end_field()) return false;
        } else if (c == '\n' || c == '\r') {
          if (!line_break(c)) return false;
        } else {
          record_has_data_ = true;
          field_.push_back(c);
          state_ = State::kUnquoted;
        }
        break;
      case State::kUnquoted:
        if (c == ',') {
          if (!end_field()) return false;
          state_ = State::kFieldStart;
        } else if (c == '\n' || c == '\r') {
          if (!line_break(c)) return false;
        } else if (c == '"') {
          return fail("a quote inside an unquoted field (quote the whole field, and double the "
                      "quotes inside it)");
        } else if (!append(c)) {
          return false;
        }
        break;
      case State::kQuoted:
        if (c == '"') {
          state_ = State::kQuoteInQuoted;
        } else {
          if (c == '\n') ++line_;
          if (!append(c)) return false;
        }
        break;
      case State::kQuoteInQuoted:
        if (c == '"') {  // "" inside quotes: one quote
          if (!append('"')) return false;
          state_ = State::kQuoted;
        } else if (c == ',') {
          if (!end_field()) return false;
          state_ = State::kFieldStart;
        } else if (c == '\n' || c == '\r') {
          if (!line_break(c)) return false;
        } else {
          return fail("text after a closing quote (double a quote inside a quoted field)");
        }
        break;
    }
  }
  return true;
}

bool CsvReader::finish() {
  if (stopped_) return false;
  if (!bom_checked_) {
    bom_checked_ = true;
    std::string pending = std::move(field_);  // a part of the mark, and then the end: data
    field_.clear();
    if (!pending.empty() && !feed(pending)) return false;
  }
  if (state_ == State::kQuoted) return fail("a quoted field is not closed");
  return end_record() && !error_;
}

}  // namespace sb
