// The console's users over the API, for admins: GET/POST /v1/users, PATCH /v1/users/{id}
// (disable, enable), POST /v1/users/{id}/password (docs/console.md). The same operations as
// `switchboard users`, scoped to the caller's account.
#pragma once

#include "engine/console_users.h"
#include "engine/gateway.h"
#include "http/router.h"

namespace sb::http {

void register_users_api(Router& router, engine::Gateway& gateway, engine::ConsoleUsers& users);

}  // namespace sb::http
