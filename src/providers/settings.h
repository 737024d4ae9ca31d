// What a connector is built from: its [[connectors]] table and the process services it may use,
// plus the checks every provider's settings share. Errors name "connectors[<id>].<key>".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/http_types.h"
#include "core/result.h"

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

// A configuration error naming "connectors[<id>].<key>".
Error setting_error(const ConnectorSettings& s, const std::string& key, const std::string& why);
// A provider key's value, or "" when absent.
std::string setting_value(const ConnectorSettings& s, const std::string& key);
// Reads a provider key as an integer (`fallback` when absent); errors name the connector and key.
Result<int64_t> int_setting(const ConnectorSettings& s, const std::string& key, int64_t fallback);
// True when `v` holds whitespace or control characters (never valid in credentials or ids).
bool has_space_or_control(std::string_view v);
// 8-4-4-4-12 hexadecimal digits: the shape of SignalWire project ids and Telnyx resource ids.
bool is_uuid(std::string_view v);
// `url` as an http(s) URL without trailing slashes, or an error naming `key`.
Result<std::string> http_url_setting(const ConnectorSettings& s, const std::string& key,
                                     std::string url);
// Key `key` is present and free of whitespace: a secret pasted with a stray newline would
// otherwise fail every call later with a puzzling 401.
Result<void> check_secret(const ConnectorSettings& s, const std::string& key);

}  // namespace sb::providers
