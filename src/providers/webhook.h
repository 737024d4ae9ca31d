// Provider webhooks in, as pure functions: verify that a request really comes from the provider,
// then read it as a normalized event (an inbound message or status updates). No I/O, no database:
// the http module hands requests in, the engine stores what comes out through the WebhookSpec of
// the connector's provider (providers/spec.h). Embedders call verify_webhook / parse_webhook by
// provider name (providers/registry.h) with (provider, headers, raw body, URL).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/http_types.h"
#include "core/result.h"
#include "core/status_report.h"

namespace sb::providers {

// One webhook request as the provider sent it.
struct WebhookRequest {
  std::string method = "POST";
  // The full public URL the provider called, scheme to query string (e.g.
  // "https://sms.example.com/webhooks/twilio-main?foo=1"). Signatures cover it.
  std::string url;
  Headers headers;         // as received; lookups are case-insensitive
  std::string body;        // raw bytes, exactly as received
  std::string remote_addr; // the peer's IP address ("" when unknown)
  // The path segment after /webhooks/<connector>/ ("" when none, "status" for the status alias):
  // VoiceMeUp's per-connector secret travels here.
  std::string path_secret;

  // Case-insensitive header lookup; "" when absent.
  std::string header(std::string_view name) const;
};

// What proves a webhook genuine, per connector (from its [[connectors]] table).
struct WebhookSecrets {
  std::string provider;  // the provider's name (the registry looks its spec up by it)
  // Twilio: the Auth Token. SignalWire: the Signing Key (older projects: the API token).
  std::string signing_key;
  // Telnyx: the account's Ed25519 public key, base64 (32 bytes).
  std::string public_key;
  int64_t tolerance_s = 300;      // Telnyx/Sinch: max |now - timestamp|
  std::string hmac_secret;        // Sinch: callback HMAC secret
  std::string basic_username;     // Sinch: Basic auth credentials configured for callbacks
  std::string basic_password;
  std::string path_secret;        // VoiceMeUp: the secret path segment
  std::vector<std::string> allow_ips;  // VoiceMeUp: optional source allow-list (exact IPs)
  bool verification_disabled = false;  // explicit `verify_webhooks = false`
};

struct InboundMedia {
  std::string url;
  std::string content_type;        // "" when the provider does not say
  std::optional<int64_t> size;     // bytes, when the provider says
};

// A message a provider received for one of our numbers.
struct InboundMessage {
  std::string provider_message_id;
  std::string from;                // as the provider gave it (normalized by the engine)
  std::string to;
  std::string body;
  std::vector<InboundMedia> media;
  TimeMs received_at = 0;          // the provider's time, or `now` when it gives none
  int segments = 0;                // the provider's count; 0 when it gives none
};

// A piece of an inbound message that arrives in several: VoiceMeUp's text+image MMS (two
// webhooks joined by `key` "source:destination:datetime_transmission", text_part on the first),
// or a concatenated SMS (SMPP UDH or SAR: `key` "source:destination:reference", `seq` of
// `total`). Pieces are buffered durably until their group is complete or times out.
struct MessagePart {
  std::string key;
  bool text_part = false;  // split MMS: the text part
  int seq = 0;             // concatenated SMS: this part, 1-based; 0 for a split MMS
  int total = 0;           // concatenated SMS: the parts in the message; 0 for a split MMS
};

struct WebhookEvent {
  enum class Kind { kInbound, kStatus, kIgnored };
  Kind kind = Kind::kIgnored;
  // Stable across the provider's retries of this same event, distinct between events: dedupe
  // by (connector, dedupe_key).
  std::string dedupe_key;
  std::string event_type;          // the provider's own name for it, for logs and audit
  InboundMessage inbound;          // kInbound
  std::optional<MessagePart> part;  // kInbound, one piece of a message that arrives in several
  // kStatus: one report per recipient; StatusReport::connector is left empty (the caller knows).
  std::vector<StatusReport> statuses;
};

// What to answer the provider once the event is stored.
struct WebhookReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body = "{}";
};

// One provider's webhook functions, as its spec lists them (providers/spec.h).
struct WebhookSpec {
  // Checks the request's signature / credentials with constant-time comparisons. Errors: code
  // "webhook_unverified" with a message saying what failed (missing header, bad signature, stale
  // timestamp, not configured, address not allowed).
  Result<void> (*verify)(const WebhookSecrets& secrets, const WebhookRequest& req,
                         TimeMs now) = nullptr;
  // Reads the request as a normalized event. Errors: code "invalid_webhook", field naming the
  // missing/bad parameter. Never mistakes a status callback for an inbound message.
  Result<WebhookEvent> (*parse)(const WebhookRequest& req, TimeMs now) = nullptr;
  // The 2xx the provider expects; nullptr: 200 with "{}" as JSON.
  WebhookReply (*reply)(const WebhookRequest& req) = nullptr;
};

// `spec.verify`, answered 403 by the caller when it fails. When secrets.verification_disabled,
// succeeds without looking; an exception inside becomes "webhook_unverified".
Result<void> verify_webhook(const WebhookSpec& spec, const WebhookSecrets& secrets,
                            const WebhookRequest& req, TimeMs now);
// `spec.parse`, answered 400 by the caller when it fails; an exception inside becomes
// "invalid_webhook".
Result<WebhookEvent> parse_webhook(const WebhookSpec& spec, const WebhookRequest& req, TimeMs now);
// `spec.reply`, or the default 200 "{}".
WebhookReply webhook_reply(const WebhookSpec& spec, const WebhookRequest& req);

}  // namespace sb::providers
