// PDUs written out by hand from the SMPP 3.4 layouts (section 4), so decode and encode are checked
// against the specification rather than against each other.
#include "smpp/pdu.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>

namespace sb::smpp {
namespace {

// Hex digits to octets; spaces and '|' (field separators in the tests) are skipped.
std::string H(std::string_view hex) {
  std::string out;
  int hi = -1;
  for (char c : hex) {
    if (c == ' ' || c == '|' || c == '\n') continue;
    const int d = std::isdigit(static_cast<unsigned char>(c))
                      ? c - '0'
                      : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    if (hi < 0) {
      hi = d;
    } else {
      out.push_back(static_cast<char>(hi * 16 + d));
      hi = -1;
    }
  }
  return out;
}

// A C-octet string: the text and its NUL.
std::string Z(std::string_view s) { return std::string(s) + '\0'; }

Pdu decoded(const std::string& wire) {
  DecodeResult r = decode(wire);
  EXPECT_TRUE(r.pdu.has_value()) << r.error.message;
  return r.pdu.value_or(Pdu{});
}

TEST(SmppPdu, BindTransceiver) {
  // 4.1.5: system_id, password, system_type, interface_version, addr_ton, addr_npi, address_range.
  const std::string wire = H("0000002A 00000009 00000000 00000001") + Z("smppclient1") +
                           Z("password") + Z("") + H("34 | 01 | 01") + Z("");
  ASSERT_EQ(wire.size(), 0x2Au);
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.command_id, command::kBindTransceiver);
  EXPECT_EQ(p.command_status, 0u);
  EXPECT_EQ(p.sequence, 1u);
  EXPECT_EQ(p.system_id, "smppclient1");
  EXPECT_EQ(p.password, "password");
  EXPECT_EQ(p.system_type, "");
  EXPECT_EQ(p.interface_version, 0x34);
  EXPECT_EQ(p.address_range, (Address{1, 1, ""}));
  EXPECT_EQ(encode(p), wire);
}

TEST(SmppPdu, BindTransceiverResp) {
  // 4.1.6: system_id, then the sc_interface_version TLV.
  const std::string wire =
      H("0000001C 80000009 00000000 00000001") + Z("SMSC01") + H("0210 0001 34");
  ASSERT_EQ(wire.size(), 0x1Cu);
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.command_id, response_id(command::kBindTransceiver));
  EXPECT_EQ(p.system_id, "SMSC01");
  EXPECT_EQ(p.tlv_int(tag::kScInterfaceVersion), 0x34u);
  EXPECT_EQ(encode(p), wire);
}

TEST(SmppPdu, FailedBindRespWithoutBody) {
  const std::string wire = H("00000010 80000002 0000000E 00000003");
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.command_status, status::kInvPaswd);
  EXPECT_EQ(p.system_id, "");
  EXPECT_EQ(encode(p), wire);
}

TEST(SmppPdu, Outbind) {
  const std::string wire = H("0000001E 0000000B 00000000 00000002") + Z("SMSC01") + Z("secret");
  ASSERT_EQ(wire.size(), 0x1Eu);
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.system_id, "SMSC01");
  EXPECT_EQ(p.password, "secret");
  EXPECT_EQ(encode(p), wire);
}

const std::string kSubmitSm =
    H("0000003E 00000004 00000000 00000005") +  // header
    Z("") +                                     // service_type
    H("01 01") + Z("447700900001") +            // source_addr_ton, _npi, source_addr
    H("01 01") + Z("447700900002") +            // dest_addr_ton, _npi, destination_addr
    H("00 | 00 | 00") +                         // esm_class, protocol_id, priority_flag
    Z("") + Z("") +                             // schedule_delivery_time, validity_period
    H("01 | 00 | 00 | 00") +  // registered_delivery, replace_if_present, data_coding, default id
    H("05") + "Hello";        // sm_length, short_message

TEST(SmppPdu, SubmitSm) {
  ASSERT_EQ(kSubmitSm.size(), 0x3Eu);
  const Pdu p = decoded(kSubmitSm);
  EXPECT_EQ(p.command_id, command::kSubmitSm);
  EXPECT_EQ(p.sequence, 5u);
  EXPECT_EQ(p.service_type, "");
  EXPECT_EQ(p.source, (Address{1, 1, "447700900001"}));
  EXPECT_EQ(p.dest, (Address{1, 1, "447700900002"}));
  EXPECT_EQ(p.esm_class, 0);
  EXPECT_EQ(p.registered_delivery, 1);
  EXPECT_EQ(p.data_coding, 0);
  EXPECT_EQ(p.short_message, "Hello");
  EXPECT_TRUE(p.tlvs.empty());
  EXPECT_EQ(encode(p), kSubmitSm);
}

