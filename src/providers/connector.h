// The one connector interface every provider implements, the one failure type all its calls
// return, and the capabilities a connector reports so that callers never ask which provider it
// is. Connectors classify failures; they never retry, back off or touch the database.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/http_types.h"
#include "core/message.h"
#include "core/result.h"
#include "core/status_report.h"
#include "providers/webhook.h"

namespace sb::providers {

enum class FailureKind {
  kTransient,    // 5xx, timeouts, connection errors: retry with back-off
  kRateLimited,  // 429 / throttling: retry after retry_after_ms (or back-off)
  kPermanent,    // the provider refused this message for good (invalid number, content, ...)
  kAuth,         // credentials or configuration rejected: the connector needs an operator
  // The connector does not offer this call (or not for this message): nothing reached the
  // provider. Never the answer of a send.
  kUnsupported,
};
std::string_view to_string(FailureKind k);

// The classified failure of any connector call (send, lookups, redaction, health, numbers).
struct SendFailure {
  FailureKind kind = FailureKind::kTransient;
  std::string code;  // the provider's own error code, verbatim (or ours: timeout, unsupported, ...)
  std::string message;
  std::optional<int64_t> retry_after_ms;
  // The provider refused because the recipient unsubscribed (Twilio 21610): the dispatcher
  // records an opt-out so nothing else is sent to it.
  bool recipient_opted_out = false;
  // The provider refused this sender, not the message (Twilio 21606: the From cannot send to this
  // destination or from this account): a pooled message moves to another sender of its pool.
  bool sender_refused = false;
};

// What every Connector call returns: its value, or a classified SendFailure (r.error()).
template <typename T>
using ProviderResult = Result<T, SendFailure>;

// True when `r` failed because the call was not made (kUnsupported).
template <typename T>
bool is_unsupported(const ProviderResult<T>& r) {
  return !r.ok() && r.error().kind == FailureKind::kUnsupported;
}

// A kUnsupported failure: code "unsupported", `message` saying what is not offered.
SendFailure unsupported(std::string message);

struct SendAccepted {
  std::string provider_message_id;
  std::string provider_status;  // e.g. Twilio "queued"
};

using SendResult = ProviderResult<SendAccepted>;

// What callers decide per connector instead of asking which provider it is. A provider's spec
// carries its capabilities (providers/spec.h); a connector reports its own, which settings may
// narrow (SignalWire's REST mode cannot redact).
struct ProviderCapabilities {
  // The provider smart-encodes the body itself (Twilio's SmartEncoded): the dispatcher hands the
  // text over unchanged. Otherwise the dispatcher substitutes the look-alikes before send.
  bool smart_encoding = false;
  // The provider signs nothing, so its webhook URL carries the connector's secret as a last path
  // segment (<public_url>/webhooks/<connector>/<webhook_secret>).
  bool webhook_path_secret = false;
  // configure_number_webhooks and list_owned_numbers work (numbers sync and import). Without it
  // they answer kUnsupported, saying where to configure the webhooks by hand.
  bool number_webhooks = false;
  // Where an operator points the provider's webhooks at the gateway when number_webhooks is false
  // ("" for the generic advice).
  std::string_view number_webhooks_by_hand;
  // redact() erases the provider's copy of a message. Without it the gateway erases only its own
  // copy and reports the provider's as "unsupported".
  bool redaction = false;
  // Carrier throughput defaults apply to its numbers (core/number_types.h); the simulated carrier
  // has no carrier to please.
  bool carrier_throughput = true;
  // The carrier can be told to deliver an inbound message (POST /v1/sim/inbound): the simulated
  // carrier only.
  bool simulated_inbound = false;
  // Inbound messages arrive on the connector's own link (SMPP), not by webhook: the gateway sets
  // its InboundSink, and no webhook URL is configured at the provider.
  bool own_inbound = false;

