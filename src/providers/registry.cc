// The provider table: each folder's spec, in the order `known:` lists them.
#include "providers/registry.h"

#include "providers/signalwire/signalwire_connector.h"
#include "providers/sim/sim_connector.h"
#include "providers/sinch/sinch_connector.h"
#include "providers/smpp/smpp_connector.h"
#include "providers/telnyx/telnyx_connector.h"
#include "providers/twilio/twilio_connector.h"
#include "providers/voicemeup/voicemeup_connector.h"
#include "providers/webhook_util.h"

namespace sb::providers {

const std::vector<ProviderSpec>& provider_specs() {
  static const std::vector<ProviderSpec> kSpecs = {
      sim_provider_spec(),     twilio::provider_spec(), signalwire::provider_spec(),
      telnyx::provider_spec(), sinch::provider_spec(),  voicemeup::provider_spec(),
      smpp::provider_spec(),
  };
  return kSpecs;
}

const ProviderSpec* find_provider(std::string_view name) {
  for (const auto& p : provider_specs()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& s, ConnectorDeps& deps) {
  const ProviderSpec* spec = find_provider(s.provider);
  if (!spec) {
    std::string names;
    for (const auto& p : provider_specs()) names += (names.empty() ? "" : ", ") + p.name;
    return setting_error(s, "provider",
                         "unknown provider '" + s.provider + "' (known: " + names + ")");
  }
  for (const auto& [k, _] : s.values) {
    if (!spec->takes(k)) return setting_error(s, k, "unknown key for provider " + s.provider);
  }
  for (const auto& k : spec->required) {
    auto it = s.values.find(k);
    if (it == s.values.end() || it->second.empty()) {
      return setting_error(s, k, "is required for provider " + s.provider);
    }
  }
  return spec->make(s, deps);
}

Result<WebhookSecrets> webhook_secrets(const ConnectorSettings& s) {
  WebhookSecrets w;
  w.provider = s.provider;
  w.verification_disabled = !s.verify_webhooks;
  if (const ProviderSpec* spec = find_provider(s.provider); spec && spec->webhook_secrets) {
    if (auto r = spec->webhook_secrets(s, w); !r) return r.error();
  }
  auto tolerance = int_setting(s, "webhook_tolerance_s", 300);
  if (!tolerance) return tolerance.error();
  if (*tolerance < 1) return setting_error(s, "webhook_tolerance_s", "must be at least 1");
  w.tolerance_s = *tolerance;
  return w;
}

std::string missing_webhook_material(const WebhookSecrets& w) {
  if (w.verification_disabled) return "";
  const ProviderSpec* spec = find_provider(w.provider);
  return spec && spec->missing_webhook_material ? spec->missing_webhook_material(w) : "";
}

Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now) {
  if (secrets.verification_disabled) return Ok();
  const ProviderSpec* spec = find_provider(secrets.provider);
  if (!spec) {
    return webhook_util::unverified("not configured: unknown provider '" + secrets.provider + "'");
  }
  return verify_webhook(spec->webhook, secrets, req, now);
}

Result<WebhookEvent> parse_webhook(std::string_view provider, const WebhookRequest& req,
                                   TimeMs now) {
  const ProviderSpec* spec = find_provider(provider);
  if (!spec) {
    return webhook_util::invalid("provider", "unknown provider '" + std::string(provider) + "'");
  }
  return parse_webhook(spec->webhook, req, now);
}

WebhookReply webhook_reply(std::string_view provider, const WebhookRequest& req) {
  const ProviderSpec* spec = find_provider(provider);
  return spec ? webhook_reply(spec->webhook, req) : WebhookReply{};
}

}  // namespace sb::providers
