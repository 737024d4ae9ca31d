// DELETE /v1/messages/{id} (redaction) and GET /v1/openapi.json.
#pragma once

#include <string_view>

#include "engine/gateway.h"
#include "http/router.h"

namespace sb::http {

// Registers DELETE /v1/messages/{id} (API key) and GET /v1/openapi.json (no key: the public
// description of the API, docs/openapi.yaml converted at build time).
void register_messages_api(Router& router, engine::Gateway& gateway);

// docs/openapi.yaml as JSON text (embedded by the build).
std::string_view openapi_json();

}  // namespace sb::http
