// SignalWire webhooks: LaML (Twilio-shaped, form-encoded) and the REST messaging API's JSON status
// callbacks, as pure functions.
#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "providers/webhook.h"

namespace sb::providers::signalwire {

// X-SignalWire-Signature (or X-Twilio-Signature) keyed with the Signing Key:
//  - form (LaML) webhooks: Twilio's algorithm; repeated values accepted sorted or as received;
//  - JSON webhooks: hex(HMAC-SHA1(key, URL + raw body)) (base64 of the same accepted too), or
//    Twilio's bodySHA256 scheme when the URL carries bodySHA256.
Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now);

// Form bodies are read as Twilio's (twilio::parse_form_webhook). JSON bodies are REST messaging
// status callbacks {id, status, to, from, error_code, error_message, number_of_segments,
// timestamp}: one StatusReport, dedupe key "<id>:<status>".
Result<WebhookEvent> parse_webhook(const WebhookRequest& req, TimeMs now);

bool is_json_webhook(const WebhookRequest& req);

}  // namespace sb::providers::signalwire
