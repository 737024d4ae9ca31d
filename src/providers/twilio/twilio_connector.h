// The Twilio connector: configuration checks, a cap on requests in flight, and the pure wire
// functions of twilio_wire.h put to work. SignalWire's LaML mode runs on the same class.
#pragma once

#include <memory>
#include <semaphore>
#include <string>

#include "core/result.h"
#include "providers/connector.h"
#include "providers/transport/request_limiter.h"
#include "providers/registry.h"
#include "providers/twilio/twilio_wire.h"

namespace sb::providers::twilio {

inline constexpr std::string_view kDefaultBaseUrl = "https://api.twilio.com";

// How health_check proves the credentials.
enum class HealthProbe {
  kAccount,      // GET Accounts/{sid}.json (Auth Token; Twilio's cheapest authenticated read)
  kMessagePage,  // GET Accounts/{sid}/Messages.json?PageSize=1 (API keys, SignalWire tokens)
};

struct TwilioConnectorOptions {
  std::string id;
  std::string provider = "twilio";  // "signalwire" when serving SignalWire's LaML API
  TwilioApi api;
  HealthProbe probe = HealthProbe::kAccount;
  // how redact() erases the provider's copy: Twilio deletes the record, SignalWire's
  // LaML API blanks the body (its DELETE leaves media files behind anyway).
  bool redact_by_delete = true;
  int64_t max_concurrency = 16;
};

class TwilioConnector final : public Connector {
 public:
  TwilioConnector(TwilioConnectorOptions options, HttpClient& http, const Clock& clock);

  const std::string& id() const override { return options_.id; }
  std::string_view provider() const override { return options_.provider; }
  // Twilio's Messages API has no idempotency key: `idempotency_key` is unused, and a timeout
  // after Twilio accepted can duplicate on retry (reconciliation by status query is the cure).
  SendResult send(const Message& m, const std::string& idempotency_key) override;
  // nullopt when the message has no provider message id yet (nothing to look up by).
  std::optional<std::variant<StatusQueryResult, SendFailure>> query_status(
      const Message& m) override;
  std::optional<SendFailure> health_check() override;
  // DELETE (Twilio) or Body="" (SignalWire LaML) on the message's instance resource.
  bool supports_redaction() const override { return true; }
  std::optional<SendFailure> redact(const Message& m) override;
  Headers media_fetch_headers(const std::string& url) const override {
    return twilio::media_fetch_headers(options_.api, url);
  }

  // IncomingPhoneNumbers (twilio_numbers.h): look the number's SID up, set SmsUrl/StatusCallback.
  Result<NumberWebhooks> configure_number_webhooks(const std::string& number,
                                                   const std::string& inbound_url,
                                                   const std::string& status_url) override;
  Result<std::vector<OwnedNumber>> list_owned_numbers() override;

 private:
  TwilioConnectorOptions options_;
  const Clock& clock_;
  RequestLimiter http_;
};

// Builds a Twilio connector from its [[connectors]] table. Keys: account_sid (AC...), and either
// auth_token or api_key_sid (SK...) + api_key_secret; optional messaging_service_sid (MG...).
// With both an auth token and an API key, the key makes the API calls and the token is kept for
// webhook signatures. Errors name "connectors[<id>].<key>".
Result<std::unique_ptr<Connector>> make_twilio_connector(const ConnectorSettings& s,
                                                         ConnectorDeps& deps);
// The registry row: name, required and optional keys, factory.
ProviderSpec twilio_provider_spec();

// Shared with the SignalWire connector.
// An http(s) URL without trailing slashes, or an error naming `key`.
Result<std::string> http_url_setting(const ConnectorSettings& s, const std::string& key,
                                     std::string url);
// True when `v` is `prefix` followed by exactly 32 hex digits (Twilio's SID format).
bool is_sid(std::string_view v, std::string_view prefix);
// A credential that is present and free of whitespace: a secret pasted with a stray newline
// would otherwise fail every call later with a puzzling 401.
Result<void> check_secret(const ConnectorSettings& s, const std::string& key);

}  // namespace sb::providers::twilio
