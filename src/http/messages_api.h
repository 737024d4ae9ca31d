// Every /v1/messages route (send, list, read, cancel, redact, delivery log) and GET
// /v1/openapi.json; the send body's parser, shared with conversation replies.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "engine/services.h"
#include "http/router.h"
#include "http/send_request.h"

namespace sb::http {

// Registers POST/GET /v1/messages, GET/DELETE /v1/messages/{id}, POST /v1/messages/{id}/cancel,
// GET /v1/messages/{id}/deliveries (API key) and GET /v1/openapi.json (no key: the public
// description of the API, docs/openapi.yaml converted at build time).
void register_messages_api(Router& router, engine::Services& services);

// docs/openapi.yaml as JSON text (embedded by the build).
std::string_view openapi_json();

}  // namespace sb::http
