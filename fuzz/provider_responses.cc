// The providers' API answers, which come from the network: every provider's send, status-query,
// lookup, health and number-listing response readers (providers/*/..._wire.h, _connector.h,
// _rest.h, _numbers.h) and the Retry-After reading they share. Input: line 1 the HTTP status
// (0: no response, the body then stands for the transport error), then "Name: value" headers, a
// blank line and the body (fuzz_support.h's layout).
#include <charconv>

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto raw = fuzz::split_request(fuzz::as_text(data, size), "200", "");
  HttpResponse r;
  const auto [end, ec] = std::from_chars(raw.url.data(), raw.url.data() + raw.url.size(), r.status);
  if (ec != std::errc() || r.status < 0 || r.status > 999) return -1;  // not an HTTP status
  r.headers = raw.headers;
  if (r.status == 0) {
    r.error = raw.body;
  } else {
    r.body = raw.body;
  }

  if (auto wait = retry_after_ms(r, kNow)) FUZZ_CHECK(*wait >= 0);

  check(twilio::parse_send_response(r, kNow), r);
  check(twilio::parse_status_response(r, kNow), r);
  check(twilio::parse_health_response(r, kNow), r);
  if (auto v = twilio::parse_redact_response(r, kNow); !v) check_failure(v.error());
  const auto e = twilio::parse_error_body(r.body);
  (void)e;
  check(twilio::parse_number_page(r, "twilio"), r);
  check(twilio::parse_number_update_response(r, "twilio"), r);

  check(signalwire::parse_send_response(r, kNow), r);

  check(telnyx::parse_send_response(r, kNow), r);
  check(telnyx::parse_status_response(r, kNow), r);
  check(telnyx::parse_number_list(r), r);
  check(telnyx::parse_update_response(r, "update"), r);
  check_failure(telnyx::classify_response(r, kNow));

  check(sinch::parse_send_response(r, kNow), r);
  check(sinch::parse_status_response(r, kNow), r);
  Message m;
  m.id = "msg_01HZX3J6Q0W8N4Y2T5R7V9B1CD";
  m.to = "+14155550123";
  check(sinch::parse_find_response(r, m, kNow), r);
  check_failure(sinch::classify_send_failure(r, kNow));

  check(voicemeup::parse_send_response(r, kNow), r);
  return 0;
}
