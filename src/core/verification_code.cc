// Verification code generation and hashing.
#include "core/verification_code.h"

#include "core/crypto.h"

namespace sb::verification {

std::string generate_code(int length) {
  std::string out;
  out.reserve(static_cast<size_t>(std::max(length, 0)));
  while (static_cast<int>(out.size()) < length) {
    for (unsigned char b : crypto::random_bytes(static_cast<size_t>(length) * 2)) {
      if (b >= 250) continue;  // 250 = 25 * 10: keeping 0..249 leaves every digit equally likely
      out.push_back(static_cast<char>('0' + b % 10));
      if (static_cast<int>(out.size()) == length) break;
    }
  }
  return out;
}

std::string new_salt() { return crypto::hex(crypto::random_bytes(16)); }

std::string hash_code(std::string_view salt, std::string_view code) {
  return crypto::hex(crypto::hmac_sha256(salt, code));
}

bool code_matches(std::string_view salt, std::string_view code_hash, std::string_view code) {
  return crypto::constant_time_equal(hash_code(salt, code), code_hash);
}

}  // namespace sb::verification
