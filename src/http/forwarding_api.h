// Forwarding API (issue #6): a number's forwarding target and default status callback, the
// delivery log of a message, and the account's webhook signing secret. docs/forwarding.md.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/gateway.h"
#include "http/router.h"

namespace sb::http {

// Registers PATCH /v1/numbers/{number}, GET /v1/messages/{id}/deliveries, GET /v1/signing-secret
// and POST /v1/signing-secret/rotate (API key required; database work, offloaded).
void register_forwarding_api(Router& router, engine::Gateway& gateway);

// A number as PATCH /v1/numbers/{number} answers it.
nlohmann::json number_settings_json(const store::NumberRecord& n);

}  // namespace sb::http
