// SMPP 3.4 PDUs read and written field by field, because every peer on the other end is untrusted.
#include "smpp/pdu.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace sb::smpp {
namespace {

// Maximum sizes of C-octet strings, NUL included (SMPP 3.4, section 4).
constexpr size_t kSystemIdMax = 16;
constexpr size_t kPasswordMax = 9;
constexpr size_t kSystemTypeMax = 13;
constexpr size_t kAddressRangeMax = 41;
constexpr size_t kServiceTypeMax = 6;
constexpr size_t kAddrMax = 21;
constexpr size_t kDataSmAddrMax = 65;
constexpr size_t kTimeMax = 17;
constexpr size_t kMessageIdMax = 65;
constexpr size_t kShortMessageMax = 254;

std::string hex_id(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string hex_tag(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(v));
  return buf;
}

// The body layouts decode and encode know; anything else is ESME_RINVCMDID.
enum class Layout {
  kNone,      // header only
  kBind,      // bind_transmitter / receiver / transceiver
  kBindResp,  // system_id, TLVs
  kOutbind,   // system_id, password
  kSm,        // submit_sm, deliver_sm
  kDataSm,    // data_sm
  kIdResp,    // submit_sm_resp, data_sm_resp, deliver_sm_resp: message_id, TLVs
  kQuerySm,   // message_id, source
  kUnknown,
};

Layout layout_of(uint32_t id) {
  switch (id) {
    case command::kGenericNack:
    case command::kEnquireLink:
    case response_id(command::kEnquireLink):
    case command::kUnbind:
    case response_id(command::kUnbind):
      return Layout::kNone;
    case command::kBindReceiver:
    case command::kBindTransmitter:
    case command::kBindTransceiver:
      return Layout::kBind;
    case response_id(command::kBindReceiver):
    case response_id(command::kBindTransmitter):
    case response_id(command::kBindTransceiver):
      return Layout::kBindResp;
    case command::kOutbind:
      return Layout::kOutbind;
    case command::kSubmitSm:
    case command::kDeliverSm:
      return Layout::kSm;
    case command::kDataSm:
      return Layout::kDataSm;
    case response_id(command::kSubmitSm):
    case response_id(command::kDeliverSm):
    case response_id(command::kDataSm):
      return Layout::kIdResp;
    case command::kQuerySm:
      return Layout::kQuerySm;
    default:
      return Layout::kUnknown;
  }
}

uint32_t be32(std::string_view b, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

void put32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

// Reads the body forward; the first failure sticks and every later read is a no-op, so a layout
// reads as a straight list of fields and is checked once at the end.
class Reader {
 public:
  explicit Reader(std::string_view body) : body_(body) {}

  bool ok() const { return !failed_; }
  bool at_end() const { return pos_ >= body_.size(); }
  const DecodeError& error() const { return error_; }

  void cstring(std::string& out, size_t max, const char* field) {
    if (failed_) return;
    const size_t window = std::min(max, body_.size() - pos_);
    const size_t nul = body_.substr(pos_, window).find('\0');
    if (nul == std::string_view::npos) {
      const bool ran_out = window < max;
      fail(status::kSysErr, std::string(field) + (ran_out ? " runs past the end of the PDU"
                                                          : " has no NUL within its " +
                                                                std::to_string(max) + " octets"));
      return;
    }
    out.assign(body_.substr(pos_, nul));
    pos_ += nul + 1;
  }

  void octet(uint8_t& out, const char* field) {
    if (failed_) return;
    if (pos_ >= body_.size()) {
      fail(status::kSysErr, std::string(field) + " runs past the end of the PDU");
      return;
    }
    out = static_cast<uint8_t>(body_[pos_++]);
  }

  // `prefix`_ton, `prefix`_npi, then the address itself named `name`.
  void address(Address& a, size_t max, const std::string& prefix, const char* name) {
    octet(a.ton, (prefix + "_ton").c_str());
    octet(a.npi, (prefix + "_npi").c_str());
    cstring(a.addr, max, name);
  }

  void short_message(std::string& out) {
    if (failed_) return;
    if (pos_ >= body_.size()) {
      fail(status::kInvMsgLen, "sm_length runs past the end of the PDU");
      return;
    }
    const size_t len = static_cast<unsigned char>(body_[pos_++]);
    if (len > kShortMessageMax) {
      fail(status::kInvMsgLen, "sm_length " + std::to_string(len) + " is over 254");
      return;
    }
    if (body_.size() - pos_ < len) {
      fail(status::kInvMsgLen,
           "short_message runs past the end of the PDU (sm_length " + std::to_string(len) + ")");
      return;
    }
    out.assign(body_.substr(pos_, len));
    pos_ += len;
  }

  void tlvs(std::vector<Tlv>& out) {
    while (!failed_ && pos_ < body_.size()) {
      if (body_.size() - pos_ < 4) {
        fail(status::kInvOptParStream, "a TLV header runs past the end of the PDU");
        return;
      }
      Tlv t;
      t.tag = static_cast<uint16_t>((static_cast<unsigned char>(body_[pos_]) << 8) |
                                    static_cast<unsigned char>(body_[pos_ + 1]));
      const size_t len = (static_cast<size_t>(static_cast<unsigned char>(body_[pos_ + 2])) << 8) |
                         static_cast<unsigned char>(body_[pos_ + 3]);
      pos_ += 4;
      if (body_.size() - pos_ < len) {
        fail(status::kInvParLen, "TLV " + hex_tag(t.tag) + " length " + std::to_string(len) +
                                     " runs past the end of the PDU");
        return;
      }
      t.value.assign(body_.substr(pos_, len));
      pos_ += len;
      out.push_back(std::move(t));
    }
  }

 private:
  void fail(uint32_t st, std::string message) {
    failed_ = true;
    error_.command_status = st;
    error_.message = std::move(message);
  }

  std::string_view body_;
  size_t pos_ = 0;
  bool failed_ = false;
  DecodeError error_;
};

void put_cstring(std::string& out, std::string_view s, size_t max) {
  s = s.substr(0, std::min(s.find('\0'), max - 1));
  out.append(s);
  out.push_back('\0');
}

void put_address(std::string& out, const Address& a, size_t max) {
  out.push_back(static_cast<char>(a.ton));
  out.push_back(static_cast<char>(a.npi));
  put_cstring(out, a.addr, max);
}

void put_tlvs(std::string& out, const std::vector<Tlv>& tlvs) {
  for (const Tlv& t : tlvs) {
    const size_t len = std::min<size_t>(t.value.size(), 0xFFFF);
    put16(out, t.tag);
    put16(out, static_cast<uint16_t>(len));
    out.append(t.value, 0, len);
  }
}

// SMPP 3.4 names (5.1.3), as SMSC logs and documentation spell them.
constexpr std::pair<uint32_t, const char*> kStatusNames[] = {
    {status::kOk, "ESME_ROK"},
    {status::kInvMsgLen, "ESME_RINVMSGLEN"},
    {status::kInvCmdLen, "ESME_RINVCMDLEN"},
    {status::kInvCmdId, "ESME_RINVCMDID"},
    {status::kInvBndSts, "ESME_RINVBNDSTS"},
    {status::kAlyBnd, "ESME_RALYBND"},
    {status::kInvPrtFlg, "ESME_RINVPRTFLG"},
    {status::kInvRegDlvFlg, "ESME_RINVREGDLVFLG"},
    {status::kSysErr, "ESME_RSYSERR"},
    {status::kInvSrcAdr, "ESME_RINVSRCADR"},
    {status::kInvDstAdr, "ESME_RINVDSTADR"},
    {status::kInvMsgId, "ESME_RINVMSGID"},
    {status::kBindFail, "ESME_RBINDFAIL"},
    {status::kInvPaswd, "ESME_RINVPASWD"},
    {status::kInvSysId, "ESME_RINVSYSID"},
    {status::kCancelFail, "ESME_RCANCELFAIL"},
    {status::kReplaceFail, "ESME_RREPLACEFAIL"},
    {status::kMsgQFul, "ESME_RMSGQFUL"},
    {status::kInvSerTyp, "ESME_RINVSERTYP"},
    {status::kInvNumDests, "ESME_RINVNUMDESTS"},
    {status::kInvDlName, "ESME_RINVDLNAME"},
    {status::kInvDestFlag, "ESME_RINVDESTFLAG"},
    {status::kInvSubRep, "ESME_RINVSUBREP"},
    {status::kInvEsmClass, "ESME_RINVESMCLASS"},
    {status::kCntSubDl, "ESME_RCNTSUBDL"},
    {status::kSubmitFail, "ESME_RSUBMITFAIL"},
    {status::kInvSrcTon, "ESME_RINVSRCTON"},
    {status::kInvSrcNpi, "ESME_RINVSRCNPI"},
    {status::kInvDstTon, "ESME_RINVDSTTON"},
    {status::kInvDstNpi, "ESME_RINVDSTNPI"},
    {status::kInvSysTyp, "ESME_RINVSYSTYP"},
    {status::kInvRepFlag, "ESME_RINVREPFLAG"},
    {status::kInvNumMsgs, "ESME_RINVNUMMSGS"},
    {status::kThrottled, "ESME_RTHROTTLED"},
    {status::kInvSched, "ESME_RINVSCHED"},
    {status::kInvExpiry, "ESME_RINVEXPIRY"},
    {status::kInvDftMsgId, "ESME_RINVDFTMSGID"},
    {status::kXTAppn, "ESME_RX_T_APPN"},
    {status::kXPAppn, "ESME_RX_P_APPN"},
    {status::kXRAppn, "ESME_RX_R_APPN"},
    {status::kQueryFail, "ESME_RQUERYFAIL"},
    {status::kInvOptParStream, "ESME_RINVOPTPARSTREAM"},
    {status::kOptParNotAllwd, "ESME_ROPTPARNOTALLWD"},
    {status::kInvParLen, "ESME_RINVPARLEN"},
    {status::kMissingOptParam, "ESME_RMISSINGOPTPARAM"},
    {status::kInvOptParamVal, "ESME_RINVOPTPARAMVAL"},
    {status::kDeliveryFailure, "ESME_RDELIVERYFAILURE"},
    {status::kUnknownErr, "ESME_RUNKNOWNERR"},
};

}  // namespace

std::string status_name(uint32_t s) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == s) return name;
  }
  return hex_id(s);
}

