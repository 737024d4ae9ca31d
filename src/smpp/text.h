// What SMPP short messages carry, as pure functions: data codings (GSM 03.38 default alphabet,
// Latin-1, IA5/ASCII, UCS-2) to and from UTF-8, concatenation (UDH with 8- and 16-bit references,
// SAR TLVs) read and written, delivery receipts read leniently and written in the standard text,
// message-id spellings (hex or decimal) compared, and addresses' TON/NPI to and from E.164.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smpp/pdu.h"

namespace sb::smpp {

// --- data coding (SMPP 3.4, 5.2.19) ---
namespace dcs {
inline constexpr uint8_t kSmscDefault = 0x00;  // the SMSC's default alphabet (GSM 03.38 usually)
inline constexpr uint8_t kIa5 = 0x01;          // IA5 / ASCII
inline constexpr uint8_t kOctet = 0x02;        // 8-bit binary
inline constexpr uint8_t kLatin1 = 0x03;
inline constexpr uint8_t kBinary = 0x04;
inline constexpr uint8_t kUcs2 = 0x08;
}  // namespace dcs

// How the octets of a short message are read or written.
enum class Alphabet { kGsm7, kLatin1, kAscii, kUcs2, kBinary };
// Which alphabet a data_coding value names. `smsc_default` is what the SMSC means by 0x00 (GSM-7
// unless configured otherwise). The GSM 03.38 data coding groups (0xF0-0xFF, 0x00-0x3F with the
// alphabet in bits 2-3) are read as the TS 23.038 scheme says.
Alphabet alphabet_of(uint8_t data_coding, Alphabet smsc_default = Alphabet::kGsm7);

// UTF-8 to GSM 03.38 default alphabet, unpacked (one septet per octet, extension-table
// characters as 0x1B and their code); nullopt when a code point has no GSM-7 form.
std::optional<std::string> encode_gsm7(std::string_view utf8);
// UTF-8 to Latin-1 (ISO 8859-1); nullopt when a code point is above U+00FF.
std::optional<std::string> encode_latin1(std::string_view utf8);
// UTF-8 to UCS-2 big-endian; code points above U+FFFF become UTF-16 surrogate pairs.
std::string encode_ucs2(std::string_view utf8);
// UTF-8 in `alphabet` (nullopt as the encoders above; kAscii: nullopt above 0x7F; kBinary:
// the octets unchanged).
std::optional<std::string> encode_text(std::string_view utf8, Alphabet alphabet);

// Octets in `alphabet` to UTF-8. Never fails: an unknown GSM septet or escape becomes U+FFFD, a
// lone surrogate or an odd trailing octet in UCS-2 becomes U+FFFD; kBinary is shown as its
// octets in hex. The result is always valid UTF-8.
std::string decode_text(std::string_view octets, Alphabet alphabet);

// --- concatenation ---
struct Concat {
  uint16_t reference = 0;
  uint8_t total = 0;  // parts in the message, >= 1
  uint8_t seq = 0;    // this part, 1-based
  bool operator==(const Concat&) const = default;
};

// The user data header at the front of `short_message` (when esm_class has UDHI): its length
// including the UDHL octet, and the concatenation IE (IEI 0x00, 8-bit reference, or 0x08, 16-bit)
// when it holds one with total >= 1 and 1 <= seq <= total. nullopt when the header is malformed
// (UDHL running past the end, an IE running past the header).
struct Udh {
  size_t length = 0;
  std::optional<Concat> concat;
};
std::optional<Udh> parse_udh(std::string_view short_message);
// The 6-octet UDH (IEI 0x00) or 7-octet one (IEI 0x08, when reference > 255) for `c`.
std::string concat_udh(const Concat& c);
// The concatenation a PDU carries: its UDH when esm_class has UDHI, else its SAR TLVs (all three
// present, total >= 1, 1 <= seq <= total); nullopt when it is a message of its own.
std::optional<Concat> concat_of(const Pdu& pdu);
// The text octets of a PDU: message_payload when present, else short_message without its UDH.
std::string payload_of(const Pdu& pdu);

// How a body longer than one PDU is sent (connector key `long_messages`).
enum class LongMessages { kUdh, kSar, kPayload };

// --- delivery receipts ---
// message_state values (SMPP 3.4, 5.2.28).
enum class MessageState : uint8_t {
  kEnroute = 1,
  kDelivered = 2,
  kExpired = 3,
  kDeleted = 4,
  kUndeliverable = 5,
  kAccepted = 6,
  kUnknown = 7,
  kRejected = 8,
};
// The receipt text's `stat:` word for a state: ENROUTE, DELIVRD, EXPIRED, DELETED, UNDELIV,
// ACCEPTD, UNKNOWN, REJECTD.
std::string_view stat_word(MessageState s);
// The state a `stat:` word names, case-insensitively; also the long spellings some SMSCs use
// (DELIVERED, UNDELIVERABLE, REJECTED, ACCEPTED, ENROUTE) and numeric states "1".."8".
std::optional<MessageState> state_from_word(std::string_view word);

// The standard receipt text (SMPP 3.4 Appendix B), every field optional when read.
struct ReceiptText {
  std::string id;
  std::string sub;
  std::string dlvrd;
  std::string submit_date;  // YYMMDDhhmm[ss]
  std::string done_date;
  std::string stat;
  std::string err;
  std::string text;
  bool operator==(const ReceiptText&) const = default;
};
// Reads each `key:value` field on its own, whatever is missing or in whatever order: keys are
// case-insensitive, `submit date`/`done date` also written with an underscore, values end at the
// next known key; `text:` takes the rest. Never fails (an unreadable text gives empty fields).
ReceiptText parse_receipt_text(std::string_view text);
// "id:<id> sub:001 dlvrd:001 submit date:<d> done date:<d> stat:<STAT> err:000 text:<20 chars>".
std::string format_receipt_text(const ReceiptText& r);

// A receipt read from a deliver_sm or data_sm: from the receipted_message_id and message_state
// TLVs first, then the text's fields for whatever they did not give; network_error_code's
// error when present.
struct Receipt {
  std::string message_id;
  std::optional<MessageState> state;
  std::string stat;        // the word as the SMSC wrote it (or the state's word from the TLV)
  std::string error_code;  // "err:" or network_error_code, "" when none or 000
  std::string done_date;
};
// Whether `pdu` is a receipt (esm_class message type 0x04 or 0x20 on deliver_sm/data_sm), and if
// so what it says; nullopt for a mobile-originated message.
std::optional<Receipt> receipt_of(const Pdu& pdu);

// How receipts spell the ids submit_sm_resp gave (connector key `receipt_id_format`).
enum class IdFormat { kAuto, kHex, kDecimal, kAsIs };
// The receipt's id spelled as a submit_sm_resp id would be:
// - kAsIs: unchanged;
// - kHex: submit_sm_resp ids are hex and receipts decimal: a decimal id becomes hex, upper-case
//   when `example` (a submit_sm_resp id seen) has upper-case letters, padded with zeros to its
//   length when it was padded;
// - kDecimal: receipts are hex: a hex id becomes decimal;
// - kAuto: unchanged (the connector matches by numeric value; see same_message_id).
std::string resp_spelling(std::string_view receipt_id, IdFormat format,
                          std::string_view example = "");
// Whether two message ids name the same message whatever their spelling: equal strings, or equal
// as numbers with one read as hex and the other as decimal (or both as hex, ignoring case and
// leading zeros). Used where the format is `auto`.
bool same_message_id(std::string_view a, std::string_view b);

// --- addresses ---
namespace ton {
inline constexpr uint8_t kUnknown = 0;
inline constexpr uint8_t kInternational = 1;
inline constexpr uint8_t kNational = 2;
inline constexpr uint8_t kNetworkSpecific = 3;
inline constexpr uint8_t kSubscriber = 4;
inline constexpr uint8_t kAlphanumeric = 5;
inline constexpr uint8_t kAbbreviated = 6;
}  // namespace ton
namespace npi {
inline constexpr uint8_t kUnknown = 0;
inline constexpr uint8_t kIsdn = 1;  // E.164
}  // namespace npi

// The TON/NPI an address is sent with by default: "+<digits>" international 1/1 (sent without
// the '+'), letters (an alphanumeric sender) 5/0, 3-8 digits (a short code) 3/0, other digits 1/1.
Address address_for(std::string_view number);
// An address as received, as the gateway spells numbers: international (TON 1) digits get a '+';
// alphanumeric and short codes stay as they are; unknown-TON digits of 10 or more get a '+' unless
// already there. The engine normalizes further.
std::string number_from(const Address& a);

}  // namespace sb::smpp
