// API keys over the API, for admins (docs/api.md#api-keys): GET/POST /v1/keys,
// GET/DELETE /v1/keys/{id}. The same operations as `switchboard keys`, scoped to the caller's
// account; a secret is shown once, in the 201 of the POST.
#pragma once

#include "engine/api_keys.h"
#include "engine/gateway.h"
#include "http/router.h"

namespace sb::http {

void register_keys_api(Router& router, engine::Gateway& gateway, engine::ApiKeys& keys);

}  // namespace sb::http