std::string command_name(uint32_t id) {
  const bool resp = is_response(id) && id != command::kGenericNack;
  const char* base = nullptr;
  switch (id & ~command::kResponse) {
    case 0:
      base = id == command::kGenericNack ? "generic_nack" : nullptr;
      break;
    case command::kBindReceiver:
      base = "bind_receiver";
      break;
    case command::kBindTransmitter:
      base = "bind_transmitter";
      break;
    case command::kQuerySm:
      base = "query_sm";
      break;
    case command::kSubmitSm:
      base = "submit_sm";
      break;
    case command::kDeliverSm:
      base = "deliver_sm";
      break;
    case command::kUnbind:
      base = "unbind";
      break;
    case command::kReplaceSm:
      base = "replace_sm";
      break;
    case command::kCancelSm:
      base = "cancel_sm";
      break;
    case command::kBindTransceiver:
      base = "bind_transceiver";
      break;
    case command::kOutbind:
      base = resp ? nullptr : "outbind";
      break;
    case command::kEnquireLink:
      base = "enquire_link";
      break;
    case command::kSubmitMulti:
      base = "submit_multi";
      break;
    case command::kAlertNotification:
      base = resp ? nullptr : "alert_notification";
      break;
    case command::kDataSm:
      base = "data_sm";
      break;
    default:
      break;
  }
  if (base == nullptr) return hex_id(id);
  return resp ? std::string(base) + "_resp" : std::string(base);
}

