// Twilio's IncomingPhoneNumbers resource on the wire, as pure functions: list an account's
// numbers and point a number's SMS webhooks at this gateway. SignalWire's LaML (compatibility)
// API serves the same resource under {space}/api/laml, so both connectors use these.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/http_types.h"
#include "providers/connector.h"
#include "providers/twilio/twilio_wire.h"

namespace sb::providers::twilio {

// Twilio's largest PageSize for list resources.
inline constexpr int kNumberPageSize = 1000;
// A bound on the pages one import follows (1000 numbers each): a next_page_uri that never ends
// cannot keep an import running forever.
inline constexpr int kMaxNumberPages = 100;

// GET {account}/IncomingPhoneNumbers.json?PhoneNumber=<url-encoded E.164>: the number's record
// (the list filtered by exact number), to learn its SID.
HttpRequest build_number_lookup_request(const TwilioApi& api, const std::string& number);
// The first page of the account's numbers: GET {account}/IncomingPhoneNumbers.json?PageSize=1000.
HttpRequest build_number_list_request(const TwilioApi& api);
// A next page, from the previous page's next_page_uri ("/2010-04-01/Accounts/..." for Twilio,
// "/api/laml/2010-04-01/..." for SignalWire): resolved against the API root's origin, so the
// request never leaves the configured host.
HttpRequest build_number_next_page_request(const TwilioApi& api, const std::string& next_page_uri);

struct NumberPage {
  std::vector<OwnedNumber> numbers;
  std::string next_page_uri;  // empty: the last page
};
// 2xx {"incoming_phone_numbers": [{sid, phone_number, capabilities: {sms, mms, ...}}],
// "next_page_uri": ...} -> the page; IncomingPhoneNumbers carries no type, so it is inferred
// (infer_number_type). Anything else: the classified failure, its message "<provider>: listing
// numbers failed: <failure_detail>" (call_failure).
ProviderResult<NumberPage> parse_number_page(const HttpResponse& r, std::string_view provider);

// POST {account}/IncomingPhoneNumbers/{sid}.json, form SmsUrl=<inbound_url>, SmsMethod=POST,
// StatusCallback=<status_url>.
HttpRequest build_number_update_request(const TwilioApi& api, const std::string& sid,
                                        const std::string& inbound_url,
                                        const std::string& status_url);
// 2xx with the number's sid -> that sid; otherwise the classified failure (as above).
ProviderResult<std::string> parse_number_update_response(const HttpResponse& r,
                                                         std::string_view provider);

// The provider's error text for a failed call: "HTTP 404: 20404 The requested resource ... was
// not found", or the transport error ("timed out", "connection refused").
std::string failure_detail(const HttpResponse& r);

// The whole list (following next_page_uri, at most kMaxNumberPages pages) and the whole
// configuration (lookup, then update), through `send`. A number the account does not own is a
// permanent "not_found".
ProviderResult<std::vector<OwnedNumber>> list_numbers(
    const TwilioApi& api, std::string_view provider,
    const std::function<HttpResponse(const HttpRequest&)>& send);
ProviderResult<NumberWebhooks> configure_number(
    const TwilioApi& api, std::string_view provider, const std::string& number,
    const std::string& inbound_url, const std::string& status_url,
    const std::function<HttpResponse(const HttpRequest&)>& send);

}  // namespace sb::providers::twilio