TEST(SmppPdu, SubmitSmBuiltByHandEncodesToTheSpecLayout) {
  Pdu p;
  p.command_id = command::kSubmitSm;
  p.sequence = 5;
  p.source = {1, 1, "447700900001"};
  p.dest = {1, 1, "447700900002"};
  p.registered_delivery = 1;
  p.short_message = "Hello";
  EXPECT_EQ(encode(p), kSubmitSm);
}

TEST(SmppPdu, SubmitSmResp) {
  const std::string wire = H("00000017 80000004 00000000 00000005") + Z("abc123");
  ASSERT_EQ(wire.size(), 0x17u);
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.command_id, response_id(command::kSubmitSm));
  EXPECT_EQ(p.message_id, "abc123");
  EXPECT_EQ(encode(p), wire);
}

TEST(SmppPdu, SubmitSmRespFailedWithoutBody) {
  const std::string wire = H("00000010 80000004 00000058 00000005");
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.command_status, status::kThrottled);
  EXPECT_EQ(p.message_id, "");
  EXPECT_EQ(encode(p), wire);
  EXPECT_EQ(encode(response_to(decoded(kSubmitSm), status::kThrottled)), wire);
}

TEST(SmppPdu, SubmitSmRespOkWithoutBodyIsTolerated) {
  const Pdu p = decoded(H("00000010 80000004 00000000 00000005"));
  EXPECT_EQ(p.message_id, "");
}

TEST(SmppPdu, DeliverSmReceipt) {
  const std::string text =
      "id:0123456789 sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 "
      "stat:DELIVRD err:000 text:Hello";
  ASSERT_EQ(text.size(), 0x6Bu);
  const std::string wire = H("000000B8 00000005 00000000 00000010") + Z("") + H("01 01") +
                           Z("447700900002") + H("01 01") + Z("447700900001") + H("04 | 00 | 00") +
                           Z("") + Z("") + H("00 | 00 | 00 | 00") + H("6B") + text +
                           H("001E 000B") + Z("0123456789") + H("0427 0001 02");
  ASSERT_EQ(wire.size(), 0xB8u);
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.command_id, command::kDeliverSm);
  EXPECT_EQ(p.esm_class, esm::kDeliveryReceipt);
  EXPECT_EQ(p.short_message, text);
  ASSERT_NE(p.tlv(tag::kReceiptedMessageId), nullptr);
  EXPECT_EQ(p.tlv(tag::kReceiptedMessageId)->value, Z("0123456789"));
  EXPECT_EQ(p.tlv_int(tag::kMessageState), 2u);
  EXPECT_EQ(encode(p), wire);
}

TEST(SmppPdu, DeliverSmRespCarriesAnEmptyMessageId) {
  const std::string wire = H("00000011 80000005 00000000 00000010 00");
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.message_id, "");
  EXPECT_EQ(encode(p), wire);
  EXPECT_EQ(encode(response_to(p)), H("00000011 80000005 00000000 00000010 00"));
}

TEST(SmppPdu, EnquireLinkAndResp) {
  const std::string wire = H("00000010 00000015 00000000 00000007");
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.command_id, command::kEnquireLink);
  EXPECT_EQ(p.sequence, 7u);
  EXPECT_EQ(encode(p), wire);
  EXPECT_EQ(encode(response_to(p)), H("00000010 80000015 00000000 00000007"));
}

TEST(SmppPdu, GenericNack) {
  const std::string wire = H("00000010 80000000 00000003 00000007");
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.command_id, command::kGenericNack);
  EXPECT_EQ(p.command_status, status::kInvCmdId);
  EXPECT_EQ(p.sequence, 7u);
  EXPECT_EQ(encode(p), wire);
  EXPECT_EQ(p, generic_nack(7, status::kInvCmdId));
}