const Tlv* Pdu::tlv(uint16_t t) const {
  for (const Tlv& x : tlvs) {
    if (x.tag == t) return &x;
  }
  return nullptr;
}

void Pdu::set_tlv(uint16_t t, std::string value) {
  auto it = std::find_if(tlvs.begin(), tlvs.end(), [t](const Tlv& x) { return x.tag == t; });
  if (it == tlvs.end()) {
    tlvs.push_back(Tlv{t, std::move(value)});
    return;
  }
  it->value = std::move(value);
  // "Replaces": later duplicates would shadow nothing but still travel; drop them.
  tlvs.erase(std::remove_if(std::next(it), tlvs.end(), [t](const Tlv& x) { return x.tag == t; }),
             tlvs.end());
}

std::optional<uint32_t> Pdu::tlv_int(uint16_t t) const {
  const Tlv* x = tlv(t);
  if (x == nullptr) return std::nullopt;
  const size_t n = x->value.size();
  if (n != 1 && n != 2 && n != 4) return std::nullopt;
  uint32_t v = 0;
  for (char c : x->value) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

void Pdu::set_tlv_int(uint16_t t, uint32_t value, int octets) {
  if (octets != 1 && octets != 2) octets = 4;
  std::string v;
  for (int i = octets - 1; i >= 0; --i) v.push_back(static_cast<char>(value >> (8 * i)));
  set_tlv(t, std::move(v));
}

Pdu response_to(const Pdu& request, uint32_t command_status) {
  Pdu r;
  r.command_id = response_id(request.command_id);
  r.command_status = command_status;
  r.sequence = request.sequence;
  return r;
}

Pdu generic_nack(uint32_t sequence, uint32_t command_status) {
  Pdu r;
  r.command_id = command::kGenericNack;
  r.command_status = command_status;
  r.sequence = sequence;
  return r;
}

std::optional<uint32_t> frame_length(std::string_view buffer) {
  if (buffer.size() < 4) return std::nullopt;
  return be32(buffer, 0);
}

DecodeResult decode(std::string_view bytes) {
  DecodeResult r;
  DecodeError& e = r.error;
  if (bytes.size() >= 8) e.command_id = be32(bytes, 4);
  if (bytes.size() >= 16) e.sequence = be32(bytes, 12);
  if (bytes.size() < kHeaderSize) {
    e.command_status = status::kInvCmdLen;
    e.message = "PDU of " + std::to_string(bytes.size()) + " octets is shorter than its header";
    return r;
  }
  const uint32_t length = be32(bytes, 0);
  if (length != bytes.size()) {
    e.command_status = status::kInvCmdLen;
    e.message = "command_length " + std::to_string(length) + " is not the PDU's " +
                std::to_string(bytes.size()) + " octets";
    return r;
  }
  const Layout layout = layout_of(e.command_id);
  if (layout == Layout::kUnknown) {
    e.command_status = status::kInvCmdId;
    e.message = "unknown command_id " + hex_id(e.command_id);
    return r;
  }

  Pdu p;
  p.command_id = e.command_id;
  p.command_status = be32(bytes, 8);
  p.sequence = e.sequence;
  Reader in(bytes.substr(kHeaderSize));
  switch (layout) {
    case Layout::kNone:
      break;  // a stray body is ignored: nothing in it could change the answer
    case Layout::kBind:
      in.cstring(p.system_id, kSystemIdMax, "system_id");
      in.cstring(p.password, kPasswordMax, "password");
      in.cstring(p.system_type, kSystemTypeMax, "system_type");
      in.octet(p.interface_version, "interface_version");
      in.address(p.address_range, kAddressRangeMax, "addr", "address_range");
      break;
    case Layout::kBindResp:
      // Failed binds often come back with no body at all.
      if (in.at_end()) break;
      in.cstring(p.system_id, kSystemIdMax, "system_id");
      in.tlvs(p.tlvs);
      break;
    case Layout::kOutbind:
      in.cstring(p.system_id, kSystemIdMax, "system_id");
      in.cstring(p.password, kPasswordMax, "password");
      break;
    case Layout::kSm:
      in.cstring(p.service_type, kServiceTypeMax, "service_type");
      in.address(p.source, kAddrMax, "source_addr", "source_addr");
      in.address(p.dest, kAddrMax, "dest_addr", "destination_addr");
      in.octet(p.esm_class, "esm_class");
      in.octet(p.protocol_id, "protocol_id");
      in.octet(p.priority_flag, "priority_flag");
      in.cstring(p.schedule_delivery_time, kTimeMax, "schedule_delivery_time");
      in.cstring(p.validity_period, kTimeMax, "validity_period");
      in.octet(p.registered_delivery, "registered_delivery");
      in.octet(p.replace_if_present, "replace_if_present_flag");
      in.octet(p.data_coding, "data_coding");
      in.octet(p.sm_default_msg_id, "sm_default_msg_id");
      in.short_message(p.short_message);
      in.tlvs(p.tlvs);
      break;
    case Layout::kDataSm:
      in.cstring(p.service_type, kServiceTypeMax, "service_type");
      in.address(p.source, kDataSmAddrMax, "source_addr", "source_addr");
      in.address(p.dest, kDataSmAddrMax, "dest_addr", "destination_addr");
      in.octet(p.esm_class, "esm_class");
      in.octet(p.registered_delivery, "registered_delivery");
      in.octet(p.data_coding, "data_coding");
      in.tlvs(p.tlvs);
      break;
    case Layout::kIdResp:
      // A rejected submit carries no body; some SMSCs omit it on success too.
      if (in.at_end()) break;
      in.cstring(p.message_id, kMessageIdMax, "message_id");
      in.tlvs(p.tlvs);
      break;
    case Layout::kQuerySm:
      in.cstring(p.message_id, kMessageIdMax, "message_id");
      in.address(p.source, kAddrMax, "source_addr", "source_addr");
      break;
    case Layout::kUnknown:
      break;
  }
  if (!in.ok()) {
    e.command_status = in.error().command_status;
    e.message = command_name(p.command_id) + ": " + in.error().message;
    return r;
  }
  r.pdu = std::move(p);
  return r;
}

std::string encode(const Pdu& p) {
  std::string out(kHeaderSize, '\0');
  // A failed response's body is optional and most SMSCs leave it out; send one only when it says
  // something.
  const bool bare_failure = p.command_status != status::kOk && p.tlvs.empty();
  switch (layout_of(p.command_id)) {
    case Layout::kNone:
    case Layout::kUnknown:
      break;
    case Layout::kBind:
      put_cstring(out, p.system_id, kSystemIdMax);
      put_cstring(out, p.password, kPasswordMax);
      put_cstring(out, p.system_type, kSystemTypeMax);
      out.push_back(static_cast<char>(p.interface_version));
      put_address(out, p.address_range, kAddressRangeMax);
      break;
    case Layout::kBindResp:
      if (bare_failure && p.system_id.empty()) break;
      put_cstring(out, p.system_id, kSystemIdMax);
      put_tlvs(out, p.tlvs);
      break;
    case Layout::kOutbind:
      put_cstring(out, p.system_id, kSystemIdMax);
      put_cstring(out, p.password, kPasswordMax);
      break;
    case Layout::kSm: {
      put_cstring(out, p.service_type, kServiceTypeMax);
      put_address(out, p.source, kAddrMax);
      put_address(out, p.dest, kAddrMax);
      out.push_back(static_cast<char>(p.esm_class));
      out.push_back(static_cast<char>(p.protocol_id));
      out.push_back(static_cast<char>(p.priority_flag));
      put_cstring(out, p.schedule_delivery_time, kTimeMax);
      put_cstring(out, p.validity_period, kTimeMax);
      out.push_back(static_cast<char>(p.registered_delivery));
      out.push_back(static_cast<char>(p.replace_if_present));
      out.push_back(static_cast<char>(p.data_coding));
      out.push_back(static_cast<char>(p.sm_default_msg_id));
      const size_t len = std::min(p.short_message.size(), kShortMessageMax);
      out.push_back(static_cast<char>(len));
      out.append(p.short_message, 0, len);
      put_tlvs(out, p.tlvs);
      break;
    }
    case Layout::kDataSm:
      put_cstring(out, p.service_type, kServiceTypeMax);
      put_address(out, p.source, kDataSmAddrMax);
      put_address(out, p.dest, kDataSmAddrMax);
      out.push_back(static_cast<char>(p.esm_class));
      out.push_back(static_cast<char>(p.registered_delivery));
      out.push_back(static_cast<char>(p.data_coding));
      put_tlvs(out, p.tlvs);
      break;
    case Layout::kIdResp:
      if (bare_failure && p.message_id.empty()) break;
      put_cstring(out, p.message_id, kMessageIdMax);
      put_tlvs(out, p.tlvs);
      break;
    case Layout::kQuerySm:
      put_cstring(out, p.message_id, kMessageIdMax);
      put_address(out, p.source, kAddrMax);
      break;
  }
  std::string header;
  put32(header, static_cast<uint32_t>(out.size()));
  put32(header, p.command_id);
  put32(header, p.command_status);
  put32(header, p.sequence);
  out.replace(0, kHeaderSize, header);
  return out;
}

}  // namespace sb::smpp
