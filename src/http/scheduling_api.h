// Scheduling and verification endpoints: POST /v1/messages/{id}/cancel, POST /v1/verifications,
// POST /v1/verifications/check (docs/scheduling.md).
#pragma once

#include "engine/gateway.h"
#include "engine/verifications.h"
#include "http/router.h"

namespace sb::http {

void register_scheduling_api(Router& router, engine::Gateway& gw, engine::Verifier& verifier);

}  // namespace sb::http
