// The JSON API (/v1) and health endpoints, registered on a Router.
#pragma once

#include "engine/gateway.h"
#include "http/router.h"

namespace sb::http {

void register_api(Router& router, engine::Gateway& gateway);

// Parses a POST /v1/messages body (JSON object) into a SendRequest; errors name the field.
Result<engine::SendRequest> parse_send_request(const Request& req);

}  // namespace sb::http
