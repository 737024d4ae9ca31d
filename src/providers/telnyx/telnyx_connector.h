// Telnyx Messaging API v2 connector: pure request builders / response parsers plus the connector.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/http_types.h"
#include "core/result.h"
#include "providers/connector.h"
#include "providers/settings.h"
#include "providers/spec.h"
#include "providers/transport/request_limiter.h"

namespace sb::providers::telnyx {

inline constexpr std::string_view kDefaultBaseUrl = "https://api.telnyx.com";

// Telnyx manages numbers (phone numbers and messaging profiles). Redaction is a messaging-profile
// setting, not a per-message call.
inline constexpr ProviderCapabilities kCapabilities{.number_webhooks = true};

// A validated [[connectors]] table for provider "telnyx".
struct TelnyxConfig {
  std::string id;
  std::string base_url;              // no trailing slash
  std::string api_key;               // sent as "Authorization: Bearer <api_key>"
  std::string public_key;            // base64 Ed25519 key, for webhook verification (later issue)
  std::string messaging_profile_id;  // optional; sent with every message when set
  std::string webhook_url;           // <public_url>/webhooks/<id>
  int timeout_ms = 10'000;
  int64_t max_concurrency = 16;
};

// Validates the provider keys (api_key required; public_key, messaging_profile_id optional) and
// derives the webhook URL. Errors name "connectors[<id>].<key>".
Result<TelnyxConfig> make_config(const ConnectorSettings& s, const std::string& public_url);

// A request to {base}{path} with the Bearer key, Accept: application/json and the timeout.
HttpRequest base_request(const TelnyxConfig& c, std::string method, std::string path);

// POST {base}/v2/messages, JSON {from, to, text, media_urls, type, messaging_profile_id,
// webhook_url}. `text` is omitted when the body is empty (MMS with media only).
HttpRequest build_send_request(const TelnyxConfig& c, const Message& m);
// 2xx {"data": {id, to: [{status}]}} -> SendAccepted{id, to[0].status}; anything else is
// classified by classify_response.
SendResult parse_send_response(const HttpResponse& r, TimeMs now);

// GET {base}/v2/messages/{id}.
HttpRequest build_status_request(const TelnyxConfig& c, const std::string& provider_message_id);
// 2xx -> the recipient's status mapped onto ours (with data.errors[0] kept), else a failure.
ProviderResult<StatusQueryResult> parse_status_response(const HttpResponse& r, TimeMs now);
// Telnyx per-recipient status -> ours. Unknown words map to kSent (accepted, outcome unknown).
Status map_status(std::string_view telnyx_status);

// GET {base}/v2/messaging_profiles/{messaging_profile_id} when a profile is configured (proves
// the key and the profile), else GET {base}/v2/messaging_profiles?page[size]=1.
HttpRequest build_health_request(const TelnyxConfig& c);

// Classifies a non-2xx (or transport-failed) response, keeping Telnyx's errors[0].code and its
// title/detail. Telnyx codes override the HTTP status where they are more precise: 10009/10010
// are credentials, 10011 is throttling; a 403 carrying a messaging code (4xxxx) is a refusal of
// this message, not of our credentials.
SendFailure classify_response(const HttpResponse& r, TimeMs now);

class TelnyxConnector final : public Connector {
 public:
  TelnyxConnector(TelnyxConfig config, HttpClient& http, const Clock& clock);

  const std::string& id() const override { return config_.id; }
  std::string_view provider() const override { return "telnyx"; }
  const ProviderCapabilities& capabilities() const override { return kCapabilities; }
  // Telnyx has no idempotency key for messages: a retry after an unanswered request may send
  // twice (see docs/providers.md).
  SendResult send(const Message& m, const std::string& idempotency_key) override;
  // kUnsupported for a message without a provider id (Telnyx has no lookup by our id).
  ProviderResult<StatusQueryResult> query_status(const Message& m) override;
  ProviderResult<void> health_check() override;
  // telnyx_numbers.h: the number's messaging profile gets webhook_url = inbound_url.
  ProviderResult<NumberWebhooks> configure_number_webhooks(const std::string& number,
                                                           const std::string& inbound_url,
                                                           const std::string& status_url) override;
  ProviderResult<std::vector<OwnedNumber>> list_owned_numbers() override;

  const TelnyxConfig& config() const { return config_; }

 private:
  // Performs one request while holding one of max_concurrency slots (waits for a free one).
  HttpResponse call(const HttpRequest& req);

  TelnyxConfig config_;
  RequestLimiter http_;
  const Clock& clock_;
};

// Builds a connector from its [[connectors]] table (make_config).
Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& s, ConnectorDeps& deps);
// The registry row: keys, factory, webhooks (Ed25519 with public_key), capabilities.
ProviderSpec provider_spec();

}  // namespace sb::providers::telnyx
