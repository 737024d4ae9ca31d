// The numbers API (/v1/numbers): the account's sending numbers, and pointing a number's webhooks
// at this gateway through its provider's own API.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/gateway.h"
#include "http/router.h"
#include "providers/connector.h"

namespace sb::http {

struct NumbersApiOptions {
  std::map<std::string, providers::Connector*> connectors;  // by connector id
  std::string public_url;                                   // [server] public_url
};

// The webhook URLs this gateway expects for `connector` (docs/webhooks.md): inbound messages
// and status reports both go to <public_url>/webhooks/<connector>; VoiceMeUp's carries its
// secret as a last path segment, shown as the placeholder "{webhook_secret}".
struct ExpectedWebhooks {
  std::string inbound_url;
  std::string status_url;
};
ExpectedWebhooks expected_webhooks(const std::string& public_url, const std::string& connector,
                                   std::string_view provider);

// A number as the API (and `switchboard numbers list --json`) shows it: number, connector,
// provider, capabilities {sms, mms}, type, throughput (effective messages/s; null unlimited),
// status, source, forwarding {url, method} or null, status_callback (or null), webhooks
// {inbound_url, status_url}.
nlohmann::json number_json(const store::NumberRecord& n, std::string_view provider,
                           const std::string& public_url);

// GET /v1/numbers (limit, cursor), GET /v1/numbers/{number} (E.164 URL-encoded, or without the
// '+'; another account's number is 404), POST /v1/numbers/{number}/provider-webhooks (200 with
// what was set; 422 not_supported; 502 provider_error with the provider's message).
void register_numbers_api(Router& router, engine::Gateway& gw, NumbersApiOptions options);

}  // namespace sb::http
