// Twilio's 2010-04-01 Messages API (LaML) on the wire, as pure functions: shared by Twilio and
// SignalWire's Twilio-compatible (LaML) API, which differ only in where they live and whom they
// authenticate (see laml_connector.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/http_types.h"
#include "core/message.h"
#include "providers/connector.h"

namespace sb::providers::twilio {

// Where and as whom to call one Twilio-shaped Messages API.
struct TwilioApi {
  // Everything before "/2010-04-01", without a trailing slash: "https://api.twilio.com" for
  // Twilio, "https://<space>.signalwire.com/api/laml" for SignalWire.
  std::string api_root;
  std::string account_sid;  // the {AccountSid} path segment (SignalWire: the project id)
  std::string username;     // Basic auth: Account SID or API Key SID (SignalWire: project id)
  std::string password;     // Auth Token or API Key Secret (SignalWire: API token)
  std::string messaging_service_sid;  // sent as MessagingServiceSid when set
  std::string status_callback;        // our webhook URL for this connector; empty: none sent
  bool smart_encoded_param = true;    // Twilio takes SmartEncoded; SignalWire's LaML does not
  int64_t max_validity_s = 36'000;    // the provider's ValidityPeriod ceiling
  int timeout_ms = 10'000;
};

// "{root}/2010-04-01/Accounts/{sid}": the base of every account resource.
std::string account_path(const TwilioApi& api);
// A request with Basic auth, Accept: application/json and the API's timeout.
HttpRequest authed(const TwilioApi& api, std::string method, std::string url);

// Media re-hosting: Basic auth (the API credentials) for a media URL on the API's own origin
// (scheme://host[:port] of api_root); {} for any other URL. Twilio "Media subresource": "Twilio
// enforces HTTP Basic Authentication for all media URLs"; SignalWire's Media URL Protection
// uses the project's API credentials the same way.
Headers media_fetch_headers(const TwilioApi& api, const std::string& url);

// POST {root}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded: To, From,
// MessagingServiceSid (when configured), Body (when non-empty), one MediaUrl per media URL in
// order, StatusCallback, ValidityPeriod. ValidityPeriod is what is left of the message's validity
// at `now` (a retry must not extend it), clamped to [1, max_validity_s].
HttpRequest build_send_request(const TwilioApi& api, const Message& m, TimeMs now);

// 2xx with a `sid` -> SendAccepted{sid, status}. Anything else -> a classified SendFailure that
// keeps Twilio's own `code` and `message` (see classify_error).
SendResult parse_send_response(const HttpResponse& r, TimeMs now);

// GET {root}/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json
HttpRequest build_status_request(const TwilioApi& api, const std::string& message_sid);
// 200 -> the mapped status with Twilio's error_code/error_message; otherwise a classified failure
// (404: the provider never created that message, a permanent answer).
ProviderResult<StatusQueryResult> parse_status_response(const HttpResponse& r, TimeMs now);

// GET {root}/2010-04-01/Accounts/{sid}.json: the cheapest call proving an Auth Token. Standard
// and restricted API keys may not read the Account resource, so use the next one for them.
HttpRequest build_account_request(const TwilioApi& api);
// GET {root}/2010-04-01/Accounts/{sid}/Messages.json?PageSize=1: proves any credential that may
// use the Messages API (API keys, SignalWire tokens without the Management scope).
HttpRequest build_message_page_request(const TwilioApi& api);
// 2xx -> ok; otherwise the classified failure.
ProviderResult<void> parse_health_response(const HttpResponse& r, TimeMs now);

// --- redaction of the provider's copy ---
// DELETE {root}/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json: Twilio removes the
// message record (answers 204). Twilio refuses while it still processes the message (error
// 20009, "wait several minutes and try again": https://www.twilio.com/docs/api/errors/20009).
HttpRequest build_delete_request(const TwilioApi& api, const std::string& message_sid);
// POST {root}/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json with Body="" (form):
// body redaction, the LaML "Update a message" call SignalWire documents and Twilio's own way
// of redacting a post-flight message's body.
HttpRequest build_redact_body_request(const TwilioApi& api, const std::string& message_sid);
// 2xx, and 404 (the provider no longer has the message: nothing left to erase) -> ok.
// Otherwise the classified failure, with 20009 (still in progress) transient.
ProviderResult<void> parse_redact_response(const HttpResponse& r, TimeMs now);

// Twilio/LaML message status -> ours. Unknown values map to kSending, which never moves a message
// forward, so a status we do not understand cannot finalise anything.
Status map_status(std::string_view provider_status);

// The provider's own error code and message from a Twilio-shaped error body:
// {"code", "message", "more_info", "status"}, or SignalWire's {"errors": [{"code", "message"}]}
// and {"errors": ["..."]}. Empty strings when the body says nothing readable (e.g. a proxy's HTML).
struct ProviderError {
  std::string code;
  std::string message;
};
ProviderError parse_error_body(const std::string& body);

// HTTP status first (see classify_failure), then Twilio codes that say more than the status:
// 20429/14107 rate-limited (Retry-After honoured), 20003/20005 auth, 20500/20503 transient, and
// recipient/content refusals (21211, 21610, 21408, 21614, ...) permanent whatever the status.
SendFailure classify_error(const HttpResponse& r, TimeMs now, ProviderError e);

}  // namespace sb::providers::twilio
