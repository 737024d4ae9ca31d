// What an SMSC's octets mean as text, read forgivingly because SMSCs disagree on the details.
#include "smpp/text.h"

#include <array>
#include <cctype>
#include <cstdio>

#include "core/ascii.h"
#include "core/utf8.h"

namespace sb::smpp {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr uint8_t kEscape = 0x1B;

// GSM 03.38 default alphabet (3GPP TS 23.038, 6.2.1); 0x1B is the escape to the extension table.
// clang-format off
constexpr std::array<char32_t, 128> kGsmDefault = {
    /* 0x00 */ U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'\n', U'Ø', U'ø', U'\r', U'Å', U'å',
    /* 0x10 */ U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', 0, U'Æ', U'æ', U'ß', U'É',
    /* 0x20 */ U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(', U')', U'*', U'+', U',', U'-', U'.', U'/',
    /* 0x30 */ U'0', U'1', U'2', U'3', U'4', U'5', U'6', U'7', U'8', U'9', U':', U';', U'<', U'=', U'>', U'?',
    /* 0x40 */ U'¡', U'A', U'B', U'C', U'D', U'E', U'F', U'G', U'H', U'I', U'J', U'K', U'L', U'M', U'N', U'O',
    /* 0x50 */ U'P', U'Q', U'R', U'S', U'T', U'U', U'V', U'W', U'X', U'Y', U'Z', U'Ä', U'Ö', U'Ñ', U'Ü', U'§',
    /* 0x60 */ U'¿', U'a', U'b', U'c', U'd', U'e', U'f', U'g', U'h', U'i', U'j', U'k', U'l', U'm', U'n', U'o',
    /* 0x70 */ U'p', U'q', U'r', U's', U't', U'u', U'v', U'w', U'x', U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à',
};
// clang-format on

// The extension table (6.2.1.1): the septet after 0x1B, and what it stands for.
constexpr std::pair<uint8_t, char32_t> kGsmExtension[] = {
    {0x0A, U'\f'}, {0x14, U'^'}, {0x28, U'{'}, {0x29, U'}'}, {0x2F, U'\\'},
    {0x3C, U'['},  {0x3D, U'~'}, {0x3E, U']'}, {0x40, U'|'}, {0x65, U'€'},
};

// Code point to GSM-7 octets (1 or 2 with the escape), built once.
struct GsmEncoder {
  // U+0000..U+03FF (the Greek capitals are the highest): 0 when absent, else 0x100 | septet, or
  // 0x8000 | extension septet. U+20AC, the one code point above, is handled in put().
  std::array<uint16_t, 0x400> low{};
  GsmEncoder() {
    for (size_t i = 0; i < kGsmDefault.size(); ++i) {
      if (i != kEscape) low[kGsmDefault[i]] = static_cast<uint16_t>(0x100 | i);
    }
    for (const auto& [septet, cp] : kGsmExtension) {
      if (cp < low.size()) low[cp] = static_cast<uint16_t>(0x8000 | septet);
    }
  }
  // Appends the encoding of `cp`; false when it has none.
  bool put(std::string& out, char32_t cp) const {
    if (cp == U'€') {
      out.push_back(static_cast<char>(kEscape));
      out.push_back(0x65);
      return true;
    }
    if (cp >= low.size() || low[cp] == 0) return false;
    const uint16_t v = low[cp];
    if (v & 0x8000) out.push_back(static_cast<char>(kEscape));
    out.push_back(static_cast<char>(v & 0x7F));
    return true;
  }
};

const GsmEncoder& gsm_encoder() {
  static const GsmEncoder e;
  return e;
}

// Code points of `s`, an invalid sequence read as U+FFFD per byte, so callers never see garbage.
template <typename F>
void for_each_cp(std::string_view s, F&& f) {
  if (utf8::is_valid(s)) {
    for (size_t i = 0; i < s.size();) f(utf8::next_unchecked(s, i));
    return;
  }
  for (size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (i + n <= s.size() && utf8::is_valid(s.substr(i, n))) {
      f(utf8::next_unchecked(s, i));
    } else {
      f(kReplacement);
      ++i;
    }
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool all_of(std::string_view s, int (*pred)(int)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}
bool is_decimal(std::string_view s) {
  return all_of(s, [](int c) { return std::isdigit(c); });
}
bool is_hex(std::string_view s) {
  return all_of(s, [](int c) { return std::isxdigit(c); });
}

// `s` (digits of `base`) as a number; nullopt when it does not fit 64 bits.
std::optional<uint64_t> to_number(std::string_view s, unsigned base) {
  uint64_t v = 0;
  for (char c : s) {
    const unsigned d =
        std::isdigit(static_cast<unsigned char>(c))
            ? static_cast<unsigned>(c - '0')
            : static_cast<unsigned>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    if (d >= base) return std::nullopt;
    if (v > (UINT64_MAX - d) / base) return std::nullopt;
    v = v * base + d;
  }
  return v;
}

std::string hex_octets(std::string_view octets) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(octets.size() * 2);
  for (char c : octets) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

}  // namespace

Alphabet alphabet_of(uint8_t dc, Alphabet smsc_default) {
  // SMPP gives 0x00-0x0F its own meanings (5.2.19).
  switch (dc) {
    case dcs::kSmscDefault:
      return smsc_default;
    case dcs::kIa5:
      return Alphabet::kAscii;
    case dcs::kLatin1:
      return Alphabet::kLatin1;
    case dcs::kUcs2:
      return Alphabet::kUcs2;
    default:
      break;
  }
  // JIS, Cyrillic, Hebrew, pictograms, ISO-2022-JP, Kanji, KS C 5601 and the reserved values: we
  // cannot read them, so they are kept as octets rather than guessed at.
  if (dc < 0x10) return Alphabet::kBinary;
  // TS 23.038 section 4. General data coding (00xx) and automatic deletion (01xx): bit 5 says
  // compressed, bits 3-2 the alphabet (11 reserved, read as the default alphabet).
  if (dc < 0x80) {
    if (dc & 0x20) return Alphabet::kBinary;
    switch ((dc >> 2) & 0x03) {
      case 1:
        return Alphabet::kBinary;
      case 2:
        return Alphabet::kUcs2;
      default:
        return Alphabet::kGsm7;
    }
  }
  if (dc >= 0xF0) return (dc & 0x04) ? Alphabet::kBinary : Alphabet::kGsm7;
  if (dc >= 0xE0) return Alphabet::kUcs2;  // message waiting, store message, UCS-2
  // Message waiting (discard / store, default alphabet) and the reserved groups.
  return Alphabet::kGsm7;
}

std::optional<std::string> encode_gsm7(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool ok = true;
  const GsmEncoder& enc = gsm_encoder();
  for_each_cp(utf8, [&](char32_t cp) { ok = ok && enc.put(out, cp); });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> encode_latin1(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool ok = true;
  for_each_cp(utf8, [&](char32_t cp) {
    if (cp > 0xFF) ok = false;
    if (ok) out.push_back(static_cast<char>(cp));
  });
  if (!ok) return std::nullopt;
  return out;
}

std::string encode_ucs2(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() * 2);
  const auto unit = [&](uint32_t u) {
    out.push_back(static_cast<char>(u >> 8));
    out.push_back(static_cast<char>(u & 0xFF));
  };
  for_each_cp(utf8, [&](char32_t cp) {
    if (cp > 0xFFFF) {
      const uint32_t v = static_cast<uint32_t>(cp) - 0x10000;
      unit(0xD800 | (v >> 10));
      unit(0xDC00 | (v & 0x3FF));
    } else {
      unit(static_cast<uint32_t>(cp));
    }
  });
  return out;
}

std::optional<std::string> encode_text(std::string_view utf8, Alphabet alphabet) {
  switch (alphabet) {
    case Alphabet::kGsm7:
      return encode_gsm7(utf8);
    case Alphabet::kLatin1:
      return encode_latin1(utf8);
    case Alphabet::kAscii: {
      for (char c : utf8) {
        if (static_cast<unsigned char>(c) > 0x7F) return std::nullopt;
      }
      return std::string(utf8);
    }
    case Alphabet::kUcs2:
      return encode_ucs2(utf8);
    case Alphabet::kBinary:
      return std::string(utf8);
  }
  return std::nullopt;
}

std::string decode_text(std::string_view octets, Alphabet alphabet) {
  std::string out;
  out.reserve(octets.size());
  switch (alphabet) {
    case Alphabet::kGsm7:
      for (size_t i = 0; i < octets.size(); ++i) {
        const auto b = static_cast<unsigned char>(octets[i]);
        if (b > 0x7F) {
          utf8::append(out, kReplacement);
        } else if (b != kEscape) {
          utf8::append(out, kGsmDefault[b]);
        } else if (i + 1 >= octets.size()) {
          utf8::append(out, kReplacement);
        } else {
          const auto ext = static_cast<unsigned char>(octets[++i]);
          char32_t cp = kReplacement;
          for (const auto& [septet, c] : kGsmExtension) {
            if (septet == ext) cp = c;
          }
          utf8::append(out, cp);
        }
      }
      break;
    case Alphabet::kLatin1:
      for (char c : octets) utf8::append(out, static_cast<unsigned char>(c));
      break;
    case Alphabet::kAscii:
      for (char c : octets) {
        const auto b = static_cast<unsigned char>(c);
        utf8::append(out, b < 0x80 ? static_cast<char32_t>(b) : kReplacement);
      }
      break;
    case Alphabet::kUcs2: {
      const auto unit = [&](size_t i) {
        return static_cast<uint32_t>((static_cast<unsigned char>(octets[i]) << 8) |
                                     static_cast<unsigned char>(octets[i + 1]));
      };
      size_t i = 0;
      for (; i + 1 < octets.size(); i += 2) {
        const uint32_t u = unit(i);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < octets.size()) {
          const uint32_t lo = unit(i + 2);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            utf8::append(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
            i += 2;
            continue;
          }
        }
        utf8::append(out, (u >= 0xD800 && u <= 0xDFFF) ? kReplacement : static_cast<char32_t>(u));
      }
      if (i < octets.size()) utf8::append(out, kReplacement);
      break;
    }
    case Alphabet::kBinary:
      return hex_octets(octets);
  }
  return out;
}

// --- concatenation ---

std::optional<Udh> parse_udh(std::string_view sm) {
  if (sm.empty()) return std::nullopt;
  const size_t length = static_cast<unsigned char>(sm[0]) + size_t{1};
  if (length > sm.size()) return std::nullopt;
  Udh udh;
  udh.length = length;
  const auto at = [&](size_t k) { return static_cast<unsigned char>(sm[k]); };
  for (size_t i = 1; i < length;) {
    if (i + 2 > length) return std::nullopt;
    const uint8_t iei = at(i);
    const size_t iel = at(i + 1);
    const size_t data = i + 2;
    if (data + iel > length) return std::nullopt;
    if (!udh.concat) {
      Concat c;
      bool is_concat = false;
      if (iei == 0x00 && iel == 3) {
        c = {at(data), at(data + 1), at(data + 2)};
        is_concat = true;
      } else if (iei == 0x08 && iel == 4) {
        c = {static_cast<uint16_t>((at(data) << 8) | at(data + 1)), at(data + 2), at(data + 3)};
        is_concat = true;
      }
      if (is_concat && c.total >= 1 && c.seq >= 1 && c.seq <= c.total) udh.concat = c;
    }
    i = data + iel;
  }
  return udh;
}

std::string concat_udh(const Concat& c) {
  std::string out;
  if (c.reference > 0xFF) {
    out = {0x06, 0x08, 0x04, static_cast<char>(c.reference >> 8),
           static_cast<char>(c.reference & 0xFF)};
  } else {
    out = {0x05, 0x00, 0x03, static_cast<char>(c.reference)};
  }
  out.push_back(static_cast<char>(c.total));
  out.push_back(static_cast<char>(c.seq));
  return out;
}

namespace {

// Where a PDU's user data is: message_payload when present, else short_message.
std::string_view user_data(const Pdu& pdu) {
  if (const Tlv* t = pdu.tlv(tag::kMessagePayload)) return t->value;
  return pdu.short_message;
}

}  // namespace

std::optional<Concat> concat_of(const Pdu& pdu) {
  if (pdu.esm_class & esm::kUdhi) {
    if (auto udh = parse_udh(user_data(pdu)); udh && udh->concat) return udh->concat;
  }
  const auto ref = pdu.tlv_int(tag::kSarMsgRefNum);
  const auto total = pdu.tlv_int(tag::kSarTotalSegments);
  const auto seq = pdu.tlv_int(tag::kSarSegmentSeqnum);
  if (!ref || !total || !seq || *ref > 0xFFFF || *total > 0xFF || *total < 1 || *seq < 1 ||
      *seq > *total) {
    return std::nullopt;
  }
  return Concat{static_cast<uint16_t>(*ref), static_cast<uint8_t>(*total),
                static_cast<uint8_t>(*seq)};
}

std::string payload_of(const Pdu& pdu) {
  const std::string_view data = user_data(pdu);
  if (pdu.esm_class & esm::kUdhi) {
    if (auto udh = parse_udh(data)) return std::string(data.substr(udh->length));
  }
  return std::string(data);
}

// --- delivery receipts ---

namespace {

constexpr std::string_view kStatWords[] = {"ENROUTE", "DELIVRD", "EXPIRED", "DELETED",
                                           "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"};

}  // namespace

std::string_view stat_word(MessageState s) {
  const auto i = static_cast<size_t>(s);
  if (i < 1 || i > 8) return "UNKNOWN";
  return kStatWords[i - 1];
}

std::optional<MessageState> state_from_word(std::string_view word) {
  word = trim(word);
  for (size_t i = 0; i < 8; ++i) {
    if (iequals(word, kStatWords[i])) return static_cast<MessageState>(i + 1);
  }
  static constexpr std::pair<std::string_view, MessageState> kLong[] = {
      {"DELIVERED", MessageState::kDelivered},
      {"UNDELIVERABLE", MessageState::kUndeliverable},
      {"UNDELIVERED", MessageState::kUndeliverable},
      {"REJECTED", MessageState::kRejected},
      {"ACCEPTED", MessageState::kAccepted},
      {"EXPIRD", MessageState::kExpired},
      {"ENROUTE", MessageState::kEnroute},
      {"DELETD", MessageState::kDeleted},
  };
  for (const auto& [w, s] : kLong) {
    if (iequals(word, w)) return s;
  }
  if (word.size() == 1 && word[0] >= '1' && word[0] <= '8') {
    return static_cast<MessageState>(word[0] - '0');
  }
  return std::nullopt;
}

ReceiptText parse_receipt_text(std::string_view text) {
  struct Key {
    std::string_view name;
    std::string ReceiptText::*field;
  };
  static const Key kKeys[] = {
      {"id", &ReceiptText::id},
      {"sub", &ReceiptText::sub},
      {"dlvrd", &ReceiptText::dlvrd},
      {"submit date", &ReceiptText::submit_date},
      {"submit_date", &ReceiptText::submit_date},
      {"done date", &ReceiptText::done_date},
      {"done_date", &ReceiptText::done_date},
      {"stat", &ReceiptText::stat},
      {"err", &ReceiptText::err},
      {"text", &ReceiptText::text},
  };
  // The key starting at `i` (at a word boundary, followed by ':'), and where its value starts.
  const auto key_at = [&](size_t i, size_t& value) -> const Key* {
    if (i > 0) {
      const auto prev = static_cast<unsigned char>(text[i - 1]);
      if (std::isalnum(prev) || prev == '_') return nullptr;
    }
    for (const Key& k : kKeys) {
      if (i + k.name.size() < text.size() && iequals(text.substr(i, k.name.size()), k.name) &&
          text[i + k.name.size()] == ':') {
        value = i + k.name.size() + 1;
        return &k;
      }
    }
    return nullptr;
  };

  ReceiptText r;
  const Key* current = nullptr;
  size_t value_start = 0;
  bool seen[sizeof kKeys / sizeof kKeys[0]] = {};
  const auto finish = [&](size_t end) {
    if (current == nullptr) return;
    const size_t k = static_cast<size_t>(current - kKeys);
    // The first of a repeated field wins; "submit date" and "submit_date" count as one.
    std::string& field = r.*(current->field);
    if (!seen[k] && field.empty()) {
      std::string_view v = text.substr(value_start, end - value_start);
      field = current->field == &ReceiptText::text ? std::string(v) : std::string(trim(v));
    }
    seen[k] = true;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    size_t value = 0;
    const Key* k = key_at(i, value);
    if (k == nullptr) continue;
    finish(i);
    current = k;
    value_start = value;
    if (k->field == &ReceiptText::text) break;  // takes the rest
    i = value - 1;
  }
  finish(text.size());
  return r;
}

std::string format_receipt_text(const ReceiptText& r) {
  std::string text;
  size_t chars = 0;
  // 20 characters, never a split UTF-8 sequence.
  for (size_t i = 0; i < r.text.size(); ++i) {
    const auto b = static_cast<unsigned char>(r.text[i]);
    if ((b & 0xC0) != 0x80 && ++chars > 20) break;
    text.push_back(r.text[i]);
  }
  return "id:" + r.id + " sub:" + (r.sub.empty() ? "001" : r.sub) +
         " dlvrd:" + (r.dlvrd.empty() ? "001" : r.dlvrd) + " submit date:" + r.submit_date +
         " done date:" + r.done_date + " stat:" + r.stat +
         " err:" + (r.err.empty() ? "000" : r.err) + " text:" + text;
}

std::optional<Receipt> receipt_of(const Pdu& pdu) {
  if (pdu.command_id != command::kDeliverSm && pdu.command_id != command::kDataSm) {
    return std::nullopt;
  }
  const uint8_t type = pdu.esm_class & esm::kMessageTypeMask;
  if (type != esm::kDeliveryReceipt && type != esm::kIntermediateNotification) return std::nullopt;

  Receipt r;
  if (const Tlv* t = pdu.tlv(tag::kReceiptedMessageId)) {
    // A C-octet string: its NUL (and anything a sloppy SMSC put after it) is not the id.
    r.message_id = t->value.substr(0, t->value.find('\0'));
  }
  if (auto s = pdu.tlv_int(tag::kMessageState); s && *s >= 1 && *s <= 8) {
    r.state = static_cast<MessageState>(*s);
    r.stat = std::string(stat_word(*r.state));
  }
  if (const Tlv* t = pdu.tlv(tag::kNetworkErrorCode); t && t->value.size() == 3) {
    const unsigned code =
        (static_cast<unsigned char>(t->value[1]) << 8) | static_cast<unsigned char>(t->value[2]);
    if (code != 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%03u", code);
      r.error_code = buf;
    }
  }

  // Receipt texts are ASCII whatever data_coding says, except when it is UCS-2; read as GSM-7,
  // "submit_date" would lose its underscore.
  const std::string payload = payload_of(pdu);
  const std::string text =
      decode_text(payload, alphabet_of(pdu.data_coding) == Alphabet::kUcs2 ? Alphabet::kUcs2
                                                                           : Alphabet::kLatin1);
  const ReceiptText rt = parse_receipt_text(text);
  if (r.message_id.empty()) r.message_id = rt.id;
  if (!r.state && !rt.stat.empty()) {
    r.state = state_from_word(rt.stat);
    r.stat = rt.stat;
  }
  if (r.error_code.empty() && rt.err.find_first_not_of('0') != std::string::npos) {
    r.error_code = rt.err;
  }
  r.done_date = rt.done_date;
  return r;
}

// --- message ids ---

std::string resp_spelling(std::string_view receipt_id, IdFormat format, std::string_view example) {
  switch (format) {
    case IdFormat::kHex: {
      if (!is_decimal(receipt_id)) break;
      const auto v = to_number(receipt_id, 10);
      if (!v) break;
      bool upper = false;
      for (char c : example) upper = upper || (c >= 'A' && c <= 'F');
      char buf[24];
      std::snprintf(buf, sizeof buf, upper ? "%llX" : "%llx", static_cast<unsigned long long>(*v));
      std::string out = buf;
      if (example.size() > out.size() && example[0] == '0') {
        out.insert(0, example.size() - out.size(), '0');
      }
      return out;
    }
    case IdFormat::kDecimal: {
      if (!is_hex(receipt_id)) break;
      const auto v = to_number(receipt_id, 16);
      if (!v) break;
      return std::to_string(*v);
    }
    case IdFormat::kAuto:
    case IdFormat::kAsIs:
      break;
  }
  return std::string(receipt_id);
}

bool same_message_id(std::string_view a, std::string_view b) {
  if (a == b) return true;
  if (!is_hex(a) || !is_hex(b)) return false;
  // Both as hex: compared as text, so no length overflows.
  const auto strip = [](std::string_view s) {
    const size_t nz = s.find_first_not_of('0');
    return nz == std::string_view::npos ? std::string_view("0") : s.substr(nz);
  };
  if (iequals(strip(a), strip(b))) return true;
  // One hex, the other decimal: only when both fit 64 bits.
  const auto cross = [](std::string_view hex, std::string_view dec) {
    if (!is_decimal(dec)) return false;
    const auto h = to_number(hex, 16);
    const auto d = to_number(dec, 10);
    return h && d && *h == *d;
  };
  return cross(a, b) || cross(b, a);
}

// --- addresses ---

Address address_for(std::string_view number) {
  Address a;
  if (number.size() > 1 && number[0] == '+' && is_decimal(number.substr(1))) {
    a.ton = ton::kInternational;
    a.npi = npi::kIsdn;
    a.addr = std::string(number.substr(1));
  } else if (is_decimal(number) && number.size() >= 3 && number.size() <= 8) {
    a.ton = ton::kNetworkSpecific;
    a.npi = npi::kUnknown;
    a.addr = std::string(number);
  } else if (is_decimal(number)) {
    a.ton = ton::kInternational;
    a.npi = npi::kIsdn;
    a.addr = std::string(number);
  } else {
    a.ton = ton::kAlphanumeric;
    a.npi = npi::kUnknown;
    a.addr = std::string(number);
  }
  return a;
}

std::string number_from(const Address& a) {
  const std::string_view s = a.addr;
  const bool plus = !s.empty() && s[0] == '+';
  const std::string_view digits = plus ? s.substr(1) : s;
  if (!is_decimal(digits)) return a.addr;
  if (a.ton == ton::kInternational || (a.ton == ton::kUnknown && digits.size() >= 10)) {
    std::string out(1, '+');
    out.append(digits);
    return out;
  }
  return a.addr;
}

}  // namespace sb::smpp
