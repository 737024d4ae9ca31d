// deliver_sm builders for MO messages and delivery receipts.
#include "smpp_server/deliveries.h"

#include <ctime>

#include "smpp/text.h"

namespace sb::smpp_server {
namespace {

constexpr size_t kMaxShortMessage = 254;

struct FinalState {
  std::string_view status;
  smpp::MessageState state;
};
constexpr FinalState kFinal[] = {
    {"delivered", smpp::MessageState::kDelivered},
    {"undelivered", smpp::MessageState::kUndeliverable},
    {"failed", smpp::MessageState::kRejected},
    {"expired", smpp::MessageState::kExpired},
    {"canceled", smpp::MessageState::kDeleted},
};

std::optional<smpp::MessageState> final_state(std::string_view status) {
  for (const auto& f : kFinal) {
    if (f.status == status) return f.state;
  }
  return std::nullopt;
}

// The first `n` code points of `utf8`.
std::string first_chars(std::string_view utf8, size_t n) {
  size_t i = 0;
  size_t count = 0;
  while (i < utf8.size() && count < n) {
    ++i;
    while (i < utf8.size() && (static_cast<unsigned char>(utf8[i]) & 0xC0) == 0x80) ++i;
    ++count;
  }
  return std::string(utf8.substr(0, i));
}

// err: is three digits; an error code's last three digits, 000 when it has none.
std::string err_digits(std::string_view code) {
  std::string digits;
  for (char c : code) {
    if (c >= '0' && c <= '9') digits += c;
  }
  if (digits.empty()) return "000";
  if (digits.size() >= 3) return digits.substr(digits.size() - 3);
  return std::string(3 - digits.size(), '0') + digits;
}

}  // namespace

void put_text(smpp::Pdu& pdu, std::string_view utf8) {
  std::string octets;
  if (auto gsm = smpp::encode_gsm7(utf8)) {
    pdu.data_coding = smpp::dcs::kSmscDefault;
    octets = std::move(*gsm);
  } else {
    pdu.data_coding = smpp::dcs::kUcs2;
    octets = smpp::encode_ucs2(utf8);
  }
  if (octets.size() <= kMaxShortMessage) {
    pdu.short_message = std::move(octets);
  } else {
    pdu.short_message.clear();
    pdu.set_tlv(smpp::tag::kMessagePayload, std::move(octets));
  }
}

std::optional<smpp::Pdu> mo_deliver_sm(const nlohmann::json& data) {
  if (!data.is_object() || data.value("direction", "") != "inbound") return std::nullopt;
  smpp::Pdu p;
  p.command_id = smpp::command::kDeliverSm;
  p.source = smpp::address_for(data.value("from", ""));
  p.dest = smpp::address_for(data.value("to", ""));
  p.esm_class = 0;
  std::string body = data.value("body", "");
  if (auto media = data.find("media_urls"); media != data.end() && media->is_array()) {
    for (const auto& url : *media) {
      if (!url.is_string()) continue;
      if (!body.empty()) body += '\n';
      body += url.get<std::string>();
    }
  }
  put_text(p, body);
  return p;
}

bool wants_receipt(const Message& m, const std::string& system_id, std::string_view status) {
  const auto state = final_state(status);
  if (!state) return false;
  auto sid = m.metadata.find(kMetaSystemId);
  auto rd = m.metadata.find(kMetaRegisteredDelivery);
  if (sid == m.metadata.end() || sid->second != system_id || rd == m.metadata.end()) return false;
  int value = 0;
  for (char c : rd->second) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
    if (value > 255) return false;
  }
  switch (value & 0x03) {
    case 1:
      return true;
    case 2:
      return *state != smpp::MessageState::kDelivered;
    case 3:  // SMPP 5.0: success only
      return *state == smpp::MessageState::kDelivered;
    default:
      return false;
  }
}

std::string receipt_date(TimeMs t) {
  const std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%y%m%d%H%M", &tm);
  return buf;
}

smpp::Pdu receipt_deliver_sm(const Message& m, std::string_view status, TimeMs done_at,
                             std::string_view error_code) {
  const smpp::MessageState state = final_state(status).value_or(smpp::MessageState::kUnknown);
  smpp::Pdu p;
  p.command_id = smpp::command::kDeliverSm;
  p.esm_class = smpp::esm::kDeliveryReceipt;
  p.source = smpp::address_for(m.to);
  p.dest = smpp::address_for(m.from);
  smpp::ReceiptText r;
  r.id = m.id;
  r.sub = "001";
  r.dlvrd = state == smpp::MessageState::kDelivered ? "001" : "000";
  r.submit_date = receipt_date(m.created_at);
  r.done_date = receipt_date(done_at);
  r.stat = std::string(smpp::stat_word(state));
  r.err = state == smpp::MessageState::kDelivered ? "000" : err_digits(error_code);
  r.text = first_chars(m.body, 20);
  const std::string text = smpp::format_receipt_text(r);
  // A receipt's text is read by machines: GSM-7 whenever it can be, the body's excerpt made
  // ASCII when it cannot.
  if (auto gsm = smpp::encode_gsm7(text)) {
    p.short_message = std::move(*gsm);
  } else {
    std::string ascii;
    for (char c : r.text) ascii += (static_cast<unsigned char>(c) < 0x80) ? c : '?';
    r.text = ascii;
    p.short_message = smpp::encode_gsm7(smpp::format_receipt_text(r)).value_or("");
  }
  p.data_coding = smpp::dcs::kSmscDefault;
  p.short_message.resize(std::min(p.short_message.size(), kMaxShortMessage));
  p.set_tlv(smpp::tag::kReceiptedMessageId, m.id + std::string(1, '\0'));
  p.set_tlv_int(smpp::tag::kMessageState, static_cast<uint32_t>(state), 1);
  return p;
}

}  // namespace sb::smpp_server
