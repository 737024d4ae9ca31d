// The console's sign-in: POST/GET/DELETE /v1/session (docs/console.md).
#pragma once

#include <string>

#include "engine/console_users.h"
#include "engine/gateway.h"
#include "http/router.h"

namespace sb::http {

struct SessionApiOptions {
  bool secure_cookie = false;  // [server] public_url is https: the cookie is Secure
  int64_t max_age_s = 7 * 86'400;  // the session's absolute limit
};

void register_session_api(Router& router, engine::Gateway& gateway, engine::ConsoleUsers& users,
                          SessionApiOptions options);

}  // namespace sb::http
