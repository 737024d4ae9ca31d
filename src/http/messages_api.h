// Every /v1/messages route (send, list, read, cancel, redact, delivery log) and GET
// /v1/openapi.json; the send body's parser, shared with conversation replies.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "engine/services.h"
#include "http/router.h"

namespace sb::http {

// Registers POST/GET /v1/messages, GET/DELETE /v1/messages/{id}, POST /v1/messages/{id}/cancel,
// GET /v1/messages/{id}/deliveries (API key) and GET /v1/openapi.json (no key: the public
// description of the API, docs/openapi.yaml converted at build time).
void register_messages_api(Router& router, engine::Services& services);

// Parses a POST /v1/messages body (JSON object) into a SendRequest; errors name the field.
// Either `to` or `contact_id` (a well-formed contact id, else invalid_contact) is required.
Result<engine::SendRequest> parse_send_request(const Request& req);
// The same for an already parsed body (the Idempotency-Key header is read from `req`).
Result<engine::SendRequest> parse_send_json(const nlohmann::json& body, const Request& req);

// docs/openapi.yaml as JSON text (embedded by the build).
std::string_view openapi_json();

}  // namespace sb::http
