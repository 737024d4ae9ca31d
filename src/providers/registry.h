// Which providers exist: the table of their specs (providers/spec.h), looked up by the name a
// [[connectors]] table gives. The one place a new provider is added; providers never include it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "providers/connector.h"
#include "providers/settings.h"
#include "providers/spec.h"
#include "providers/webhook.h"

namespace sb::providers {

const std::vector<ProviderSpec>& provider_specs();
// The spec named `name`; nullptr when there is none.
const ProviderSpec* find_provider(std::string_view name);

// Checks keys (unknown ones and missing required ones are errors naming
// "connectors[<id>].<key>") and builds the connector through its provider's spec.
Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& settings,
                                                  ConnectorDeps& deps);

// What verifies this connector's webhooks, from its keys (its provider's part through
// ProviderSpec::webhook_secrets, plus verify_webhooks and webhook_tolerance_s). Errors name the
// key. Missing material is not an error here (a connector may only send);
// `missing_webhook_material` says what is missing, for a start-up warning ("" when nothing is,
// or when the provider sends no webhooks).
Result<WebhookSecrets> webhook_secrets(const ConnectorSettings& s);
std::string missing_webhook_material(const WebhookSecrets& w);

// The webhook functions by provider name (secrets.provider for verification), for embedders and
// tests. An unknown provider is unverified / invalid.
Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now);
Result<WebhookEvent> parse_webhook(std::string_view provider, const WebhookRequest& req,
                                   TimeMs now);
WebhookReply webhook_reply(std::string_view provider, const WebhookRequest& req);

}  // namespace sb::providers
