// The SMPP connector's pure half: its settings read and checked, the submit_sm PDUs a message
// becomes, the one table classifying SMPP statuses, and how a receipt maps onto our statuses.
// Nothing here does I/O, so every rule is unit-testable without a socket.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/message.h"
#include "core/result.h"
#include "core/status.h"
#include "providers/connector.h"
#include "providers/settings.h"
#include "smpp/pdu.h"
#include "smpp/text.h"

namespace sb::providers::smpp {

namespace wire = ::sb::smpp;

// SMPP binds carry inbound messages and receipts themselves: nothing is configured at a
// provider's web console, and there is no number API to drive.
inline constexpr ProviderCapabilities kCapabilities{
    .smart_encoding = false,
    .number_webhooks = false,
    .number_webhooks_by_hand =
        "SMPP delivers inbound messages and delivery receipts on the bind itself (deliver_sm): "
        "there is nothing to configure at the provider beyond routing the numbers to this "
        "system_id",
    .carrier_throughput = true,
    .own_inbound = true};

enum class BindMode { kTransceiver, kTransmitterReceiver };
// Which data_coding a body is sent with when it is not GSM-7 (key `data_coding`).
enum class DataCodingPolicy { kGsm7, kLatin1 };

// A validated [[connectors]] table for provider "smpp". Durations are in milliseconds so that
// tests can make every interval short; the settings give most of them in seconds.
struct SmppConfig {
  std::string id;
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  bool tls_verify = true;   // verify the SMSC's certificate chain and host name
  std::string tls_ca_file;  // "" : the system's trust store
  std::string system_id;
  std::string password;  // a secret: never logged
  std::string system_type;
  BindMode bind = BindMode::kTransceiver;
  int binds = 1;          // sessions (each a transceiver, or a transmitter + receiver pair)
  int window = 10;        // outstanding submit_sm per session
  double throughput = 0;  // submit_sm per second for the whole connector; 0 = unlimited
  int64_t enquire_link_ms = 30'000;
  int64_t response_timeout_ms = 30'000;  // any request of ours unanswered this long: link dead
  int64_t reconnect_min_ms = 1'000;
  int64_t reconnect_max_ms = 60'000;
  int64_t throttle_min_ms = 200;  // pause of a throttled session, doubling up to throttle_max_ms
  int64_t throttle_max_ms = 5'000;
  int64_t send_timeout_ms = 10'000;  // ConnectorSettings::timeout_ms: the whole of one send()
  int64_t unbind_wait_ms = 1'000;    // stop(): how long to wait for unbind_resp
  uint32_t max_pdu_size = wire::kDefaultMaxPduSize;
  std::optional<uint8_t> source_ton, source_npi, dest_ton, dest_npi;
  wire::LongMessages long_messages = wire::LongMessages::kUdh;
  DataCodingPolicy data_coding = DataCodingPolicy::kGsm7;
  wire::Alphabet default_alphabet = wire::Alphabet::kGsm7;
  uint8_t registered_delivery = 1;
  wire::IdFormat receipt_id_format = wire::IdFormat::kAuto;
  // A multi-part message's accepted parts are remembered this long for a retry to skip them.
  int64_t partial_retention_ms = 3'600'000;
};

// Reads and checks the provider keys (see the README table in the final report / docs):
// host, port, system_id, password required; the rest optional with defaults. Errors name
// "connectors[<id>].<key>" and never quote the password.
Result<SmppConfig> parse_config(const ConnectorSettings& s);

// The submit_sm PDUs (sequence numbers unset) that send one message, in order.
struct SubmitPlan {
  uint8_t data_coding = 0;
  int total = 1;                 // parts of the message as the handset sees it
  std::vector<wire::Pdu> parts;  // one PDU per part (just one in payload mode)
};
// Encodes `m.body` by the data_coding policy (GSM-7 unpacked 0x00 when every character has a
// GSM-7 form; Latin-1 0x03 when the policy allows and it fits; else UCS-2 0x08), splits it when it
// does not fit one PDU (analyze_segments' parts where its encoding is the one chosen, so the parts
// are those the API reported; grapheme-safe splitting at 134 Latin-1 octets otherwise) and builds
// the parts as `long_messages` says, with concatenation `reference` (8-bit when < 256). Only the
// last part asks for a receipt, so the id its submit_sm_resp gives is the message's id. Fails
// kPermanent for what SMPP cannot carry (media).
ProviderResult<SubmitPlan> plan_submits(const SmppConfig& c, const Message& m, uint16_t reference);

// A SendFailure in one expression.
SendFailure failure(FailureKind kind, std::string code, std::string message,
                    std::optional<int64_t> retry_after_ms = std::nullopt);

// The one table from a submit_sm_resp (or generic_nack) status to what the dispatcher should do.
// Throttling (RTHROTTLED, RMSGQFUL) is kRateLimited; the send retries it itself while it can.
FailureKind classify_status(uint32_t command_status);
// True for the statuses that say the SMSC is busy, not that the message is wrong.
bool is_throttle(uint32_t command_status);
// True for the statuses that say the session is not usable for submits (rebind it).
bool needs_rebind(uint32_t command_status);
// The failure a refused submit_sm becomes: code = smpp::status_name, kind from classify_status.
// An invalid source address also sets sender_refused (a pooled message may use another sender).
SendFailure submit_failure(uint32_t command_status, int part, int total);

// A receipt's state onto our lifecycle: DELIVRD delivered; UNDELIV/EXPIRED/DELETED/UNKNOWN
// undelivered; REJECTD failed; ENROUTE/ACCEPTD (intermediate) sent; nullopt when neither the
// state nor the stat word says anything we know.
std::optional<Status> status_of_receipt(const wire::Receipt& r);

// Recent submit_sm_resp ids, bounded, for receipt_id_format = auto: finds the resp spelling of a
// receipt id that names the same message in another spelling (decimal for hex, leading zeros,
// case), by numeric value, as smpp::same_message_id compares. Not thread-safe.
class ReceiptIdIndex {
 public:
  explicit ReceiptIdIndex(size_t capacity = 200'000) : capacity_(capacity) {}
  void add(const std::string& resp_id);
  // The resp id `receipt_id` names; nullopt when no remembered id matches.
  std::optional<std::string> find(const std::string& receipt_id) const;
  // The latest resp id seen ("" before any): the example smpp::resp_spelling pads and cases by.
  const std::string& example() const { return example_; }
  size_t size() const { return order_.size(); }

 private:
  size_t capacity_;
  std::deque<std::string> order_;
  std::unordered_map<std::string, int> exact_;        // id -> how many times in order_
  std::unordered_map<uint64_t, std::string> by_hex_;  // the id read as hex
  std::unordered_map<uint64_t, std::string> by_dec_;  // the id read as decimal (digits only)
  std::string example_;
};

// A receipt id spelled as the submit_sm_resp spelled it, per `format` (auto: the index, else
// unchanged).
std::string receipt_id_for(const std::string& receipt_id, wire::IdFormat format,
                           const ReceiptIdIndex& index);

}  // namespace sb::providers::smpp
