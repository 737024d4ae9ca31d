// Telnyx number management on the wire, as pure functions: list the account's messaging numbers
// (GET /v2/phone_numbers/messaging), assign a number to the connector's messaging profile
// (PATCH /v2/phone_numbers/{id}/messaging) and point the profile's webhook at this gateway
// (PATCH /v2/messaging_profiles/{id}). Telnyx sends inbound messages and delivery reports to the
// messaging profile's webhook_url: webhooks are per profile, not per number.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/http_types.h"
#include "providers/connector.h"
#include "providers/telnyx/telnyx_connector.h"

namespace sb::providers::telnyx {

// Telnyx's largest page[size].
inline constexpr int kNumberPageSize = 250;
// A bound on the pages one import reads (250 numbers each).
inline constexpr int kMaxNumberPages = 400;

struct TelnyxNumber {
  OwnedNumber owned;                 // provider_id is Telnyx's numeric phone number id
  std::string messaging_profile_id;  // "" when the number is on no profile
};

struct TelnyxNumberPage {
  std::vector<TelnyxNumber> numbers;
  int64_t page_number = 1;
  int64_t total_pages = 1;
};

// GET {base}/v2/phone_numbers/messaging?page[number]=<n>&page[size]=250 (brackets encoded).
HttpRequest build_number_list_request(const TelnyxConfig& c, int64_t page_number);
// GET {base}/v2/phone_numbers/messaging?filter[phone_number]=<url-encoded E.164>.
HttpRequest build_number_lookup_request(const TelnyxConfig& c, const std::string& number);
// 2xx {"data": [{id, phone_number, messaging_profile_id, type, features: {sms, mms}}],
// "meta": {page_number, total_pages}}: type longcode/tollfree/shortcode -> long_code/toll_free/
// short_code (else inferred from the number); sms/mms when features.sms/mms is an object.
// Otherwise the classified failure, its message keeping Telnyx's errors[0] code, title and
// detail (call_failure).
ProviderResult<TelnyxNumberPage> parse_number_list(const HttpResponse& r);

// PATCH {base}/v2/phone_numbers/{id}/messaging, JSON {"messaging_profile_id": profile_id}.
HttpRequest build_assign_profile_request(const TelnyxConfig& c, const std::string& number_id,
                                         const std::string& profile_id);
// PATCH {base}/v2/messaging_profiles/{profile_id}, JSON {"webhook_url": url,
// "webhook_api_version": "2"} (the v2 payloads our webhook parser reads).
HttpRequest build_profile_webhook_request(const TelnyxConfig& c, const std::string& profile_id,
                                          const std::string& webhook_url);
// 2xx -> ok; otherwise the classified failure naming `what`.
ProviderResult<void> parse_update_response(const HttpResponse& r, const std::string& what);

// Lists every page (at most kMaxNumberPages) through `send`.
ProviderResult<std::vector<OwnedNumber>> list_numbers(
    const TelnyxConfig& c, const std::function<HttpResponse(const HttpRequest&)>& send);
// Looks the number up; the profile is the connector's messaging_profile_id (the number is
// assigned to it when it is on another or none) or, unset, the number's own profile (an error
// when it has none). Then sets that profile's webhook_url to `inbound_url` (which is also where
// Telnyx reports status: `status_url` must equal it).
ProviderResult<NumberWebhooks> configure_number(
    const TelnyxConfig& c, const std::string& number, const std::string& inbound_url,
    const std::string& status_url, const std::function<HttpResponse(const HttpRequest&)>& send);

}  // namespace sb::providers::telnyx
