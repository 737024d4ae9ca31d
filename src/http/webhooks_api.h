// The provider webhook endpoints.
#pragma once

#include <string>

#include "engine/webhooks.h"
#include "http/router.h"

namespace sb::http {

// Registers POST /webhooks/{connector} and POST /webhooks/{connector}/{segment}. `public_url` is
// this gateway's public base URL ([server] public_url): signatures are checked against
// public_url + the request target, the URL the provider called.
void register_webhooks(Router& router, engine::WebhookProcessor& processor,
                       std::string public_url);

}  // namespace sb::http
