// The conversations API: reading threads, replying in one, marking one read.
#pragma once

#include "engine/services.h"
#include "http/router.h"

namespace sb::http {

// GET /v1/conversations (newest activity first; number, contact_id, unread, cursor, limit),
// GET /v1/conversations/{id}, GET /v1/conversations/{id}/messages (oldest first; before/after),
// POST /v1/conversations/{id}/messages (a reply in the thread), POST /v1/conversations/{id}/read.
void register_conversations_api(Router& router, engine::Services& services);

}  // namespace sb::http
