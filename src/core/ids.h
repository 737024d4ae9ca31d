// Resource ids: a prefix plus a ULID (48-bit ms time + 80 random bits, Crockford base32), so ids
// sort by creation time and make stable pagination cursors.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"

namespace sb {

std::string new_id(std::string_view prefix, TimeMs now);
// True when `id` has the prefix and a well-formed ULID after it.
bool is_valid_id(std::string_view id, std::string_view prefix);
// True for ids of the form contacts have: "ct_" and 26 lower-case hex digits (derived from the
// account and number, not a ULID).
bool is_contact_id(std::string_view id);

}  // namespace sb