  bool operator==(const ProviderCapabilities&) const = default;
};

// Where connectors deliver provider-originated status reports (the sim pushes them; HTTP
// providers' webhooks arrive through the http module into the same sink).
class StatusSink {
 public:
  virtual ~StatusSink() = default;
  // Durably records a batch of reports. Returns, per report, true when it was stored (matched to a
  // message) and false when it should be retried later (unknown id yet, storage unavailable).
  virtual std::vector<bool> on_status(const std::vector<StatusReport>& reports) = 0;
  // For reports the provider will not send again once acknowledged (SMPP receipts): durably
  // records each, keeping one whose provider id is not known yet as an orphan that is applied as
  // soon as its message's send is recorded. Per report, true when stored; false only when
  // storage failed (the connector then refuses the report so that the provider retries it).
  virtual std::vector<bool> keep_status(const std::vector<StatusReport>& reports) {
    return on_status(reports);
  }
};

// Where connectors that receive on a link of their own (SMPP deliver_sm) hand in inbound
// messages, to be stored and routed exactly as a verified webhook carrying them would be.
class InboundSink {
 public:
  virtual ~InboundSink() = default;
  // Durably stores `event` (kInbound; its dedupe_key recognises the sender's retries; its `part`
  // set for one piece of a concatenated message, joined durably with the others), keeping
  // `payload` as its audit record, then calls `done(true)`. done(false) when it could not be
  // stored (storage unavailable, no such connector): the connector refuses the message so that
  // the sender retries it. `done` runs on a thread of the sink's, never inside on_inbound.
  virtual void on_inbound(const std::string& connector, WebhookEvent event, std::string payload,
                          std::function<void(bool stored)> done) = 0;
};

// What a lookup by our own reference found: whether the provider already holds this message
// (an earlier attempt was accepted, but its outcome was never recorded), and under which id.
struct PreviousSend {
  bool found = false;
  SendAccepted accepted;
};

// The provider's current view of a message (status query, for reconciliation).
struct StatusQueryResult {
  Status status = Status::kSent;  // mapped onto our lifecycle
  std::string provider_status;    // verbatim
  std::string error_code;
  std::string error_message;
};

// --- Provider-side number management (numbers) ---
// A number the connector's provider account owns (switchboard numbers import).
struct OwnedNumber {
  std::string number;  // E.164 as the provider lists it
  bool sms = false;
  bool mms = false;
  std::string type;         // long_code | toll_free | short_code; "" when the provider says not
  std::string provider_id;  // the provider's id of the number (Twilio PN..., Telnyx numeric id)
};

// What configure_number_webhooks set at the provider.
struct NumberWebhooks {
  std::string inbound_url;
  std::string status_url;
  // The provider's identifiers of what was changed, e.g. {"phone_number_sid", "PN..."} or
  // {"messaging_profile_id", "<uuid>"}, in a stable order.
  std::vector<std::pair<std::string, std::string>> provider_ids;
};

// The kUnsupported failure of a connector that cannot manage numbers through its provider's
// API: its message says where to configure them by hand (capabilities.number_webhooks_by_hand).
SendFailure numbers_not_supported(std::string_view provider, const ProviderCapabilities& caps,
                                  std::string_view what);
// A failed provider call other than a send, in words for an operator: message
// "<provider>: <what> failed: <detail>", with the kind and code it was classified as.
SendFailure call_failure(std::string_view provider, const std::string& what,
                         const std::string& detail, FailureKind kind, std::string code);
// The Error a surface reports for a failed numbers call: code "not_supported" when the connector
// does not offer it (kUnsupported), "provider_error" otherwise; the failure's message.
Error numbers_error(const SendFailure& f);

// A number's type from its digits, for providers whose number lists carry none: NANP toll-free
// area codes (800, 833, 844, 855, 866, 877, 888) are toll_free, 3-8 digits short_code, anything
// else long_code.
std::string infer_number_type(const std::string& number);

class Connector {
 public:
  virtual ~Connector() = default;
  virtual const std::string& id() const = 0;
  // The provider's name, for logs and views (never for decisions: see capabilities()).
  virtual std::string_view provider() const = 0;
  virtual const ProviderCapabilities& capabilities() const = 0;
  // Hands one message to the provider. `idempotency_key` is stable across retries of the same
  // message, so a provider that honours it never creates a second message.
  virtual SendResult send(const Message& m, const std::string& idempotency_key) = 0;
  // Whether send() waits on the network. Non-blocking connectors are called inline by the
  // dispatcher instead of occupying a send thread.
  virtual bool blocking_send() const { return true; }
  // Asks the provider for a message's current status by its provider message id. kUnsupported
  // when the provider has no such lookup (or the message no provider id to look up by), any
  // other failure when the lookup itself failed.
  virtual ProviderResult<StatusQueryResult> query_status(const Message& /*m*/) {
    return unsupported("this provider offers no status query");
  }
  // Asks the provider whether it already accepted `m` (looked up by our message id, which the
  // connector sent as its reference), before any attempt after the first: the previous one's
  // outcome may be unknown (its claim expired because the process died mid-send, or its answer
  // was lost to a timeout, a cut connection or a 5xx). kUnsupported: no such lookup (for this
  // message). Any other failure: the lookup itself failed (the dispatcher then waits rather than
  // risk a second message).
  virtual ProviderResult<PreviousSend> find_previous_send(const Message& /*m*/) {
    return unsupported("this provider offers no lookup by our reference");
  }
  // --- erasing the provider's copy of a message (DELETE /v1/messages) ---
  // Erases the provider's copy of `m` (by m.provider_message_id): ok when done (or when the
  // provider no longer has it), else the classified failure (transient ones are retried).
  // kUnsupported unless capabilities().redaction.
  virtual ProviderResult<void> redact(const Message& /*m*/) {
    return unsupported("this provider offers no message redaction");
  }
  // A cheap authenticated call proving the credentials work (for /readyz and start-up checks).
  // Ok also when the provider has no such call (the credentials are then proved by a send).
  virtual ProviderResult<void> health_check() { return {}; }
  // Points `number`'s inbound-message and status webhooks at this gateway through the provider's
  // own API. kUnsupported unless capabilities().number_webhooks; other failures are the
  // provider refusing or not answering, its words kept in the message.
  virtual ProviderResult<NumberWebhooks> configure_number_webhooks(
      const std::string& /*number*/, const std::string& /*inbound_url*/,
      const std::string& /*status_url*/) {
    return numbers_not_supported(provider(), capabilities(), "configure number webhooks");
  }
  // Every number the provider account owns, with capabilities and type where the API says so.
  // Failures as configure_number_webhooks.
  virtual ProviderResult<std::vector<OwnedNumber>> list_owned_numbers() {
    return numbers_not_supported(provider(), capabilities(), "list the account's numbers");
  }
  // Media re-hosting (docs/media.md): the headers that authorise fetching `url`, one of this
  // provider's inbound media URLs (e.g. Twilio's HTTP Basic), and only when `url` is on the
  // provider's own media host; {} otherwise (credentials never go to a host a webhook named).
  virtual Headers media_fetch_headers(const std::string& /*url*/) const { return {}; }
  // Where inbound messages go, for a connector that receives them itself (capabilities'
  // own_inbound); set before start().
  virtual void set_inbound_sink(InboundSink& /*sink*/) {}
  // Starts background work (if any); reports go to `sink`.
  virtual void start(StatusSink& /*sink*/) {}
  virtual void stop() {}
};

}  // namespace sb::providers
