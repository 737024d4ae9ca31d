// SMPP 3.4 protocol data units as values: framing, decoding and encoding of the commands an ESME
// and an SMSC exchange (bind, submit, deliver, data, enquire_link, unbind, generic_nack), with
// their optional TLV parameters. Pure functions, no I/O: the connector (providers/smpp) and the
// SMPP server (smpp_server) share them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::smpp {

// command_id values (SMPP 3.4, 5.1.2.1). A response's id is its request's with bit 31 set.
namespace command {
inline constexpr uint32_t kGenericNack = 0x80000000;
inline constexpr uint32_t kBindReceiver = 0x00000001;
inline constexpr uint32_t kBindTransmitter = 0x00000002;
inline constexpr uint32_t kQuerySm = 0x00000003;
inline constexpr uint32_t kSubmitSm = 0x00000004;
inline constexpr uint32_t kDeliverSm = 0x00000005;
inline constexpr uint32_t kUnbind = 0x00000006;
inline constexpr uint32_t kReplaceSm = 0x00000007;
inline constexpr uint32_t kCancelSm = 0x00000008;
inline constexpr uint32_t kBindTransceiver = 0x00000009;
inline constexpr uint32_t kOutbind = 0x0000000B;
inline constexpr uint32_t kEnquireLink = 0x00000015;
inline constexpr uint32_t kSubmitMulti = 0x00000021;
inline constexpr uint32_t kAlertNotification = 0x00000102;
inline constexpr uint32_t kDataSm = 0x00000103;
inline constexpr uint32_t kResponse = 0x80000000;  // the bit that makes a request a response
}  // namespace command

// The response command_id of a request (generic_nack stays itself).
constexpr uint32_t response_id(uint32_t request) { return request | command::kResponse; }
constexpr bool is_response(uint32_t id) { return (id & command::kResponse) != 0; }
// "submit_sm", "deliver_sm_resp", ...; "0x%08x" for an unknown id.
std::string command_name(uint32_t id);

// command_status values (SMPP 3.4, 5.1.3) the gateway sends or classifies.
namespace status {
inline constexpr uint32_t kOk = 0x00000000;
inline constexpr uint32_t kInvMsgLen = 0x00000001;
inline constexpr uint32_t kInvCmdLen = 0x00000002;
inline constexpr uint32_t kInvCmdId = 0x00000003;
inline constexpr uint32_t kInvBndSts = 0x00000004;
inline constexpr uint32_t kAlyBnd = 0x00000005;
inline constexpr uint32_t kInvPrtFlg = 0x00000006;
inline constexpr uint32_t kInvRegDlvFlg = 0x00000007;
inline constexpr uint32_t kSysErr = 0x00000008;
inline constexpr uint32_t kInvSrcAdr = 0x0000000A;
inline constexpr uint32_t kInvDstAdr = 0x0000000B;
inline constexpr uint32_t kInvMsgId = 0x0000000C;
inline constexpr uint32_t kBindFail = 0x0000000D;
inline constexpr uint32_t kInvPaswd = 0x0000000E;
inline constexpr uint32_t kInvSysId = 0x0000000F;
inline constexpr uint32_t kCancelFail = 0x00000011;
inline constexpr uint32_t kReplaceFail = 0x00000013;
inline constexpr uint32_t kMsgQFul = 0x00000014;
inline constexpr uint32_t kInvSerTyp = 0x00000015;
inline constexpr uint32_t kInvNumDests = 0x00000033;
inline constexpr uint32_t kInvDlName = 0x00000034;
inline constexpr uint32_t kInvDestFlag = 0x00000040;
inline constexpr uint32_t kInvSubRep = 0x00000042;
inline constexpr uint32_t kInvEsmClass = 0x00000043;
inline constexpr uint32_t kCntSubDl = 0x00000044;
inline constexpr uint32_t kSubmitFail = 0x00000045;
inline constexpr uint32_t kInvSrcTon = 0x00000048;
inline constexpr uint32_t kInvSrcNpi = 0x00000049;
inline constexpr uint32_t kInvDstTon = 0x00000050;
inline constexpr uint32_t kInvDstNpi = 0x00000051;
inline constexpr uint32_t kInvSysTyp = 0x00000053;
inline constexpr uint32_t kInvRepFlag = 0x00000054;
inline constexpr uint32_t kInvNumMsgs = 0x00000055;
inline constexpr uint32_t kThrottled = 0x00000058;
inline constexpr uint32_t kInvSched = 0x00000061;
inline constexpr uint32_t kInvExpiry = 0x00000062;
inline constexpr uint32_t kInvDftMsgId = 0x00000063;
inline constexpr uint32_t kXTAppn = 0x00000064;  // ESME receiver temporary app error
inline constexpr uint32_t kXPAppn = 0x00000065;  // ESME receiver permanent app error
inline constexpr uint32_t kXRAppn = 0x00000066;  // ESME receiver reject message error
inline constexpr uint32_t kQueryFail = 0x00000067;
inline constexpr uint32_t kInvOptParStream = 0x000000C0;
inline constexpr uint32_t kOptParNotAllwd = 0x000000C1;
inline constexpr uint32_t kInvParLen = 0x000000C2;
inline constexpr uint32_t kMissingOptParam = 0x000000C3;
inline constexpr uint32_t kInvOptParamVal = 0x000000C4;
inline constexpr uint32_t kDeliveryFailure = 0x000000FE;
inline constexpr uint32_t kUnknownErr = 0x000000FF;
}  // namespace status
// "ESME_RTHROTTLED", ...; "0x%08x" for an unknown value.
std::string status_name(uint32_t command_status);

