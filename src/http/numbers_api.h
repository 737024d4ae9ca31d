// The numbers API (/v1/numbers): the account's sending numbers, and pointing a number's webhooks
// at this gateway through its provider's own API.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/services.h"
#include "http/router.h"

namespace sb::http {

// A number as the API (and `switchboard numbers list --json`) shows it: number, connector,
// provider, capabilities {sms, mms}, type, throughput (effective messages/s; null unlimited),
// status, source, forwarding {url, method} or null, status_callback (or null), webhooks
// {inbound_url, status_url}.
nlohmann::json number_json(const engine::NumberView& v, const std::string& public_url);

// GET /v1/numbers (limit, cursor), GET /v1/numbers/{number} (E.164 URL-encoded, or without the
// '+'; another account's number is 404), POST /v1/numbers/{number}/provider-webhooks (200 with
// what was set; 422 not_supported; 502 provider_error with the provider's message).
void register_numbers_api(Router& router, engine::Services& services);

}  // namespace sb::http
