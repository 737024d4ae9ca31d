// ULID generation.
#include "core/ids.h"

#include <cstring>
#include <mutex>

#include "core/crypto.h"

namespace sb {
namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr unsigned __int128 kRandomMask = (static_cast<unsigned __int128>(1) << 80) - 1;

// Monotonic within a millisecond (the ULID spec's monotonic mode): ids made in the same
// millisecond by this process sort in the order they were made, so "newest first" lists by id
// stay in creation order. Across processes, ids of the same millisecond interleave at random.
// 80 random bits from the CSPRNG, taken from a per-thread buffer refilled 512 bytes at a time:
// one RAND_bytes call per id was ~4 % of a network thread's CPU in bench/run.sh (OpenSSL's DRBG
// has a fixed cost per call). The process never forks, so no two copies share a buffer.
unsigned __int128 random80() {
  constexpr size_t kBuffer = 512;
  thread_local std::string pool;
  thread_local size_t used = kBuffer;
  if (used + 10 > pool.size()) {
    pool = crypto::random_bytes(kBuffer);
    used = 0;
  }
  unsigned __int128 r = 0;
  for (size_t i = 0; i < 10; ++i) r = (r << 8) | static_cast<unsigned char>(pool[used + i]);
  used += 10;
  return r;
}

unsigned __int128 next_random(uint64_t t) {
  static std::mutex mu;
  static uint64_t last_t = 0;
  static unsigned __int128 last_r = 0;
  unsigned __int128 r = random80();
  std::lock_guard lk(mu);
  if (t == last_t && last_r < kRandomMask) {
    r = last_r + 1 + (r & 0xFFFF);  // still unpredictable, still increasing
    if (r > kRandomMask) r = last_r + 1;
  }
  last_t = t;
  last_r = r;
  return r;
}
}  // namespace

std::string new_id(std::string_view prefix, TimeMs now) {
  const uint64_t t = static_cast<uint64_t>(now) & ((uint64_t{1} << 48) - 1);
  return std::string(prefix) + ulid_text((static_cast<unsigned __int128>(t) << 80) | next_random(t));
}

std::optional<unsigned __int128> ulid_bits(std::string_view ulid) {
  if (ulid.size() != 26) return std::nullopt;
  unsigned __int128 v = 0;  // 26 digits carry 130 bits; a ULID's top 2 are zero
  for (char c : ulid) {
    const char* at = std::strchr(kAlphabet, c);
    if (c == '\0' || !at) return std::nullopt;
    v = (v << 5) | static_cast<unsigned>(at - kAlphabet);
  }
  return v;
}

std::string ulid_text(unsigned __int128 bits) {
  std::string out;
  out.reserve(26);
  for (int i = 25; i >= 0; --i) {
    out.push_back(kAlphabet[static_cast<unsigned>((bits >> (i * 5)) & 31)]);
  }
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

bool is_contact_id(std::string_view id) {
  if (id.size() != 29 || id.substr(0, 3) != "ct_") return false;
  for (char c : id.substr(3)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace sb
