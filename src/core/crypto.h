// Crypto primitives shared by every module (key hashes, webhook signatures, ids).
// OpenSSL stays private to core; nothing else includes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::crypto {

std::string sha256(std::string_view data);                              // raw 32 bytes
std::string hmac_sha256(std::string_view key, std::string_view data);   // raw 32 bytes
std::string hmac_sha1(std::string_view key, std::string_view data);     // raw 20 bytes
std::string hex(std::string_view raw);
std::string base64(std::string_view raw);
// Cryptographically secure random bytes (OpenSSL's CSPRNG).
std::string random_bytes(size_t n);
uint64_t random_u64();
// Compares without leaking where the inputs differ; different lengths compare unequal.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sb::crypto
