// Which providers exist, which configuration keys each takes, and how to build a connector from
// its [[connectors]] table. The one place a new provider is added.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/http_types.h"
#include "core/result.h"
#include "providers/connector.h"
#include "providers/webhook.h"

namespace sb::providers {

// One [[connectors]] table after parsing: the common keys, plus the provider's own keys as
// strings (integers and booleans in their TOML spelling), ${ENV_VAR} references already expanded.
struct ConnectorSettings {
  std::string id;
  std::string provider;
  std::string base_url;  // empty: the provider's default
  int64_t timeout_ms = 10'000;
  int64_t max_concurrency = 16;
  // Webhook signature checks; turning them off is explicit and warned about at every start.
  bool verify_webhooks = true;
  // The provider answers STOP/HELP keywords itself (e.g. Twilio Advanced Opt-Out): opt-outs
  // are still recorded, but Switchboard sends no confirmation of its own.
  bool provider_handles_keywords = false;
  std::map<std::string, std::string> values;
};

// What connectors may use from the process.
struct ConnectorDeps {
  const Clock& clock;
  HttpClient& http;
  std::string public_url;  // this gateway's public base URL (for status-callback URLs)
};

struct ProviderSpec {
  std::string name;
  std::vector<std::string> required;  // provider keys that must be present (after ${} expansion)
  std::vector<std::string> optional;
  // Builds the connector; errors name the connector and the offending key.
  std::function<Result<std::unique_ptr<Connector>>(const ConnectorSettings&, ConnectorDeps&)> make;
};

const std::vector<ProviderSpec>& provider_specs();
const ProviderSpec* find_provider(const std::string& name);

// Checks keys (unknown ones and missing required ones are errors naming "connectors[<id>].<key>")
// and builds the connector.
Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& settings,
                                                  ConnectorDeps& deps);

// A configuration error naming "connectors[<id>].<key>".
Error setting_error(const ConnectorSettings& s, const std::string& key, const std::string& why);
// A provider key's value, or "" when absent.
std::string setting_value(const ConnectorSettings& s, const std::string& key);
// True when `v` holds whitespace or control characters (never valid in credentials or ids).
bool has_space_or_control(std::string_view v);

// What verifies this connector's webhooks, from its keys: twilio auth_token; signalwire
// signing_key (else api_token); telnyx public_key and webhook_tolerance_s; sinch callback_secret
// or callback_username + callback_password; voicemeup webhook_secret and webhook_allow_ips
// (comma-separated). Errors name the key. Missing material is not an error here (a connector
// may only send); `missing_webhook_material` says what is missing, for a start-up warning.
Result<WebhookSecrets> webhook_secrets(const ConnectorSettings& s);
std::string missing_webhook_material(const WebhookSecrets& w);

// Reads a provider key as an integer; errors name the connector and key.
Result<int64_t> int_setting(const ConnectorSettings& s, const std::string& key, int64_t fallback);

}  // namespace sb::providers
