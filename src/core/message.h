// The message domain types shared by every module.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/segments.h"
#include "core/status.h"

namespace sb {

using Metadata = std::map<std::string, std::string>;

// What a provider told us about one media item of an inbound message.
struct MediaItem {
  std::string url;
  std::string content_type;     // "" when unknown
  std::optional<int64_t> size;  // bytes, when known
  // Media re-hosting (docs/media.md): when the gateway keeps its own copy, `url` is the
  // gateway's (<public_url>/v1/media/{id}) and the provider's is kept in source_url, which is
  // never rendered into a message's JSON. state/error are read from the media table.
  std::string id;          // med_<ULID>; "" when not re-hosted
  std::string source_url;  // the provider's URL
  std::string state;       // pending | ready | failed ("" when not re-hosted)
  std::string error;       // failed: why
};

struct Message {
  std::string id;
  std::string account;
  Direction direction = Direction::kOutbound;
  std::string from;
  std::string to;
  std::string body;
  std::vector<std::string> media_urls;
  std::vector<MediaItem> media;  // inbound: details per media URL (same order as media_urls)
  Status status = Status::kAccepted;
  int segments = 0;
  Encoding encoding = Encoding::kGsm7;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  std::string error_code;
  std::string error_message;
  Metadata metadata;
  std::string connector;
  std::string provider_message_id;
  std::string status_callback;
  // "" (Switchboard's JSON) | "twilio" (sent through the Twilio-compatible API or by a TwiML
  // answer: its status callbacks are Twilio's form parameters, signed as Twilio signs).
  std::string callback_format;
  std::optional<int64_t> validity_period_s;
  std::string conversation_id;  // the thread (our number, the other party); set when stored
  // The sender pool (pool_<ULID>) that chose `from` (docs/pools.md); "" when `from` was named.
  std::string pool;
  // Not stored: the pool keeps each recipient's sender, so storing the message records `from` as
  // the recipient's sender in the pool.
  bool pool_sticky = false;
  // The batch (batch_<ULID>) whose row this message is (docs/batches.md); "" otherwise.
  std::string batch;
  // Outbox bookkeeping.
  int attempts = 0;
  TimeMs next_attempt_at = 0;
  std::string idempotency_key;
  std::string request_hash;  // hex SHA-256 of the canonical request, for idempotency checks
  // Not stored: set by the dispatcher's claim when the previous claim's lease expired, i.e. an
  // earlier attempt may have reached the provider without its outcome being recorded.
  bool lease_expired = false;
  // Not stored: false when the sending number's conversations setting is "inbound" (a number that
  // only notifies): the message then joins its conversation only if one already exists, and
  // creates no contact or conversation of its own (docs/numbers.md).
  bool start_conversation = true;
  // Scheduling and quiet hours (docs/scheduling.md).
  // Provider options (passed to providers that support them; docs/providers.md):
  std::string max_price;                // highest price per segment the sender accepts, e.g. "0.05"
  std::optional<bool> smart_encoding;   // replace Unicode look-alikes with GSM-7 characters
  std::optional<TimeMs> send_at;         // scheduled: not sent before this instant
  std::string category = "transactional";  // transactional | marketing (quiet hours hold marketing)
  std::optional<TimeMs> deferred_until;  // quiet hours held the message until this instant
  // Redaction (DELETE /v1/messages/{id}): set once the body and media were erased
  // here; `provider` tells whether the provider's copy was erased too (docs/api.md).
  struct Redaction {
    TimeMs at = 0;
    std::string provider;  // none | pending | done | unsupported | failed
    std::string error;     // why `failed` (or the last retried error while `pending`)
  };
  std::optional<Redaction> redaction;
};

// One row of a message's history: a status transition (applied or not) or another fact.
struct MessageEvent {
  int64_t id = 0;
  std::string message_id;
  std::string account;  // the message's (stored for the live event stream; not rendered)
  std::string type = "status";  // "status" for transitions; other types name other facts
  Status status = Status::kAccepted;
  TimeMs at = 0;
  bool applied = true;  // false when the state machine refused the transition (late/out of order)
  std::string provider_status;
  std::string error_code;
  std::string error_message;
  std::string detail;
  std::string raw_payload;  // the provider webhook this event came from, verbatim (audit)
  int64_t webhook_event_id = 0;  // that webhook's stored record (0: none)
};

// Which messages a listing returns (GET /v1/messages, a conversation's messages).
struct MessageFilter {
  std::string account;
  std::optional<std::string> to, from;
  std::optional<Direction> direction;
  std::optional<Status> status;
  std::optional<TimeMs> since, until;    // created_at, inclusive since / exclusive until
  std::optional<std::string> before_id;  // cursor: only ids strictly older than this
  std::optional<std::string> after_id;   // cursor: only ids strictly newer than this
  std::optional<std::string> conversation_id;
  bool oldest_first = false;  // default: newest first
  int limit = 50;
  // messages whose side of ours is this number (from_addr of outbound,
  // to_addr of inbound); index messages_our_number.
  std::optional<std::string> number;
};

// What a redaction request (DELETE /v1/messages/{id}) found.
enum class RedactOutcome {
  kRedacted,         // erased now (an event `redacted` was recorded)
  kAlreadyRedacted,  // erased earlier: nothing changed
  kNotFound,         // no such message in the account
  kInFlight,         // `sending`: a provider request is under way; ask again in a moment
};

// A conversation's one-line summary of its latest message: the first 100 characters of the body
// (whole code points), or "[media]" for a media-only message.
std::string message_preview(const Message& m);

}  // namespace sb
