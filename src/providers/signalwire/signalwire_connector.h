// The SignalWire connector: LaML mode is the LaML connector (twilio/laml_connector.h) pointed at
// the space's /api/laml root with project credentials; REST mode speaks the JSON messaging API.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "providers/connector.h"
#include "providers/settings.h"
#include "providers/signalwire/signalwire_rest.h"
#include "providers/spec.h"
#include "providers/transport/request_limiter.h"
#include "providers/twilio/twilio_wire.h"

namespace sb::providers::signalwire {

// LaML mode: numbers through the LaML IncomingPhoneNumbers, redaction by blanking the body. The
// gateway smart-encodes for SignalWire (its LaML API takes no SmartEncoded).
inline constexpr ProviderCapabilities kCapabilities{.number_webhooks = true, .redaction = true};
// REST mode: numbers still through LaML (same project credentials); no redaction.
inline constexpr ProviderCapabilities kRestCapabilities{.number_webhooks = true};

// api = "rest": sends through the REST messaging API. Health checks use the LaML message list
// (same project credentials); status queries are not offered, the REST API documents no lookup.
class SignalWireRestConnector final : public Connector {
 public:
  SignalWireRestConnector(std::string id, RestApi rest, twilio::TwilioApi laml,
                          int64_t max_concurrency, HttpClient& http, const Clock& clock);

  const std::string& id() const override { return id_; }
  std::string_view provider() const override { return "signalwire"; }
  const ProviderCapabilities& capabilities() const override { return kRestCapabilities; }
  // No idempotency key on SignalWire's API either: `idempotency_key` is unused.
  SendResult send(const Message& m, const std::string& idempotency_key) override;
  ProviderResult<void> health_check() override;
  // The REST API has no number resource: numbers are managed through the LaML API's
  // IncomingPhoneNumbers (same project credentials), as in LaML mode.
  ProviderResult<NumberWebhooks> configure_number_webhooks(const std::string& number,
                                                           const std::string& inbound_url,
                                                           const std::string& status_url) override;
  ProviderResult<std::vector<OwnedNumber>> list_owned_numbers() override;
  Headers media_fetch_headers(const std::string& url) const override {
    return twilio::media_fetch_headers(laml_, url);
  }

 private:
  std::string id_;
  RestApi rest_;
  twilio::TwilioApi laml_;
  const Clock& clock_;
  RequestLimiter http_;
};

// The LaML API settings for a space root ("https://<space>.signalwire.com" or a base_url
// override): {root}/api/laml, account path and Basic user = project id, password = API token,
// ValidityPeriod capped at SignalWire's documented 14400 s.
twilio::TwilioApi laml_api(const std::string& space_root, const std::string& project_id,
                           const std::string& api_token, const std::string& status_callback,
                           int timeout_ms);

// Builds a SignalWire connector from its [[connectors]] table. Keys: space_url
// ("<space>.signalwire.com", https:// optional), project_id (a UUID), api_token, signing_key
// (optional here; it verifies webhooks), api ("laml" default | "rest"). base_url, when set,
// replaces the space URL as the request root. Errors name "connectors[<id>].<key>".
Result<std::unique_ptr<Connector>> make_signalwire_connector(const ConnectorSettings& s,
                                                             ConnectorDeps& deps);
// The registry row: keys, factory, webhooks (X-SignalWire-Signature keyed with signing_key, else
// api_token; LaML form and REST JSON), capabilities (of LaML mode).
ProviderSpec provider_spec();

}  // namespace sb::providers::signalwire
