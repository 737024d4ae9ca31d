// Telnyx API v2 messaging webhooks: Ed25519 signature check and event reading, as pure functions.
#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "providers/webhook.h"

namespace sb::providers::telnyx {

// Ed25519 over "<telnyx-timestamp>|<raw body>" with the account public key (base64, 32 bytes);
// signature in telnyx-signature-ed25519 (base64, 64 bytes); |now - timestamp| <= tolerance_s.
Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now);

// {"data": {"id", "event_type", "occurred_at", "payload": {...}}}:
//  - message.received: the inbound message (payload.from/to/text/media/parts/received_at);
//  - message.sent / message.finalized: one StatusReport per payload.to[] recipient;
//  - anything else: kIgnored.
// Dedupe key: data.id (the event's id, kept across Telnyx's retries).
Result<WebhookEvent> parse_webhook(const WebhookRequest& req, TimeMs now);

}  // namespace sb::providers::telnyx
