// Crypto primitives shared by every module (key hashes, webhook signatures, ids).
// OpenSSL stays private to core; nothing else includes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::crypto {

std::string sha256(std::string_view data);                              // raw 32 bytes
std::string hmac_sha256(std::string_view key, std::string_view data);   // raw 32 bytes
std::string hmac_sha1(std::string_view key, std::string_view data);     // raw 20 bytes
std::string hex(std::string_view raw);
std::string base64(std::string_view raw);
// Standard base64 (RFC 4648 alphabet, '=' padding optional); nullopt on any other character or
// an impossible length.
std::optional<std::string> base64_decode(std::string_view text);
// Ed25519 (RFC 8032) verification: `public_key` is the raw 32-byte key, `signature` the raw 64
// bytes. False for wrong sizes or a bad signature; never throws.
bool ed25519_verify(std::string_view public_key, std::string_view message,
                    std::string_view signature);
// Cryptographically secure random bytes (OpenSSL's CSPRNG).
std::string random_bytes(size_t n);
uint64_t random_u64();
// Compares without leaking where the inputs differ; different lengths compare unequal.
bool constant_time_equal(std::string_view a, std::string_view b);

// Console passwords: Argon2id (libsodium's crypto_pwhash_str, its interactive limits: 2 passes,
// 64 MiB), as the self-describing "$argon2id$v=19$m=…" string. Throws std::runtime_error only
// when the machine cannot give the memory.
std::string password_hash(std::string_view password);
// Whether `password` matches `hash` (false for a malformed hash).
bool password_verify(std::string_view hash, std::string_view password);

}  // namespace sb::crypto
