// Twilio-style SIDs for our ids.
#include "core/twilio_ids.h"

#include <algorithm>

#include "core/crypto.h"

namespace sb {
namespace {

constexpr char kBase32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kMessagePrefix = "msg_";

int base32_value(char c) {
  for (int i = 0; i < 32; ++i) {
    if (kBase32[i] == c) return i;
  }
  return -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_hex32(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (hex_value(c) < 0) return false;
  }
  return true;
}

}  // namespace

std::string twilio_message_sid(std::string_view message_id, bool mms) {
  std::string_view ulid = message_id.substr(std::min(kMessagePrefix.size(), message_id.size()));
  unsigned __int128 v = 0;  // 26 base32 digits carry 130 bits; a ULID's top 2 are zero
  for (char c : ulid) v = (v << 5) | static_cast<unsigned>(std::max(0, base32_value(c)));
  std::string out = mms ? "MM" : "SM";
  for (int i = 31; i >= 0; --i) out.push_back(kHex[static_cast<unsigned>((v >> (i * 4)) & 15)]);
  return out;
}

std::optional<std::string> message_id_of_twilio_sid(std::string_view sid) {
  if (sid.size() != 34 || !(sid.substr(0, 2) == "SM" || sid.substr(0, 2) == "MM")) {
    return std::nullopt;
  }
  if (!is_hex32(sid.substr(2))) return std::nullopt;
  unsigned __int128 v = 0;
  for (char c : sid.substr(2)) v = (v << 4) | static_cast<unsigned>(hex_value(c));
  std::string out(kMessagePrefix);
  for (int i = 25; i >= 0; --i) out.push_back(kBase32[static_cast<unsigned>((v >> (i * 5)) & 31)]);
  return out;
}

std::string twilio_number_sid(std::string_view account, std::string_view number) {
  std::string key(account);
  key.push_back('\n');
  key.append(number);
  return "PN" + crypto::hex(crypto::sha256(key).substr(0, 16));
}

std::string new_twilio_account_sid() { return "AC" + crypto::hex(crypto::random_bytes(16)); }

bool is_twilio_account_sid(std::string_view sid) {
  return sid.size() == 34 && sid.substr(0, 2) == "AC" && is_hex32(sid.substr(2));
}

}  // namespace sb