// Optional parameter tags (SMPP 3.4, 5.3.2) the gateway reads or writes.
namespace tag {
inline constexpr uint16_t kDestAddrSubunit = 0x0005;
inline constexpr uint16_t kReceiptedMessageId = 0x001E;
inline constexpr uint16_t kUserMessageReference = 0x0204;
inline constexpr uint16_t kSourcePort = 0x020A;
inline constexpr uint16_t kDestinationPort = 0x020B;
inline constexpr uint16_t kSarMsgRefNum = 0x020C;
inline constexpr uint16_t kSarTotalSegments = 0x020E;
inline constexpr uint16_t kSarSegmentSeqnum = 0x020F;
inline constexpr uint16_t kScInterfaceVersion = 0x0210;
inline constexpr uint16_t kPayloadType = 0x0019;
inline constexpr uint16_t kMessagePayload = 0x0424;
inline constexpr uint16_t kNetworkErrorCode = 0x0423;
inline constexpr uint16_t kMessageState = 0x0427;
}  // namespace tag

// esm_class bits (SMPP 3.4, 5.2.12).
namespace esm {
inline constexpr uint8_t kMessageTypeMask = 0x3C;
inline constexpr uint8_t kDeliveryReceipt = 0x04;        // SMSC delivery receipt
inline constexpr uint8_t kIntermediateNotification = 0x20;
inline constexpr uint8_t kUdhi = 0x40;                   // short_message starts with a UDH
}  // namespace esm

// The fixed header, and the largest PDU either side accepts by default.
inline constexpr size_t kHeaderSize = 16;
inline constexpr uint32_t kDefaultMaxPduSize = 64 * 1024;

struct Tlv {
  uint16_t tag = 0;
  std::string value;  // raw octets
  bool operator==(const Tlv&) const = default;
};

struct Address {
  uint8_t ton = 0;
  uint8_t npi = 0;
  std::string addr;  // C-octet string without its NUL
  bool operator==(const Address&) const = default;
};

