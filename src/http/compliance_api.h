// The compliance API: opt-outs and keyword auto-reply rules.
#pragma once

#include "engine/services.h"
#include "http/router.h"

namespace sb::http {

// GET/POST/DELETE /v1/opt-outs (and DELETE /v1/opt-outs/{id});
// GET/POST /v1/auto-replies, GET/PATCH/DELETE /v1/auto-replies/{id}.
void register_compliance_api(Router& router, engine::Services& services);

}  // namespace sb::http
