// Verification (2FA) codes: generated from the CSPRNG without modulo bias, stored only as a
// salted HMAC-SHA-256, compared in constant time.
#pragma once

#include <string>
#include <string_view>

namespace sb::verification {

// `length` decimal digits (leading zeros allowed), each uniform over 0-9: random bytes >= 250
// are rejected rather than reduced modulo 10.
std::string generate_code(int length);
// A fresh random salt (hex, 32 characters).
std::string new_salt();
// hex HMAC-SHA-256 keyed with the salt over the code.
std::string hash_code(std::string_view salt, std::string_view code);
// Whether `code` hashes to `code_hash` under `salt`; constant time in the compared bytes.
bool code_matches(std::string_view salt, std::string_view code_hash, std::string_view code);

}  // namespace sb::verification
