// Forwarding API: a number's forwarding target and default status callback, and the account's
// webhook signing secret. docs/forwarding.md.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/services.h"
#include "http/router.h"

namespace sb::http {

// Registers GET /v1/signing-secret and POST /v1/signing-secret/rotate (API key required;
// database work, offloaded).
void register_forwarding_api(Router& router, engine::Services& services);

// The body of PATCH /v1/numbers/{number} (numbers_api.cc serves the route): forwarding
// {url, method} or null, status_callback or null, conversations "all" or "inbound"; unknown
// fields and bad values name the field.
Result<NumberSettingsUpdate> parse_number_settings(const nlohmann::json& body);

}  // namespace sb::http