TEST(SmppPdu, DataSmWithTlvs) {
  // 4.7.1: service_type, source and dest (each ton, npi, max 65), esm_class, registered_delivery,
  // data_coding, then TLVs.
  const std::string wire = H("0000004A 00000103 00000000 00000020") + Z("") + H("01 01") +
                           Z("447700900001") + H("01 01") + Z("447700900002") + H("00 | 01 | 08") +
                           H("0424 0004 00480069") + H("020C 0002 1234") + H("020E 0001 02") +
                           H("020F 0001 01");
  ASSERT_EQ(wire.size(), 0x4Au);
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.command_id, command::kDataSm);
  EXPECT_EQ(p.source.addr, "447700900001");
  EXPECT_EQ(p.dest.addr, "447700900002");
  EXPECT_EQ(p.registered_delivery, 1);
  EXPECT_EQ(p.data_coding, 8);
  ASSERT_EQ(p.tlvs.size(), 4u);
  EXPECT_EQ(p.tlv(tag::kMessagePayload)->value, H("00480069"));
  EXPECT_EQ(p.tlv_int(tag::kSarMsgRefNum), 0x1234u);
  EXPECT_EQ(p.tlv_int(tag::kSarTotalSegments), 2u);
  EXPECT_EQ(p.tlv_int(tag::kSarSegmentSeqnum), 1u);
  EXPECT_EQ(encode(p), wire);
}

TEST(SmppPdu, DataSmAddressesMayBeLongerThanSubmitSms) {
  Pdu p;
  p.command_id = command::kDataSm;
  p.source = {5, 0, std::string(64, 'a')};
  EXPECT_EQ(decoded(encode(p)), p);
  p.command_id = command::kSubmitSm;
  p.source.addr = std::string(64, 'a');
  EXPECT_EQ(decoded(encode(p)).source.addr, std::string(20, 'a'));  // truncated, not malformed
}

TEST(SmppPdu, QuerySm) {
  const std::string wire =
      H("00000021 00000003 00000000 00000009") + Z("abc123") + H("01 01") + Z("4477009");
  ASSERT_EQ(wire.size(), 0x21u);
  const Pdu p = decoded(wire);
  EXPECT_EQ(p.message_id, "abc123");
  EXPECT_EQ(p.source, (Address{1, 1, "4477009"}));
  EXPECT_EQ(encode(p), wire);
}

TEST(SmppPdu, DecodeFailsOnShortInput) {
  const DecodeResult r = decode(H("00000010 00000015"));
  ASSERT_FALSE(r.pdu);
  EXPECT_EQ(r.error.command_status, status::kInvCmdLen);
  EXPECT_EQ(r.error.command_id, command::kEnquireLink);
  EXPECT_EQ(r.error.sequence, 0u);
  EXPECT_EQ(decode("").error.command_status, status::kInvCmdLen);
}

TEST(SmppPdu, DecodeFailsOnLengthMismatch) {
  const DecodeResult r = decode(H("00000020 00000015 00000000 00000007"));
  ASSERT_FALSE(r.pdu);
  EXPECT_EQ(r.error.command_status, status::kInvCmdLen);
  EXPECT_EQ(r.error.sequence, 7u);
  const DecodeResult under = decode(H("0000000C 00000015 00000000 00000007"));
  EXPECT_EQ(under.error.command_status, status::kInvCmdLen);
}

TEST(SmppPdu, DecodeFailsOnMissingNul) {
  // system_id of 16 characters: no room for its NUL within the 16-octet maximum.
  const std::string wire = H("00000029 00000002 00000000 00000001") + Z("abcdefghijklmnop") +
                           Z("pw") + Z("") + H("34 00 00") + Z("");
  ASSERT_EQ(wire.size(), 0x29u);
  const DecodeResult r = decode(wire);
  ASSERT_FALSE(r.pdu);
  EXPECT_EQ(r.error.command_status, status::kSysErr);
  EXPECT_NE(r.error.message.find("system_id"), std::string::npos) << r.error.message;
  EXPECT_EQ(r.error.command_id, command::kBindTransmitter);
  EXPECT_EQ(r.error.sequence, 1u);

  // A string running into the end of the PDU.
  const DecodeResult cut = decode(H("00000013 80000004 00000000 00000001") + "abc");
  ASSERT_FALSE(cut.pdu);
  EXPECT_NE(cut.error.message.find("message_id"), std::string::npos);
}

TEST(SmppPdu, DecodeFailsOnSmLengthPastTheEnd) {
  std::string wire = kSubmitSm;
  wire[wire.size() - 6] = 0x0A;  // sm_length 10, five octets follow
  const DecodeResult r = decode(wire);
  ASSERT_FALSE(r.pdu);
  EXPECT_EQ(r.error.command_status, status::kInvMsgLen);
  EXPECT_EQ(r.error.sequence, 5u);
}

