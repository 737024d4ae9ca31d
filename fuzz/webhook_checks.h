// The properties every provider's webhook reader must have, whatever the request:
//  - a forged request is refused: the targets configure secrets that no input carries, and no
//    input can carry an HMAC or Ed25519 signature made with them;
//  - reading never throws (registry::parse_webhook would turn a throw into a 400, but a throw is
//    a reader bug), and what it reads is usable as is: an inbound message or status report has
//    a dedupe key, and every text it carries is valid UTF-8 (the engine stores it and writes it
//    into JSON);
//  - an inbound message carries no status reports and a status event at least one.
#pragma once

#include "fuzz_support.h"
#include "providers/webhook.h"

namespace sb::fuzz {

constexpr TimeMs kFuzzNow = 1'700'000'000'000;

inline void check_event(const providers::WebhookEvent& ev) {
  using Kind = providers::WebhookEvent::Kind;
  FUZZ_CHECK(valid_utf8(ev.dedupe_key));
  FUZZ_CHECK(valid_utf8(ev.event_type));
  if (ev.kind == Kind::kIgnored) return;
  FUZZ_CHECK(!ev.dedupe_key.empty());
  if (ev.kind == Kind::kInbound) {
    const auto& m = ev.inbound;
    FUZZ_CHECK(ev.statuses.empty());
    FUZZ_CHECK(valid_utf8(m.provider_message_id));
    FUZZ_CHECK(valid_utf8(m.from));
    FUZZ_CHECK(valid_utf8(m.to));
    FUZZ_CHECK(valid_utf8(m.body));
    FUZZ_CHECK(m.segments >= 0);
    for (const auto& media : m.media) {
      FUZZ_CHECK(valid_utf8(media.url));
      FUZZ_CHECK(valid_utf8(media.content_type));
      FUZZ_CHECK(!media.size || *media.size >= 0);
    }
    if (ev.part) FUZZ_CHECK(valid_utf8(ev.part->key));
    return;
  }
  FUZZ_CHECK(ev.kind == Kind::kStatus);
  FUZZ_CHECK(!ev.statuses.empty());
  for (const auto& s : ev.statuses) {
    FUZZ_CHECK(valid_utf8(s.provider_message_id));
    FUZZ_CHECK(valid_utf8(s.provider_status));
    FUZZ_CHECK(valid_utf8(s.error_code));
    FUZZ_CHECK(valid_utf8(s.error_message));
    FUZZ_CHECK(valid_utf8(s.recipient));
  }
}

// One input as a webhook request (fuzz_support.h's layout) to connector "<provider>-main".
inline providers::WebhookRequest webhook_input(const uint8_t* data, size_t size,
                                               std::string_view provider,
                                               std::string_view default_type) {
  const RawRequest raw =
      split_request(as_text(data, size),
                    "https://gw.example.com/webhooks/" + std::string(provider) + "-main",
                    default_type);
  providers::WebhookRequest req;
  req.url = raw.url;
  req.headers = raw.headers;
  req.body = raw.body;
  req.path_secret = raw.path_secret;
  req.remote_addr = raw.remote_addr;
  return req;
}

}  // namespace sb::fuzz
