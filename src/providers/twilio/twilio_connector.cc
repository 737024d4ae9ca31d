// Twilio: settings checks, the connector they build, and the registry row.
#include "providers/twilio/twilio_connector.h"

#include <algorithm>
#include <cctype>

#include "providers/transport/http_util.h"
#include "providers/twilio/laml_connector.h"
#include "providers/twilio/twilio_webhook.h"

namespace sb::providers::twilio {

bool is_sid(std::string_view v, std::string_view prefix) {
  if (v.size() != prefix.size() + 32 || v.substr(0, prefix.size()) != prefix) return false;
  return std::all_of(v.begin() + prefix.size(), v.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; });
}

Result<std::unique_ptr<Connector>> make_twilio_connector(const ConnectorSettings& s,
                                                         ConnectorDeps& deps) {
  LamlConnectorOptions o;
  o.id = s.id;
  o.provider = "twilio";
  o.capabilities = kCapabilities;
  o.max_concurrency = s.max_concurrency;
  TwilioApi& api = o.api;
  api.timeout_ms = static_cast<int>(s.timeout_ms);
  api.max_validity_s = 36'000;  // Twilio error 21624/90007: 1..36000 seconds

  auto root = http_url_setting(s, "base_url",
                               s.base_url.empty() ? std::string(kDefaultBaseUrl) : s.base_url);
  if (!root) return root.error();
  api.api_root = *root;

  api.account_sid = setting_value(s, "account_sid");
  if (!is_sid(api.account_sid, "AC")) {
    return setting_error(s, "account_sid", "must be a Twilio Account SID (AC + 32 hex digits)");
  }

  const bool has_token = s.values.count("auth_token") > 0;
  const bool has_key_sid = s.values.count("api_key_sid") > 0;
  const bool has_key_secret = s.values.count("api_key_secret") > 0;
  if (has_key_sid != has_key_secret) {
    return setting_error(s, has_key_sid ? "api_key_secret" : "api_key_sid",
                         "api_key_sid and api_key_secret go together");
  }
  if (!has_token && !has_key_sid) {
    return setting_error(s, "auth_token",
                         "is required (or api_key_sid + api_key_secret) for provider twilio");
  }
  if (has_token) {
    if (auto r = check_secret(s, "auth_token"); !r) return r.error();
  }
  if (has_key_sid) {
    if (!is_sid(setting_value(s, "api_key_sid"), "SK")) {
      return setting_error(s, "api_key_sid", "must be a Twilio API Key SID (SK + 32 hex digits)");
    }
    if (auto r = check_secret(s, "api_key_secret"); !r) return r.error();
    api.username = setting_value(s, "api_key_sid");
    api.password = setting_value(s, "api_key_secret");
    o.probe = HealthProbe::kMessagePage;  // standard/restricted keys may not read /Accounts
  } else {
    api.username = api.account_sid;
    api.password = setting_value(s, "auth_token");
    o.probe = HealthProbe::kAccount;
  }

  if (s.values.count("messaging_service_sid")) {
    api.messaging_service_sid = setting_value(s, "messaging_service_sid");
    if (!is_sid(api.messaging_service_sid, "MG")) {
      return setting_error(s, "messaging_service_sid",
                           "must be a Messaging Service SID (MG + 32 hex digits)");
    }
  }
  api.status_callback = webhook_url(deps.public_url, s.id);
  return std::unique_ptr<Connector>(
      std::make_unique<LamlConnector>(std::move(o), deps.http, deps.clock));
}

namespace {

Result<void> read_webhook_secrets(const ConnectorSettings& s, WebhookSecrets& w) {
  w.signing_key = setting_value(s, "auth_token");
  return Ok();
}

std::string missing_webhook_material(const WebhookSecrets& w) {
  return w.signing_key.empty() ? "auth_token" : "";
}

}  // namespace

ProviderSpec provider_spec() {
  return {.name = "twilio",
          .required = {"account_sid"},
          .optional = {"auth_token", "api_key_sid", "api_key_secret", "messaging_service_sid"},
          .make = make_twilio_connector,
          .webhook_secrets = read_webhook_secrets,
          .missing_webhook_material = missing_webhook_material,
          .webhook = {verify_webhook, parse_twilio_webhook, laml_reply},
          .capabilities = kCapabilities};
}

}  // namespace sb::providers::twilio
