// The providers' API answers, which come from the network: every provider's send, status-query,
// lookup, health and number-listing response readers (providers/*/..._wire.h, _connector.h,
// _rest.h, _numbers.h) and the Retry-After reading they share. Input: line 1 the HTTP status
// (0: no response, the body then stands for the transport error) and, after a space, the reader
// to run ("200 telnyx.status"; none: every reader, as the regression inputs do), then
// "Name: value" headers, a blank line and the body (fuzz_support.h's layout). One reader per
// execution keeps the target fast enough for tens of millions of executions; the seed corpus has
// each answer once per reader.
#include <array>
#include <charconv>
#include <functional>

#include "fuzz_support.h"
#include "providers/signalwire/signalwire_rest.h"
#include "providers/sinch/sinch_connector.h"
#include "providers/telnyx/telnyx_connector.h"
#include "providers/telnyx/telnyx_numbers.h"
#include "providers/transport/http_util.h"
#include "providers/twilio/twilio_numbers.h"
#include "providers/twilio/twilio_wire.h"
#include "providers/voicemeup/voicemeup_wire.h"

using namespace sb;
using namespace sb::providers;

namespace {

constexpr TimeMs kNow = 1'700'000'000'000;

bool two_xx(const HttpResponse& r) { return r.status >= 200 && r.status < 300; }

// A failure is classified and says something; a rate limit's wait is never negative.
void check_failure(const SendFailure& f) {
  FUZZ_CHECK(!f.code.empty());
  FUZZ_CHECK(!f.retry_after_ms || *f.retry_after_ms >= 0);
}

template <typename T>
void check(const ProviderResult<T>& r, const HttpResponse& resp) {
  if (r.ok()) {
    FUZZ_CHECK(two_xx(resp));  // no answer but a 2xx is ever taken for success
  } else {
    check_failure(r.error());
  }
}

const Message& sinch_message() {
  static const Message m = [] {
    Message msg;
    msg.id = "msg_01HZX3J6Q0W8N4Y2T5R7V9B1CD";
    msg.to = "+14155550123";
    return msg;
  }();
  return m;
}

struct Reader {
  std::string_view name;
  std::function<void(const HttpResponse&)> run;
};

const std::array<Reader, 19>& readers() {
  using R = const HttpResponse&;
  static const std::array<Reader, 19> all{{
      {"retry_after", [](R r) { if (auto w = retry_after_ms(r, kNow)) FUZZ_CHECK(*w >= 0); }},
      {"twilio.send", [](R r) { check(twilio::parse_send_response(r, kNow), r); }},
      {"twilio.status", [](R r) { check(twilio::parse_status_response(r, kNow), r); }},
      {"twilio.health", [](R r) { check(twilio::parse_health_response(r, kNow), r); }},
      {"twilio.redact",
       [](R r) {
         if (auto v = twilio::parse_redact_response(r, kNow); !v) check_failure(v.error());
       }},
      {"twilio.error", [](R r) { (void)twilio::parse_error_body(r.body); }},
      {"twilio.numbers", [](R r) { check(twilio::parse_number_page(r, "twilio"), r); }},
      {"twilio.number_update",
       [](R r) { check(twilio::parse_number_update_response(r, "twilio"), r); }},
      {"signalwire.send", [](R r) { check(signalwire::parse_send_response(r, kNow), r); }},
      {"telnyx.send", [](R r) { check(telnyx::parse_send_response(r, kNow), r); }},
      {"telnyx.status", [](R r) { check(telnyx::parse_status_response(r, kNow), r); }},
      {"telnyx.numbers", [](R r) { check(telnyx::parse_number_list(r), r); }},
      {"telnyx.update", [](R r) { check(telnyx::parse_update_response(r, "update"), r); }},
      {"telnyx.classify", [](R r) { check_failure(telnyx::classify_response(r, kNow)); }},
      {"sinch.send", [](R r) { check(sinch::parse_send_response(r, kNow), r); }},
      {"sinch.status", [](R r) { check(sinch::parse_status_response(r, kNow), r); }},
      {"sinch.find", [](R r) { check(sinch::parse_find_response(r, sinch_message(), kNow), r); }},
      {"sinch.classify", [](R r) { check_failure(sinch::classify_send_failure(r, kNow)); }},
      {"voicemeup.send", [](R r) { check(voicemeup::parse_send_response(r, kNow), r); }},
  }};
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto raw = fuzz::split_request(fuzz::as_text(data, size), "200", "");
  const std::string_view line(raw.url);
  const size_t space = line.find(' ');
  const std::string_view status = line.substr(0, space);
  const std::string_view reader =
      space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  HttpResponse r;
  const auto [end, ec] = std::from_chars(status.data(), status.data() + status.size(), r.status);
  if (ec != std::errc() || end != status.data() + status.size() || r.status < 0 ||
      r.status > 999) {
    return -1;  // not an HTTP status
  }
  r.headers = raw.headers;
  if (r.status == 0) {
    r.error = raw.body;
  } else {
    r.body = raw.body;
  }
  bool ran = false;
  for (const auto& rd : readers()) {
    if (reader.empty() || rd.name == reader) {
      rd.run(r);
      ran = true;
    }
  }
  return ran ? 0 : -1;  // an unknown reader name is not an input
}
