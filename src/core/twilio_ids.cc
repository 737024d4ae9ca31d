// Twilio-style SIDs for our ids.
#include "core/twilio_ids.h"

#include <algorithm>
#include <initializer_list>

#include "core/crypto.h"
#include "core/ids.h"

namespace sb {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kMessagePrefix = "msg_";
constexpr std::string_view kPoolPrefix = "pool_";

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

// Two letters and the 128 bits of the ULID of `id` ("<prefix><ULID>") in 32 lower-case hex digits.
std::string ulid_sid(std::string_view letters, std::string_view id, std::string_view prefix) {
  const auto ulid = id.substr(std::min(prefix.size(), id.size()));
  const unsigned __int128 v = ulid_bits(ulid).value_or(0);  // our ids are always ULIDs
  std::string out(letters);
  for (int i = 31; i >= 0; --i) out.push_back(kHex[static_cast<unsigned>((v >> (i * 4)) & 15)]);
  return out;
}

// The id ("<prefix><ULID>") a SID of ulid_sid names, when its letters are one of `letters`.
std::optional<std::string> id_of_ulid_sid(std::string_view sid,
                                          std::initializer_list<std::string_view> letters,
                                          std::string_view prefix) {
  if (sid.size() != 34 || std::find(letters.begin(), letters.end(), sid.substr(0, 2)) ==
                              letters.end()) {
    return std::nullopt;
  }
  if (!is_hex32(sid.substr(2))) return std::nullopt;
  unsigned __int128 v = 0;
  for (char c : sid.substr(2)) v = (v << 4) | static_cast<unsigned>(hex_value(c));
  return std::string(prefix) + ulid_text(v);
}

}  // namespace

std::string twilio_message_sid(std::string_view message_id, bool mms) {
  return ulid_sid(mms ? "MM" : "SM", message_id, kMessagePrefix);
}

std::optional<std::string> message_id_of_twilio_sid(std::string_view sid) {
  return id_of_ulid_sid(sid, {"SM", "MM"}, kMessagePrefix);
}

std::string twilio_service_sid(std::string_view pool_id) {
  return ulid_sid("MG", pool_id, kPoolPrefix);
}

std::optional<std::string> pool_id_of_twilio_sid(std::string_view sid) {
  return id_of_ulid_sid(sid, {"MG"}, kPoolPrefix);
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
