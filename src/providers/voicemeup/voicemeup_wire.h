// VoiceMeUp's wire format as pure functions: configuration checks, how one message becomes several
// queue_sms requests (1000-character text limit, one attachment per request), request building
// and response parsing. No I/O here, so every rule is unit-tested from documented payloads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/http_types.h"
#include "core/message.h"
#include "core/result.h"
#include "providers/connector.h"
#include "providers/settings.h"

namespace sb::providers::voicemeup {

inline constexpr std::string_view kDefaultBaseUrl = "https://clients.voicemeup.com";
inline constexpr std::string_view kQueueSmsPath = "/api/v1.1/json/queue_sms";
// VoiceMeUp refuses a `message` longer than this. It does not say what it counts, so a part is
// measured in UTF-16 code units: never fewer than code points or grapheme clusters, so a part fits
// under any of those readings.
inline constexpr int kMaxPartCharacters = 1000;
// The code whose `_content` is the id of a queued SMS in a success response.
inline constexpr std::string_view kQueuedHashCode = "queued_sms_hash";

// One [[connectors]] table for provider "voicemeup", checked.
struct Options {
  std::string id;
  std::string base_url = std::string(kDefaultBaseUrl);  // no trailing slash
  std::string username;
  std::string auth_token;
  std::string webhook_secret;  // optional; only the (later) webhook endpoint uses it
  int timeout_ms = 10'000;
  int max_concurrency = 16;
};

// Checks formats the registry cannot (it already rejected unknown and missing keys): base_url is
// http(s), username and auth_token have no whitespace or control characters, webhook_secret (if
// given) is at least 16 URL-safe characters because it will sit in the callback URL's path.
// Errors name "connectors[<id>].<key>".
Result<Options> options_from_settings(const ConnectorSettings& settings);

// One queue_sms request of a message. A part carries text, an attachment, or both.
struct Part {
  std::string text;
  std::string attachment;
  bool operator==(const Part&) const = default;
};

// Splits valid UTF-8 into pieces of at most `max_units` UTF-16 code units whose concatenation is
// `body`. Cuts fall on SMS segment boundaries (sb::analyze_segments) that are also grapheme-cluster
// boundaries, so each piece costs whole segments and no user-perceived character is ever torn;
// only when no such boundary fits does a cut fall on a plain cluster boundary, and only a single
// cluster longer than `max_units` (pathological stacks of combining marks) is cut between code
// points. Empty body: no pieces.
std::vector<std::string> split_text(std::string_view body, int max_units = kMaxPartCharacters);

// The requests one message needs, in sending order: request i carries text piece i and media URL
// i, so a short text with one image is one request, a text with three images is three (the text
// rides with the first), and a long text without media is one request per piece. Never empty for
// a message with a body or media. `m.body` must be valid UTF-8.
std::vector<Part> plan_requests(const Message& m);

// The queue_sms request for one part: POST <base_url>/api/v1.1/json/queue_sms, form-encoded
// username, auth_token, source_number, destination_number (E.164 without '+'), then message and
// attachment when the part has them. Credentials travel in the body, as VoiceMeUp expects; nothing
// in the URL or headers is secret.
HttpRequest build_send_request(const Options& options, const Message& m, const Part& part);

// The failure class of a VoiceMeUp error code. VoiceMeUp publishes no code list, so this reads the
// code's words: credentials, permissions and account balance need an operator (auth); throttling
// is rate-limited; internal/unavailable/timeout errors are transient; anything else is the
// provider refusing this message (permanent).
FailureKind classify_error_code(std::string_view code);

// Reads a queue_sms response. Success: the queued_sms_hash as provider message id, provider status
// "queued" (an answer of "success" without a hash is still accepted, with an empty id, because
// resending could duplicate). Failure: the first response message's code and text, classified by
// HTTP status (transport failure / 5xx transient, 429 rate-limited with Retry-After, 401/403 auth,
// other 4xx permanent) refined by the code, or by the code alone when VoiceMeUp answers 2xx with
// response_status "error". A 2xx body that cannot be read is transient ("invalid_response").
SendResult parse_send_response(const HttpResponse& r, TimeMs now);

}  // namespace sb::providers::voicemeup