// One PDU. Which fields travel depends on command_id; the others keep their defaults and are
// neither encoded nor decoded:
// - bind_transmitter / bind_receiver / bind_transceiver: system_id, password, system_type,
//   interface_version, address_range (as an Address: addr_ton, addr_npi, address_range).
// - bind_*_resp: system_id, then TLVs (sc_interface_version). outbind: system_id, password.
// - submit_sm / deliver_sm: service_type, source, dest, esm_class, protocol_id, priority_flag,
//   schedule_delivery_time, validity_period, registered_delivery, replace_if_present_flag,
//   data_coding, sm_default_msg_id, short_message (sm_length is derived), then TLVs.
// - data_sm: service_type, source, dest, esm_class, registered_delivery, data_coding, then TLVs.
// - submit_sm_resp / data_sm_resp: message_id (a response with a non-zero command_status may
//   carry no body at all). deliver_sm_resp: message_id (normally empty).
// - query_sm: message_id, source. enquire_link, unbind, generic_nack and their responses: none.
struct Pdu {
  uint32_t command_id = 0;
  uint32_t command_status = 0;
  uint32_t sequence = 0;

  std::string system_id;
  std::string password;
  std::string system_type;
  uint8_t interface_version = 0x34;
  Address address_range;

  std::string service_type;
  Address source;
  Address dest;
  uint8_t esm_class = 0;
  uint8_t protocol_id = 0;
  uint8_t priority_flag = 0;
  std::string schedule_delivery_time;
  std::string validity_period;
  uint8_t registered_delivery = 0;
  uint8_t replace_if_present = 0;
  uint8_t data_coding = 0;
  uint8_t sm_default_msg_id = 0;
  std::string short_message;  // raw octets, at most 254

  std::string message_id;

  std::vector<Tlv> tlvs;

  // The first TLV with `t`; nullptr when absent.
  const Tlv* tlv(uint16_t t) const;
  // Replaces (or adds) the TLV with `t`.
  void set_tlv(uint16_t t, std::string value);
  // Integer TLVs, big-endian, 1, 2 or 4 octets; nullopt when absent or of another length.
  std::optional<uint32_t> tlv_int(uint16_t t) const;
  void set_tlv_int(uint16_t t, uint32_t value, int octets);

  bool operator==(const Pdu&) const = default;
};

// A response to `request`: its sequence, the response command_id and `command_status`.
Pdu response_to(const Pdu& request, uint32_t command_status = status::kOk);
// A generic_nack for `sequence` with `command_status`.
Pdu generic_nack(uint32_t sequence, uint32_t command_status);

// Framing: how many octets the PDU at the front of `buffer` has, from its command_length, once at
// least 4 octets are there (nullopt before). The caller checks it against its cap and kHeaderSize
// before waiting for that many octets.
std::optional<uint32_t> frame_length(std::string_view buffer);

// Why a PDU could not be read, and what to answer: `command_status` is the generic_nack's (or
// the response's) status, `command_id` and `sequence` as far as the header could be read (0 when
// not), `message` says what was wrong in words for a log line.
struct DecodeError {
  uint32_t command_status = status::kSysErr;
  uint32_t command_id = 0;
  uint32_t sequence = 0;
  std::string message;
};

// Decodes one whole PDU (`bytes` is exactly command_length octets). Fails on: a command_length
// that is not bytes.size() or is under 16 (ESME_RINVCMDLEN); an unknown command_id
// (ESME_RINVCMDID, decode keeps the id and sequence so the caller can answer); a C-octet string
// without its NUL within its maximum size, or a mandatory field running past the end
// (ESME_RINVMSGLEN for short_message/sm_length, ESME_RSYSERR otherwise, message naming the
// field); a TLV whose length runs past the end (ESME_RINVTLVLEN). Never reads outside `bytes`.
struct DecodeResult {
  std::optional<Pdu> pdu;
  DecodeError error;  // when !pdu
};
DecodeResult decode(std::string_view bytes);

// Encodes `pdu` with its command_length. C-octet strings longer than their SMPP maximum and a
// short_message over 254 octets are the caller's mistake: they are truncated rather than sent
// malformed (the connector and the server never produce them).
std::string encode(const Pdu& pdu);

}  // namespace sb::smpp
