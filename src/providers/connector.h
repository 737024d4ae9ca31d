// The one connector interface every provider implements, and the failure classes the dispatcher
// decides on. Connectors classify failures; they never retry, back off or touch the database.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/http_types.h"
#include "core/message.h"
#include "core/result.h"
#include "core/status_report.h"

namespace sb::providers {

enum class FailureKind {
  kTransient,    // 5xx, timeouts, connection errors: retry with back-off
  kRateLimited,  // 429 / throttling: retry after retry_after_ms (or back-off)
  kPermanent,    // the provider refused this message for good (invalid number, content, ...)
  kAuth,         // credentials or configuration rejected: the connector needs an operator
};
std::string_view to_string(FailureKind k);

struct SendAccepted {
  std::string provider_message_id;
  std::string provider_status;  // e.g. Twilio "queued"
};

struct SendFailure {
  FailureKind kind = FailureKind::kTransient;
  std::string code;  // the provider's own error code, verbatim
  std::string message;
  std::optional<int64_t> retry_after_ms;
  // The provider refused because the recipient unsubscribed (Twilio 21610): the dispatcher
  // records an opt-out so nothing else is sent to it.
  bool recipient_opted_out = false;
};

using SendResult = std::variant<SendAccepted, SendFailure>;

// Where connectors deliver provider-originated status reports (the sim pushes them; HTTP
// providers' webhooks arrive through the http module into the same sink).
class StatusSink {
 public:
  virtual ~StatusSink() = default;
  // Durably records a batch of reports. Returns, per report, true when it was stored (matched to a
  // message) and false when it should be retried later (unknown id yet, storage unavailable).
  virtual std::vector<bool> on_status(const std::vector<StatusReport>& reports) = 0;
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

// The error of a connector that cannot manage numbers through its provider's API: code
// "not_supported", with a message saying where to configure it by hand.
Error numbers_not_supported(std::string_view provider, std::string_view what);
// The error of a provider call that failed: code "provider_error", with the provider's message.
Error provider_call_error(std::string_view provider, const std::string& what,
                          const std::string& detail);

// A number's type from its digits, for providers whose number lists carry none: NANP toll-free
// area codes (800, 833, 844, 855, 866, 877, 888) are toll_free, 3-8 digits short_code, anything
// else long_code.
std::string infer_number_type(const std::string& number);

class Connector {
 public:
  virtual ~Connector() = default;
  virtual const std::string& id() const = 0;
  virtual std::string_view provider() const = 0;
  // Hands one message to the provider. `idempotency_key` is stable across retries of the same
  // message, so a provider that honours it never creates a second message.
  virtual SendResult send(const Message& m, const std::string& idempotency_key) = 0;
  // Whether send() waits on the network. Non-blocking connectors are called inline by the
  // dispatcher instead of occupying a send thread.
  virtual bool blocking_send() const { return true; }
  // Asks the provider for a message's current status by its provider message id. Returns
  // nullopt when the provider has no such lookup (or the connector does not support it), and a
  // SendFailure-classified error when the lookup itself failed.
  virtual std::optional<std::variant<StatusQueryResult, SendFailure>> query_status(
      const Message& /*m*/) {
    return std::nullopt;
  }
  // Asks the provider whether it already accepted `m` (looked up by our message id, which the
  // connector sent as its reference), for a message whose previous attempt's outcome is unknown
  // (its claim expired: the process died mid-send). nullopt: this provider has no such lookup.
  // A SendFailure: the lookup itself failed (the dispatcher then waits rather than risk a second
  // message).
  virtual std::optional<std::variant<PreviousSend, SendFailure>> find_previous_send(
      const Message& /*m*/) {
    return std::nullopt;
  }
  // --- erasing the provider's copy of a message (DELETE /v1/messages) ---
  // Whether redact() does anything for this provider. Default: no (the gateway then erases
  // only its own copy and reports the provider's as "unsupported").
  virtual bool supports_redaction() const { return false; }
  // Erases the provider's copy of `m` (by m.provider_message_id): nullopt when done (or when
  // the provider no longer has it), else the classified failure (transient ones are retried).
  virtual std::optional<SendFailure> redact(const Message& /*m*/) {
    SendFailure f;
    f.kind = FailureKind::kPermanent;
    f.code = "unsupported";
    f.message = "this provider offers no message redaction";
    return f;
  }
  // A cheap authenticated call proving the credentials work (for /readyz and start-up checks).
  virtual std::optional<SendFailure> health_check() { return std::nullopt; }
  // Points `number`'s inbound-message and status webhooks at this gateway through the provider's
  // own API. Errors: not_supported (the provider has no such API, or this connector does not use
  // it), provider_error (the provider refused or could not be reached; its message kept).
  virtual Result<NumberWebhooks> configure_number_webhooks(const std::string& /*number*/,
                                                           const std::string& /*inbound_url*/,
                                                           const std::string& /*status_url*/) {
    return numbers_not_supported(provider(), "configure number webhooks");
  }
  // Every number the provider account owns, with capabilities and type where the API says so.
  // Errors as configure_number_webhooks.
  virtual Result<std::vector<OwnedNumber>> list_owned_numbers() {
    return numbers_not_supported(provider(), "list the account's numbers");
  }
  // Media re-hosting (docs/media.md): the headers that authorise fetching `url`, one of this
  // provider's inbound media URLs (e.g. Twilio's HTTP Basic), and only when `url` is on the
  // provider's own media host; {} otherwise (credentials never go to a host a webhook named).
  virtual Headers media_fetch_headers(const std::string& /*url*/) const { return {}; }
  // Starts background work (if any); reports go to `sink`.
  virtual void start(StatusSink& /*sink*/) {}
  virtual void stop() {}
};

}  // namespace sb::providers
