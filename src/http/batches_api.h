// Batches over the API (docs/batches.md): POST /v1/batches (a CSV body, streamed from the spool
// file the server wrote, with the other fields as query parameters; or JSON recipients),
// GET /v1/batches, GET /v1/batches/{id} (errors paged with errors_after and errors_limit), and
// POST /v1/batches/{id}/pause, /resume, /cancel. Uploads need messages:send, reads messages:read.
#pragma once

#include "engine/batches.h"
#include "engine/gateway.h"
#include "http/router.h"

namespace sb::http {

void register_batches_api(Router& router, engine::Gateway& gateway, engine::Batches& batches);

}  // namespace sb::http
