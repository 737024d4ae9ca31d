// SMS encoding and segmentation (core/segments.h) and smart encoding (core/smart_encoding.h):
// what POST /v1/segments answers and what every send is priced by. Properties: a non-empty body
// has at least one segment; the parts concatenate to the body, are valid UTF-8 and fit their
// segment; counts agree (parts, units, code points); GSM-7 exactly when every code point has a
// GSM-7 cost; smart encoding gives valid UTF-8, is idempotent, and is kept only when it makes the
// body GSM-7. Input: byte 0 bit 0 asks for smart encoding, the rest is the body.
#include "core/segments.h"

#include <nlohmann/json.hpp>
#include <numeric>

#include "core/smart_encoding.h"
#include "fuzz_support.h"

using namespace sb;

namespace {

void check_info(const SegmentInfo& info, std::string_view body) {
  if (body.empty()) {
    FUZZ_CHECK(info.segments == 0);
    FUZZ_CHECK(info.parts.empty());
    return;
  }
  FUZZ_CHECK(info.segments >= 1);
  FUZZ_CHECK(info.parts.size() == static_cast<size_t>(info.segments));
  FUZZ_CHECK(info.units_per_segment.size() == static_cast<size_t>(info.segments));
  std::string joined;
  for (const auto& p : info.parts) {
    FUZZ_CHECK(!p.empty());
    FUZZ_CHECK(utf8::is_valid(p));
    joined += p;
  }
  FUZZ_CHECK(joined == body);
  FUZZ_CHECK(std::accumulate(info.units_per_segment.begin(), info.units_per_segment.end(), 0) ==
             info.total_units);
  const bool gsm = info.encoding == Encoding::kGsm7;
  const int single = gsm ? kGsm7SingleSegment : kUcs2SingleSegment;
  const int multi = gsm ? kGsm7MultiSegment : kUcs2MultiSegment;
  FUZZ_CHECK(info.units_per_part == (info.segments == 1 ? single : multi));
  for (int u : info.units_per_segment) FUZZ_CHECK(u >= 1 && u <= info.units_per_part);
  const auto cps = utf8::decode(body);
  FUZZ_CHECK(info.code_points == static_cast<int>(cps.size()));
  FUZZ_CHECK(info.characters >= 1 && info.characters <= info.code_points);
  bool all_gsm = true;
  for (char32_t cp : cps) all_gsm &= gsm7_cost(cp) > 0;
  FUZZ_CHECK(gsm == all_gsm);
  FUZZ_CHECK(info.non_gsm_characters.empty() == gsm);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  SegmentOptions options;
  options.smart_encoding = data[0] & 1;
  const std::string_view body = fuzz::as_text(data + 1, size - 1);

  auto report = segment_body(body, options);
  FUZZ_CHECK(report.ok() == utf8::is_valid(body));
  if (!report) {
    FUZZ_CHECK(report.error().code == "invalid_utf8");
    FUZZ_CHECK(!validate_body(body).ok());
    return 0;
  }
  check_info(report->info, report->body);
  const std::string text = to_json(*report).dump();
  FUZZ_CHECK(!text.empty());

  const SmartEncoded smart = smart_encode(body);
  FUZZ_CHECK(utf8::is_valid(smart.body));
  FUZZ_CHECK(smart.replaced >= 0);
  FUZZ_CHECK(smart_encode(smart.body).body == smart.body);
  if (options.smart_encoding && report->smart_encoding_applied) {
    FUZZ_CHECK(report->body == smart.body);
    FUZZ_CHECK(report->info.encoding == Encoding::kGsm7);
  } else {
    FUZZ_CHECK(report->body == body);
  }

  if (auto ok = validate_body(body); ok) {
    FUZZ_CHECK(!body.empty());
    FUZZ_CHECK(analyze_segments(body).characters <= kMaxBodyCharacters);
  }
  return 0;
}
