// ULID generation.
#include "core/ids.h"

#include "core/crypto.h"

namespace sb {
namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

std::string new_id(std::string_view prefix, TimeMs now) {
  std::string out(prefix);
  out.reserve(prefix.size() + 26);
  const uint64_t t = static_cast<uint64_t>(now) & ((uint64_t{1} << 48) - 1);
  for (int i = 9; i >= 0; --i) out.push_back(kAlphabet[(t >> (i * 5)) & 31]);
  const std::string rnd = crypto::random_bytes(10);
  // 80 bits -> 16 base32 characters.
  unsigned __int128 r = 0;
  for (unsigned char c : rnd) r = (r << 8) | c;
  for (int i = 15; i >= 0; --i) out.push_back(kAlphabet[static_cast<unsigned>((r >> (i * 5)) & 31)]);
  return out;
}

bool is_valid_id(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 26 || id.substr(0, prefix.size()) != prefix) return false;
  for (char c : id.substr(prefix.size())) {
    bool found = false;
    for (const char* p = kAlphabet; *p; ++p) found |= (*p == c);
    if (!found) return false;
  }
  return true;
}

}  // namespace sb
