// The contacts API (/v1/contacts): the account's address book.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/services.h"
#include "http/router.h"

namespace sb::http {

// GET/POST /v1/contacts (q, cursor, limit), GET/PATCH/DELETE /v1/contacts/{id}. Numbers are
// normalized to E.164 with the gateway's default region; a number is unique per account.
void register_contacts_api(Router& router, engine::Services& services);

}  // namespace sb::http
