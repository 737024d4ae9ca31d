// GET /v1/events: the live event stream as a WebSocket (docs/events.md).
#pragma once

#include "engine/event_stream.h"
#include "engine/services.h"
#include "http/router.h"

namespace sb::http {

struct EventsApiOptions {
  size_t queue_limit = 1'000;  // frames waiting for a slow client before it is cut off
};

void register_events_api(Router& router, engine::Services& services, engine::EventStream& stream,
                         EventsApiOptions options);

}  // namespace sb::http
