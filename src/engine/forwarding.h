// Inbound forwarding to the app: the signed request of one delivery attempt (built from the
// message as it is now), and the reply an app may put in its answer. The CallbackSender runs the
// attempts (one claim loop for status callbacks and forwards); docs/forwarding.md is the contract.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/contact.h"
#include "core/delivery.h"
#include "core/http_types.h"
#include "core/message.h"
#include "core/result.h"

namespace sb::engine {

class Gateway;

// How long a forward waits for the message's media to be re-hosted before it goes out anyway
// (items still pending then are forwarded with state "pending"): a stopped fetcher must not hold
// an app's messages forever.
constexpr TimeMs kMaxMediaWaitMs = 10 * 60 * 1000;

// The one place that decides whether an inbound message may be forwarded at `now`: not while
// any re-hosted media item is still pending (so the app gets the gateway's copy, fetched and
// sniffed, or the failure), unless the message is older than kMaxMediaWaitMs. The sender defers
// the delivery without counting an attempt while it says false.
bool ready_to_forward(const Message& m, TimeMs now);

// "t=<unix_s>,v1=<hex HMAC-SHA256(secret, "<unix_s>.<signed_part>")>": the Switchboard-Signature
// header. `signed_part` is the request body (POST) or the exact query string (GET).
std::string signature_header(std::string_view secret, int64_t unix_s,
                             std::string_view signed_part);

// A forward's JSON body: the message resource as GET /v1/messages/{id} shows it (without events)
// plus `contact` ({id, number, name}, or null when the contact was deleted).
nlohmann::json forward_payload(const Message& m, const std::optional<Contact>& contact);

// A GET forward's query string (no leading '?'): the payload's scalar fields flattened, media as
// media_url_<i> / media_content_type_<i> (docs/forwarding.md lists them).
std::string forward_query(const Message& m, const std::optional<Contact>& contact);

// The request of one attempt: `payload` (POST body or GET query string) signed at `unix_s`.
HttpRequest forward_request(const Delivery& d, const std::string& payload,
                            const std::string& secret, int64_t unix_s, int timeout_ms);

// What an app asked to send back: {"reply": {"body": "...", "media_urls": ["https://..."]}}, or
// a TwiML <Message> (which may also name the recipient, the sender and a status callback).
struct AppReply {
  std::string body;
  std::vector<std::string> media_urls;
  std::string to;               // "" : the inbound message's sender
  std::string from;             // "" : the number it was sent to
  std::string status_callback;  // "" : the sending number's default
  std::string callback_format;  // "" | "twilio"
};

// Bounds on what is read from an app's answer.
constexpr size_t kMaxReplyBytes = 64 * 1024;  // a larger 2xx body is not read for a reply
constexpr size_t kExcerptBytes = 512;          // kept per attempt in the delivery log

// Reads a 2xx answer: nullopt when it asks for no reply (empty, not JSON, or no "reply" key);
// an error (code invalid_reply, naming the field) when "reply" is there but malformed. The
// content itself (length, media URLs, opt-outs) is checked by the send path.
Result<std::optional<AppReply>> parse_app_reply(std::string_view body);

// At most `max` bytes of `body`, cut on a UTF-8 character boundary.
std::string excerpt(std::string_view body, size_t max = kExcerptBytes);

// Sends `reply` from our number (in.to) to the sender (in.from), unless it names others, through
// the gateway (the same validation, opt-out check and outbox as any send, so it threads into the
// conversation), with an idempotency key derived from `delivery_id` and the reply's `index` in
// the answer: a retried delivery never sends twice. Waits for the commit up to `timeout`.
// Returns the reply's message id.
Result<std::string> send_app_reply(Gateway& gw, const Message& in, const AppReply& reply,
                                   const std::string& delivery_id, size_t index,
                                   std::chrono::milliseconds timeout);

}  // namespace sb::engine