TEST(SmppPdu, DecodeFailsOnMandatoryFieldPastTheEnd) {
  // submit_sm cut after esm_class.
  const std::string wire = H("00000024 00000004 00000000 00000005") + Z("") + H("01 01") +
                           Z("447700900001") + H("01 01") + Z("") + H("00");
  ASSERT_EQ(wire.size(), 0x24u);
  const DecodeResult r = decode(wire);
  ASSERT_FALSE(r.pdu);
  EXPECT_EQ(r.error.command_status, status::kSysErr);
  EXPECT_NE(r.error.message.find("protocol_id"), std::string::npos) << r.error.message;
}

TEST(SmppPdu, DecodeFailsOnTlvLengthPastTheEnd) {
  const std::string wire = H("00000018 80000103 00000000 00000001") + Z("id") + H("001D 000A 41");
  ASSERT_EQ(wire.size(), 0x18u);
  const DecodeResult r = decode(wire);
  ASSERT_FALSE(r.pdu);
  EXPECT_EQ(r.error.command_status, status::kInvParLen);
  // A TLV header cut short.
  const DecodeResult cut = decode(H("00000015 80000103 00000000 00000001") + Z("id") + H("0019"));
  ASSERT_FALSE(cut.pdu);
}

TEST(SmppPdu, UnknownCommandIdKeepsIdAndSequence) {
  const DecodeResult r = decode(H("00000010 00000099 00000000 0000002A"));
  ASSERT_FALSE(r.pdu);
  EXPECT_EQ(r.error.command_status, status::kInvCmdId);
  EXPECT_EQ(r.error.command_id, 0x99u);
  EXPECT_EQ(r.error.sequence, 42u);
}

TEST(SmppPdu, FrameLength) {
  EXPECT_EQ(frame_length(""), std::nullopt);
  EXPECT_EQ(frame_length(H("000000")), std::nullopt);
  EXPECT_EQ(frame_length(H("0000003E")), 0x3Eu);
  EXPECT_EQ(frame_length(kSubmitSm), 0x3Eu);
}

TEST(SmppPdu, Names) {
  EXPECT_EQ(command_name(command::kSubmitSm), "submit_sm");
  EXPECT_EQ(command_name(response_id(command::kDeliverSm)), "deliver_sm_resp");
  EXPECT_EQ(command_name(command::kGenericNack), "generic_nack");
  EXPECT_EQ(command_name(response_id(command::kBindTransceiver)), "bind_transceiver_resp");
  EXPECT_EQ(command_name(0x1234), "0x00001234");
  EXPECT_EQ(status_name(status::kThrottled), "ESME_RTHROTTLED");
  EXPECT_EQ(status_name(status::kOk), "ESME_ROK");
  EXPECT_EQ(status_name(status::kInvParLen), "ESME_RINVPARLEN");
  EXPECT_EQ(status_name(0x400), "0x00000400");
}

TEST(SmppPdu, Tlvs) {
  Pdu p;
  EXPECT_EQ(p.tlv(tag::kSourcePort), nullptr);
  EXPECT_EQ(p.tlv_int(tag::kSourcePort), std::nullopt);
  p.set_tlv_int(tag::kSourcePort, 0x1F90, 2);
  EXPECT_EQ(p.tlv(tag::kSourcePort)->value, H("1F90"));
  EXPECT_EQ(p.tlv_int(tag::kSourcePort), 0x1F90u);
  p.set_tlv_int(tag::kSourcePort, 7, 4);
  ASSERT_EQ(p.tlvs.size(), 1u);
  EXPECT_EQ(p.tlv(tag::kSourcePort)->value, H("00000007"));
  p.set_tlv_int(tag::kMessageState, 2, 1);
  EXPECT_EQ(p.tlv_int(tag::kMessageState), 2u);
  p.set_tlv(tag::kMessageState, "abc");
  EXPECT_EQ(p.tlv_int(tag::kMessageState), std::nullopt);  // 3 octets is no integer
  EXPECT_EQ(p.tlvs.size(), 2u);
}

TEST(SmppPdu, EncodeTruncatesOverlongFields) {
  Pdu p;
  p.command_id = command::kSubmitSm;
  p.short_message = std::string(300, 'x');
  p.schedule_delivery_time = std::string(30, '1');
  const Pdu back = decoded(encode(p));
  EXPECT_EQ(back.short_message.size(), 254u);
  EXPECT_EQ(back.schedule_delivery_time.size(), 16u);
}

}  // namespace
}  // namespace sb::smpp
