// Resource ids: a prefix plus a ULID (48-bit ms time + 80 random bits, Crockford base32), so ids
// sort by creation time and make stable pagination cursors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace sb {

std::string new_id(std::string_view prefix, TimeMs now);
// The 128 bits a ULID's 26 base32 digits carry; nullopt when `ulid` is not 26 such digits.
std::optional<unsigned __int128> ulid_bits(std::string_view ulid);
// The 26 base32 digits of 128 bits (ulid_bits' inverse).
std::string ulid_text(unsigned __int128 bits);
// True when `id` has the prefix and a well-formed ULID after it.
bool is_valid_id(std::string_view id, std::string_view prefix);
// True for ids of the form contacts have: "ct_" and 26 lower-case hex digits (derived from the
// account and number, not a ULID).
bool is_contact_id(std::string_view id);

}  // namespace sb
