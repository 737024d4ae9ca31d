// Verification endpoints: POST /v1/verifications, POST /v1/verifications/check
// (docs/scheduling.md).
#pragma once

#include "engine/services.h"
#include "http/router.h"

namespace sb::http {

void register_verifications_api(Router& router, engine::Services& services);

}  // namespace sb::http
