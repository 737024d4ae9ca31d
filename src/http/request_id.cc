// Request ids: the client's when sane, else random (not secret: a per-thread generator suffices).
#include "http/request_id.h"

#include <random>

namespace sb::http {

std::string request_id_for(std::string_view incoming) {
  bool sane = !incoming.empty() && incoming.size() <= 128;
  for (char c : incoming) {
    if (c < 0x20 || c > 0x7e) sane = false;
  }
  if (sane) return std::string(incoming);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = rng();
  std::string out(16, '0');
  for (char& c : out) {
    c = kHex[v & 0xf];
    v >>= 4;
  }
  return out;
}

}  // namespace sb::http
