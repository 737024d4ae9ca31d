// Twilio: its settings, checked, build a LaML connector (laml_connector.h) pointed at
// api.twilio.com; its spec lists its keys, webhooks and capabilities for the registry.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "providers/connector.h"
#include "providers/settings.h"
#include "providers/spec.h"

namespace sb::providers::twilio {

inline constexpr std::string_view kDefaultBaseUrl = "https://api.twilio.com";

// Twilio smart-encodes (SmartEncoded), redacts (DELETE) and manages numbers
// (IncomingPhoneNumbers).
inline constexpr ProviderCapabilities kCapabilities{
    .smart_encoding = true, .number_webhooks = true, .redaction = true};

// Builds a Twilio connector from its [[connectors]] table. Keys: account_sid (AC...), and either
// auth_token or api_key_sid (SK...) + api_key_secret; optional messaging_service_sid (MG...).
// With both an auth token and an API key, the key makes the API calls and the token is kept for
// webhook signatures. Errors name "connectors[<id>].<key>".
Result<std::unique_ptr<Connector>> make_twilio_connector(const ConnectorSettings& s,
                                                         ConnectorDeps& deps);
// The registry row: keys, factory, webhooks (X-Twilio-Signature keyed with auth_token),
// capabilities.
ProviderSpec provider_spec();

// True when `v` is `prefix` followed by exactly 32 hex digits (Twilio's SID format).
bool is_sid(std::string_view v, std::string_view prefix);

}  // namespace sb::providers::twilio
