// The message resource's JSON writer (core/message_json.h), which writes what comes from outside
// (bodies, provider errors, metadata, URLs) without nlohmann: its text must be exactly what
// nlohmann's dump writes for the same value (clients may compare bytes), i.e. valid JSON whose
// parse dumps back to the same bytes, with invalid UTF-8 replaced as nlohmann replaces it. And
// the RFC 3339 times it writes read back to the same instant (core/clock.h).
#include <fuzzer/FuzzedDataProvider.h>

#include "core/message_json.h"
#include "fuzz_support.h"

using namespace sb;
using nlohmann::json;

namespace {

// What nlohmann's dump makes of a string (invalid UTF-8 replaced by U+FFFD), read back.
std::string as_nlohmann_writes(const std::string& s) {
  return json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Message m;
  m.id = "msg_01HZX3J6Q0W8N4Y2T5R7V9B1CD";
  m.account = in.ConsumeRandomLengthString(40);
  m.direction = in.ConsumeBool() ? Direction::kInbound : Direction::kOutbound;
  m.from = in.ConsumeRandomLengthString(40);
  m.to = in.ConsumeRandomLengthString(40);
  m.error_code = in.ConsumeRandomLengthString(20);
  m.error_message = in.ConsumeRandomLengthString(200);
  m.provider_message_id = in.ConsumeRandomLengthString(60);
  m.status_callback = in.ConsumeRandomLengthString(100);
  m.max_price = in.ConsumeRandomLengthString(10);
  m.attempts = in.ConsumeIntegral<int>();
  m.segments = in.ConsumeIntegral<int>();
  // Instants from 1970 to 9999 (what parse_rfc3339 can give, and every clock).
  constexpr TimeMs kMaxTime = 253'402'300'799'999;
  m.created_at = in.ConsumeIntegralInRange<TimeMs>(0, kMaxTime);
  m.updated_at = in.ConsumeIntegralInRange<TimeMs>(0, kMaxTime);
  if (in.ConsumeBool()) m.send_at = in.ConsumeIntegralInRange<TimeMs>(0, kMaxTime);
  if (in.ConsumeBool()) m.validity_period_s = in.ConsumeIntegral<int64_t>();
  if (in.ConsumeBool()) m.smart_encoding = in.ConsumeBool();
  const int media = in.ConsumeIntegralInRange(0, 3);
  for (int i = 0; i < media; ++i) {
    m.media_urls.push_back(in.ConsumeRandomLengthString(60));
    MediaItem item;
    item.url = m.media_urls.back();
    item.content_type = in.ConsumeRandomLengthString(20);
    if (in.ConsumeBool()) item.id = "med_01HZX3J6Q0W8N4Y2T5R7V9B1CD";
    if (in.ConsumeBool()) item.size = in.ConsumeIntegral<int64_t>();
    item.error = in.ConsumeRandomLengthString(30);
    m.media.push_back(std::move(item));
  }
  const int keys = in.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < keys; ++i) {
    // Metadata keys come from parsed JSON, so they are valid UTF-8; values may be anything the
    // writer is given.
    std::string k = in.ConsumeRandomLengthString(16);
    if (!fuzz::valid_utf8(k)) continue;
    m.metadata[k] = in.ConsumeRandomLengthString(40);
  }
  m.body = in.ConsumeRemainingBytesAsString();

  const std::string text = message_json(m);
  const json j = json::parse(text);  // throws (a crash here) on invalid JSON
  FUZZ_CHECK(j.dump() == text);
  FUZZ_CHECK(j["body"].get<std::string>() == as_nlohmann_writes(m.body));
  FUZZ_CHECK(j["to"].get<std::string>() == as_nlohmann_writes(m.to));
  FUZZ_CHECK(j["metadata"].size() == m.metadata.size());
  for (const auto& [k, v] : m.metadata) {
    FUZZ_CHECK(j["metadata"][k].get<std::string>() == as_nlohmann_writes(v));
  }
  FUZZ_CHECK(parse_rfc3339(j["created_at"].get<std::string>()) == m.created_at);
  if (m.send_at) FUZZ_CHECK(parse_rfc3339(j["send_at"].get<std::string>()) == *m.send_at);
  return 0;
}
