// The provider table.
#include "providers/registry.h"

#include <algorithm>

#include "providers/sim/sim_connector.h"
#include "providers/signalwire/signalwire_connector.h"
#include "providers/sinch/sinch_connector.h"
#include "providers/telnyx/telnyx_connector.h"
#include "providers/twilio/twilio_connector.h"
#include "providers/voicemeup/voicemeup_connector.h"

namespace sb::providers {
namespace {

Result<std::unique_ptr<Connector>> make_sim(const ConnectorSettings& s, ConnectorDeps& deps) {
  auto delay = int_setting(s, "delivery_delay_ms", 1000);
  if (!delay) return delay.error();
  if (*delay < 0) return setting_error(s, "delivery_delay_ms", "must be >= 0");
  auto retention = int_setting(s, "journal_retention_hours", 24);
  if (!retention) return retention.error();
  if (*retention < 1) return setting_error(s, "journal_retention_hours", "must be >= 1");
  SimOptions o;
  o.id = s.id;
  o.delivery_delay_ms = *delay;
  o.retention_ms = *retention * 3'600'000;
  auto it = s.values.find("journal");
  o.journal_path = it != s.values.end() ? it->second : "var/sim-" + s.id + ".jsonl";
  try {
    return std::unique_ptr<Connector>(std::make_unique<SimConnector>(o, deps.clock));
  } catch (const std::exception& e) {
    return setting_error(s, "journal", e.what());
  }
}

}  // namespace

Error setting_error(const ConnectorSettings& s, const std::string& key, const std::string& why) {
  return Error::make("invalid_config", "connectors[" + s.id + "]." + key + ": " + why,
                     "connectors[" + s.id + "]." + key);
}

std::string setting_value(const ConnectorSettings& s, const std::string& key) {
  auto it = s.values.find(key);
  return it == s.values.end() ? std::string() : it->second;
}

bool has_space_or_control(std::string_view v) {
  for (unsigned char c : v) {
    if (c <= ' ' || c == 0x7F) return true;
  }
  return false;
}

const std::vector<ProviderSpec>& provider_specs() {
  static const std::vector<ProviderSpec> kSpecs = {
      {"sim", {}, {"delivery_delay_ms", "journal", "journal_retention_hours"}, make_sim},
      twilio::twilio_provider_spec(),
      signalwire::signalwire_provider_spec(),
      {"telnyx",
       {"api_key"},
       {"public_key", "messaging_profile_id", "webhook_tolerance_s"},
       telnyx::make_connector},
      {"sinch",
       {"service_plan_id", "api_token"},
       {"region", "callback_secret", "callback_username", "callback_password",
        "webhook_tolerance_s"},
       sinch::make_connector},
      {"voicemeup",
       {"username", "auth_token"},
       {"webhook_secret", "webhook_allow_ips"},
       voicemeup::make_voicemeup},
  };
  return kSpecs;
}

const ProviderSpec* find_provider(const std::string& name) {
  for (const auto& p : provider_specs()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Result<WebhookSecrets> webhook_secrets(const ConnectorSettings& s) {
  WebhookSecrets w;
  w.provider = s.provider;
  w.verification_disabled = !s.verify_webhooks;
  if (s.provider == "twilio") {
    w.signing_key = setting_value(s, "auth_token");
  } else if (s.provider == "signalwire") {
    w.signing_key = setting_value(s, "signing_key");
    if (w.signing_key.empty()) w.signing_key = setting_value(s, "api_token");
  } else if (s.provider == "telnyx") {
    w.public_key = setting_value(s, "public_key");
  } else if (s.provider == "sinch") {
    w.hmac_secret = setting_value(s, "callback_secret");
    w.basic_username = setting_value(s, "callback_username");
    w.basic_password = setting_value(s, "callback_password");
    if (w.basic_username.empty() != w.basic_password.empty()) {
      return setting_error(s, w.basic_username.empty() ? "callback_username" : "callback_password",
                           "callback_username and callback_password go together");
    }
  } else if (s.provider == "voicemeup") {
    w.path_secret = setting_value(s, "webhook_secret");
    if (!w.path_secret.empty() && w.path_secret.size() < 16) {
      return setting_error(s, "webhook_secret", "must be at least 16 characters (it is the only "
                                                "proof a VoiceMeUp webhook is genuine)");
    }
    std::string ips = setting_value(s, "webhook_allow_ips");
    size_t at = 0;
    while (at <= ips.size() && !ips.empty()) {
      size_t comma = ips.find(',', at);
      if (comma == std::string::npos) comma = ips.size();
      std::string ip = ips.substr(at, comma - at);
      ip.erase(0, ip.find_first_not_of(' '));
      ip.erase(ip.find_last_not_of(' ') + 1);
      if (!ip.empty()) w.allow_ips.push_back(ip);
      at = comma + 1;
    }
  }
  auto tolerance = int_setting(s, "webhook_tolerance_s", 300);
  if (!tolerance) return tolerance.error();
  if (*tolerance < 1) return setting_error(s, "webhook_tolerance_s", "must be at least 1");
  w.tolerance_s = *tolerance;
  return w;
}

std::string missing_webhook_material(const WebhookSecrets& w) {
  if (w.verification_disabled) return "";
  if ((w.provider == "twilio" || w.provider == "signalwire") && w.signing_key.empty()) {
    return w.provider == "twilio" ? "auth_token" : "signing_key";
  }
  if (w.provider == "telnyx" && w.public_key.empty()) return "public_key";
  if (w.provider == "sinch" && w.hmac_secret.empty() && w.basic_username.empty()) {
    return "callback_secret (or callback_username + callback_password)";
  }
  if (w.provider == "voicemeup" && w.path_secret.empty()) return "webhook_secret";
  return "";
}

Result<int64_t> int_setting(const ConnectorSettings& s, const std::string& key, int64_t fallback) {
  auto it = s.values.find(key);
  if (it == s.values.end()) return fallback;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end) return setting_error(s, key, "must be an integer");
  return static_cast<int64_t>(v);
}

Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& s,
                                                  ConnectorDeps& deps) {
  const ProviderSpec* spec = find_provider(s.provider);
  if (!spec) {
    std::string names;
    for (const auto& p : provider_specs()) names += (names.empty() ? "" : ", ") + p.name;
    return setting_error(s, "provider", "unknown provider '" + s.provider + "' (known: " + names + ")");
  }
  for (const auto& [k, _] : s.values) {
    const bool known = std::find(spec->required.begin(), spec->required.end(), k) !=
                           spec->required.end() ||
                       std::find(spec->optional.begin(), spec->optional.end(), k) !=
                           spec->optional.end();
    if (!known) return setting_error(s, k, "unknown key for provider " + s.provider);
  }
  for (const auto& k : spec->required) {
    auto it = s.values.find(k);
    if (it == s.values.end() || it->second.empty()) {
      return setting_error(s, k, "is required for provider " + s.provider);
    }
  }
  return spec->make(s, deps);
}

}  // namespace sb::providers
