// SignalWire's REST messaging API (api = "rest") on the wire, as pure functions. The default
// LaML mode needs none of this: it is the LaML wire format (providers/twilio/twilio_wire.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/http_types.h"
#include "core/message.h"
#include "providers/connector.h"

namespace sb::providers::signalwire {

inline constexpr size_t kRestMaxMedia = 8;

struct RestApi {
  std::string space_root;       // "https://<space>.signalwire.com" (or a base_url override)
  std::string project_id;       // Basic auth user
  std::string api_token;        // Basic auth password
  std::string status_callback;  // our webhook URL for this connector; empty: none sent
  int timeout_ms = 10'000;
};

// What the REST API cannot carry, refused before any request: more than kRestMaxMedia media
// (permanent "too_many_media"). Ok when it can carry `m`.
ProviderResult<void> check_rest_message(const Message& m);

// POST {space}/api/messaging/messages, JSON {to, from, body (when non-empty), media[] (when
// any), status_callback}. The REST API has no validity period field.
HttpRequest build_send_request(const RestApi& api, const Message& m);

// 2xx with an `id` -> SendAccepted{id, status}. Errors keep SignalWire's first
// {"errors": [{"type", "code", "message", "attribute", "url"}]} entry's code and message; a 404
// means the REST messaging API is not there for this space (configuration, kAuth).
SendResult parse_send_response(const HttpResponse& r, TimeMs now);

// REST message status -> ours: queued/initiated -> kSending, sent, delivered/read -> kDelivered,
// undelivered, failed; unknown -> kSending (never moves a message forward).
Status map_status(std::string_view provider_status);

}  // namespace sb::providers::signalwire
