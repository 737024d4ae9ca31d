// Sender pools over the API (docs/pools.md): GET/POST /v1/pools, GET/PATCH/DELETE
// /v1/pools/{id} (id or name), scope `numbers`. A message names a pool with `pool`.
#pragma once

#include "engine/gateway.h"
#include "engine/pools.h"
#include "http/router.h"

namespace sb::http {

void register_pools_api(Router& router, engine::Gateway& gateway, engine::Pools& pools);

}  // namespace sb::http
