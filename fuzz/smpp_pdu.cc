// The SMPP decoder reads bytes from any peer that opens a TCP connection (smpp_server) or from an
// SMSC we cannot vet, so it is fuzzed with the properties the connector and server rely on: a
// decoded PDU encodes to bytes that decode to the same PDU; a failure says why and keeps the
// header it could read; everything read from a PDU's text is valid UTF-8 whatever its octets;
// concatenation numbers are in range; message-id respellings still name the same message.
#include <cstring>

#include "fuzz_support.h"
#include "smpp/pdu.h"
#include "smpp/text.h"

using namespace sb;
using namespace sb::smpp;

namespace {

constexpr Alphabet kAlphabets[] = {Alphabet::kGsm7, Alphabet::kLatin1, Alphabet::kAscii,
                                   Alphabet::kUcs2, Alphabet::kBinary};

void check_text(std::string_view octets) {
  for (Alphabet a : kAlphabets) {
    const std::string text = decode_text(octets, a);
    FUZZ_CHECK(utf8::is_valid(text));
    // Decoded text has no surrogates, so UCS-2 carries it exactly; GSM-7 exactly when it can.
    FUZZ_CHECK(decode_text(encode_ucs2(text), Alphabet::kUcs2) == text);
    if (auto gsm = encode_gsm7(text)) FUZZ_CHECK(decode_text(*gsm, Alphabet::kGsm7) == text);
    if (auto latin = encode_latin1(text))
      FUZZ_CHECK(decode_text(*latin, Alphabet::kLatin1) == text);
  }
}

void check_pdu(const Pdu& pdu) {
  const std::string wire = encode(pdu);
  FUZZ_CHECK(wire.size() >= kHeaderSize);
  FUZZ_CHECK(frame_length(wire) == wire.size());
  const DecodeResult again = decode(wire);
  FUZZ_CHECK(again.pdu.has_value());
  FUZZ_CHECK(*again.pdu == pdu);
  FUZZ_CHECK(encode(*again.pdu) == wire);

  if (auto udh = parse_udh(pdu.short_message)) {
    FUZZ_CHECK(udh->length >= 1 && udh->length <= pdu.short_message.size());
  }
  if (auto c = concat_of(pdu)) FUZZ_CHECK(c->total >= 1 && c->seq >= 1 && c->seq <= c->total);
  const std::string payload = payload_of(pdu);
  check_text(payload);
  check_text(pdu.short_message.substr(0, 64));

  const ReceiptText rt = parse_receipt_text(decode_text(payload, Alphabet::kLatin1));
  FUZZ_CHECK(utf8::is_valid(format_receipt_text(rt)));
  if (auto r = receipt_of(pdu)) {
    FUZZ_CHECK(pdu.command_id == command::kDeliverSm || pdu.command_id == command::kDataSm);
    FUZZ_CHECK(r->error_code != "000");
    for (IdFormat f : {IdFormat::kHex, IdFormat::kDecimal, IdFormat::kAuto, IdFormat::kAsIs}) {
      FUZZ_CHECK(same_message_id(r->message_id, resp_spelling(r->message_id, f, pdu.message_id)));
    }
  } else {
    FUZZ_CHECK(!(pdu.command_id == command::kDeliverSm &&
                 (pdu.esm_class & esm::kMessageTypeMask) == esm::kDeliveryReceipt));
  }
  FUZZ_CHECK(!command_name(pdu.command_id).empty());
  FUZZ_CHECK(!status_name(pdu.command_status).empty());
  const std::string number = number_from(pdu.source);
  FUZZ_CHECK(number_from(address_for(number)) == number || number.empty() || number[0] != '+');
}

void check(std::string_view bytes) {
  const DecodeResult r = decode(bytes);
  if (r.pdu) {
    FUZZ_CHECK(bytes.size() >= kHeaderSize && frame_length(bytes) == bytes.size());
    FUZZ_CHECK(r.pdu->sequence == r.error.sequence);
    check_pdu(*r.pdu);
    return;
  }
  FUZZ_CHECK(r.error.command_status != status::kOk);
  FUZZ_CHECK(!r.error.message.empty());
  if (bytes.size() >= kHeaderSize) {
    // frame_length reads any four octets as a big-endian number: here, the sequence.
    FUZZ_CHECK(frame_length(bytes.substr(12, 4)) == r.error.sequence);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = fuzz::as_text(data, size);
  check(bytes);
  // Most mutations break command_length; read the same bytes again with it fixed, so the bodies
  // get fuzzed too.
  if (size >= kHeaderSize && frame_length(bytes) != size) {
    std::string fixed(bytes);
    const auto n = static_cast<uint32_t>(size);
    const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                         static_cast<char>(n >> 8), static_cast<char>(n)};
    std::memcpy(fixed.data(), len, 4);
    check(fixed);
  }
  return 0;
}
