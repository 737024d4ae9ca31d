// POST /v1/sim/inbound: the simulated carrier delivers an inbound message to one of the caller's
// numbers on a sim connector, through the same ingest path a provider's webhook takes.
#pragma once

#include "engine/services.h"
#include "engine/webhooks.h"
#include "http/router.h"

namespace sb::http {

void register_sim_api(Router& router, engine::Services& services,
                      engine::WebhookProcessor& webhooks);

}  // namespace sb::http
