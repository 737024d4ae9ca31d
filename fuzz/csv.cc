// The streaming CSV reader (core/csv.h) of batch uploads, and message templates
// (core/message_template.h). Properties: the records and the error do not depend on how the input
// is split into chunks; records written back with every field quoted read back the same; a template
// that parses renders whenever every variable has a value, and one without variables renders to
// itself. Input: any bytes, read as a CSV file and as a template.
#include <string>
#include <vector>

#include "core/csv.h"
#include "core/message_template.h"
#include "fuzz_support.h"

using namespace sb;

namespace {

struct Outcome {
  std::vector<std::vector<std::string>> fields;
  std::vector<size_t> rows;
  bool ok = false;
  std::optional<CsvError> error;
};

Outcome read(std::string_view in, size_t chunk) {
  Outcome out;
  CsvLimits limits;
  limits.max_field_bytes = 512;
  limits.max_fields = 32;
  CsvReader r(
      [&](CsvRecord& rec) {
        out.fields.push_back(rec.fields);
        out.rows.push_back(rec.row);
        return true;
      },
      limits);
  bool ok = true;
  for (size_t at = 0; at < in.size() && ok; at += chunk) ok = r.feed(in.substr(at, chunk));
  out.ok = ok && r.finish();
  out.error = r.error();
  return out;
}

std::string quoted(const std::vector<std::vector<std::string>>& records) {
  std::string out;
  for (const auto& rec : records) {
    for (size_t i = 0; i < rec.size(); ++i) {
      if (i) out.push_back(',');
      out.push_back('"');
      for (char c : rec[i]) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
      }
      out.push_back('"');
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::as_text(data, size);

  const Outcome whole = read(in, in.size() + 1);
  for (size_t chunk : {size_t{1}, size_t{7}}) {
    const Outcome split = read(in, chunk);
    FUZZ_CHECK(split.ok == whole.ok);
    FUZZ_CHECK(split.fields == whole.fields);
    FUZZ_CHECK(split.rows == whole.rows);
    FUZZ_CHECK(split.error.has_value() == whole.error.has_value());
    if (whole.error) {
      FUZZ_CHECK(split.error->row == whole.error->row);
      FUZZ_CHECK(split.error->column == whole.error->column);
      FUZZ_CHECK(split.error->message == whole.error->message);
    }
  }
  for (size_t i = 1; i < whole.rows.size(); ++i) FUZZ_CHECK(whole.rows[i] > whole.rows[i - 1]);
  if (whole.ok) {
    // A byte-order mark the reader skipped must not come back as data: compare from the first
    // record on, which quoting keeps.
    const Outcome again = read(quoted(whole.fields), 4096);
    FUZZ_CHECK(again.ok);
    FUZZ_CHECK(again.fields == whole.fields);
  }

  auto t = MessageTemplate::parse(in);
  if (t) {
    auto filled = t->render([](const std::string& name) -> std::optional<std::string_view> {
      return std::string_view(name);
    });
    FUZZ_CHECK(filled.ok());
    if (!t->has_variables()) FUZZ_CHECK(*filled == in);
    auto missing = t->render([](const std::string&) { return std::optional<std::string_view>(); });
    FUZZ_CHECK(missing.ok() == !t->has_variables());
  } else {
    FUZZ_CHECK(t.error().code == "invalid_template");
  }
  return 0;
}
