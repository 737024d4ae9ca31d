// Twilio-style SIDs for our ids.
#include "core/twilio_ids.h"

#include <algorithm>

#include "core/crypto.h"
#include "core/ids.h"

namespace sb {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kMessagePrefix = "msg_";

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
  const auto ulid = message_id.substr(std::min(kMessagePrefix.size(), message_id.size()));
  const unsigned __int128 v = ulid_bits(ulid).value_or(0);  // our ids are always ULIDs
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
  return std::string(kMessagePrefix) + ulid_text(v);
}

std::string twilio_number_sid(std::string_view account, std::string_view number) {
  std::string key(account);
  key.push_back('\n');
  key.append(number);
  return "PN" + crypto::hex(crypto::sha256(key).substr(0, 16));
}

std::string twilio_media_sid(std::string_view message_id, size_t index) {
  std::string key(message_id);
  key.push_back('\n');
  key.append(std::to_string(index));
  return "ME" + crypto::hex(crypto::sha256(key).substr(0, 16));
}

std::string new_twilio_account_sid() { return "AC" + crypto::hex(crypto::random_bytes(16)); }

bool is_twilio_account_sid(std::string_view sid) {
  return sid.size() == 34 && sid.substr(0, 2) == "AC" && is_hex32(sid.substr(2));
}

}  // namespace sb
