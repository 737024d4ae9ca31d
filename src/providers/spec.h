// How a provider describes itself: its settings (keys, checks, the connector they build), its
// webhooks (the material that verifies them, verify, parse, reply) and its capabilities. Each
// provider folder defines its spec; the registry (providers/registry.h) lists them. Callers
// decide by what a spec or connector says, never by a provider's name.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "providers/connector.h"
#include "providers/settings.h"
#include "providers/webhook.h"

namespace sb::providers {

struct ProviderSpec {
  std::string name;
  std::vector<std::string> required;  // provider keys that must be present (after ${} expansion)
  std::vector<std::string> optional;
  // Builds the connector from settings whose keys are already known and present (make_connector
  // checked them); errors name the connector and the offending key.
  std::function<Result<std::unique_ptr<Connector>>(const ConnectorSettings&, ConnectorDeps&)> make;
  // Fills the provider's part of `out` (signing key, public key, HMAC or Basic credentials, path
  // secret, allow-list) from its keys; errors name the key. Missing material is not an error (a
  // connector may only send). nullptr: the provider has no webhook material.
  Result<void> (*webhook_secrets)(const ConnectorSettings& s, WebhookSecrets& out) = nullptr;
  // The key(s) whose absence leaves its webhooks unverifiable, for a start-up warning; "" when
  // nothing is missing. nullptr: nothing can be (the provider sends no webhooks).
  std::string (*missing_webhook_material)(const WebhookSecrets& w) = nullptr;
  WebhookSpec webhook;
  ProviderCapabilities capabilities;

  // Whether `key` is one of the provider's own keys.
  bool takes(const std::string& key) const {
    return std::find(required.begin(), required.end(), key) != required.end() ||
           std::find(optional.begin(), optional.end(), key) != optional.end();
  }
};

}  // namespace sb::providers
