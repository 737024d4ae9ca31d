// The connector for a LaML API: Twilio's 2010-04-01 REST API, which SignalWire's Compatibility
// API implements at its space's /api/laml root. The pure wire functions of twilio_wire.h and
// twilio_numbers.h put to work behind a cap on requests in flight; Twilio (twilio_connector.h)
// and SignalWire's default mode (signalwire_connector.h) each build one from their settings.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "providers/connector.h"
#include "providers/transport/request_limiter.h"
#include "providers/twilio/twilio_wire.h"

namespace sb::providers::twilio {

// How health_check proves the credentials.
enum class HealthProbe {
  kAccount,      // GET Accounts/{sid}.json (Auth Token; Twilio's cheapest authenticated read)
  kMessagePage,  // GET Accounts/{sid}/Messages.json?PageSize=1 (API keys, SignalWire tokens)
};

struct LamlConnectorOptions {
  std::string id;
  std::string provider;               // the provider's name: "twilio" or "signalwire"
  ProviderCapabilities capabilities;  // that provider's (from its spec)
  TwilioApi api;
  HealthProbe probe = HealthProbe::kAccount;
  // how redact() erases the provider's copy: Twilio deletes the record, SignalWire's
  // LaML API blanks the body (its DELETE leaves media files behind anyway).
  bool redact_by_delete = true;
  int64_t max_concurrency = 16;
};

class LamlConnector final : public Connector {
 public:
  LamlConnector(LamlConnectorOptions options, HttpClient& http, const Clock& clock);

  const std::string& id() const override { return options_.id; }
  std::string_view provider() const override { return options_.provider; }
  const ProviderCapabilities& capabilities() const override { return options_.capabilities; }
  // The Messages API has no idempotency key: `idempotency_key` is unused, and a timeout after
  // the provider accepted can duplicate on retry (reconciliation by status query is the cure).
  SendResult send(const Message& m, const std::string& idempotency_key) override;
  // kUnsupported when the message has no provider message id yet (nothing to look up by).
  ProviderResult<StatusQueryResult> query_status(const Message& m) override;
  ProviderResult<void> health_check() override;
  // DELETE (Twilio) or Body="" (SignalWire LaML) on the message's instance resource.
  ProviderResult<void> redact(const Message& m) override;
  Headers media_fetch_headers(const std::string& url) const override {
    return twilio::media_fetch_headers(options_.api, url);
  }

  // IncomingPhoneNumbers (twilio_numbers.h): look the number's SID up, set SmsUrl/StatusCallback.
  ProviderResult<NumberWebhooks> configure_number_webhooks(const std::string& number,
                                                           const std::string& inbound_url,
                                                           const std::string& status_url) override;
  ProviderResult<std::vector<OwnedNumber>> list_owned_numbers() override;

 private:
  LamlConnectorOptions options_;
  const Clock& clock_;
  RequestLimiter http_;
};

}  // namespace sb::providers::twilio
