// The body of a send (POST /v1/messages, conversation replies) read into an engine::SendRequest:
// syntax and types only; the engine validates addresses, text and URLs.
#pragma once

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "engine/gateway.h"
#include "http/types.h"

namespace sb::http {

// Parses a POST /v1/messages body (JSON object) into a SendRequest; errors name the field.
// Either `to` or `contact_id` (a well-formed contact id, else invalid_contact) is required.
Result<engine::SendRequest> parse_send_request(const Request& req);
// The same for an already parsed body (the Idempotency-Key header is read from `req`).
Result<engine::SendRequest> parse_send_json(const nlohmann::json& body, const Request& req);

}  // namespace sb::http
