// Opt-out CSV imports (app/opt_out_csv.h, `switchboard opt-outs import`): one line read with
// read_opt_out_line. Properties: a read opt-out has an E.164 number, a known scope and source,
// our_number exactly for scope number (one of ours); the line export writes for it reads back
// to the same opt-out. Input: byte 0 picks the line number (1: the header may be skipped) and
// region, the rest is the line.
#include "app/opt_out_csv.h"

#include "fuzz_support.h"

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int line_no = (data[0] & 1) ? 1 : 2;
  const std::string region = (data[0] & 2) ? "GB" : "US";
  const std::string_view line = fuzz::as_text(data + 1, size - 1);
  const std::set<std::string> ours = {"+12025550100", "+447700900123"};
  constexpr TimeMs kNow = 1'700'000'000'000;

  auto row = app::read_opt_out_line(line, line_no, "acme", region, ours, kNow);
  if (!row) {
    FUZZ_CHECK(row.error().code == "invalid_opt_out" && !row.error().message.empty());
    return 0;
  }
  if (!*row) return 0;
  const OptOut& o = **row;
  FUZZ_CHECK(o.account == "acme");
  FUZZ_CHECK(o.number.size() > 1 && o.number[0] == '+');
  FUZZ_CHECK(o.scope == "account" || o.scope == "number");
  FUZZ_CHECK((o.scope == "number") == !o.our_number.empty());
  if (!o.our_number.empty()) FUZZ_CHECK(ours.count(o.our_number));
  FUZZ_CHECK(o.source == "keyword" || o.source == "api" || o.source == "provider_error" ||
             o.source == "import");

  const std::string exported = app::opt_out_csv_line(o);
  auto back = app::read_opt_out_line(exported, 2, "acme", region, ours, kNow);
  FUZZ_CHECK(back.ok() && back->has_value());
  const OptOut& b = **back;
  FUZZ_CHECK(b.number == o.number && b.scope == o.scope && b.our_number == o.our_number &&
             b.source == o.source && b.created_at == o.created_at);
  return 0;
}
