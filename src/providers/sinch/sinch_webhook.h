// Sinch SMS REST ("xms") callbacks: authentication (HMAC signing or Basic) and reading of inbound
// (MO) messages and delivery reports, as pure functions.
#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "providers/webhook.h"

namespace sb::providers::sinch {

// With secrets.hmac_secret: x-sinch-webhook-signature = base64(HMAC-SHA256(secret,
// body + "." + nonce + "." + timestamp)), timestamp within tolerance_s. Else with Basic
// credentials: the Authorization header must carry them. Else: not configured.
Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now);

// mo_text / mo_binary / mo_media -> inbound (dedupe key: the MO id);
// recipient_delivery_report_sms|mms -> one report (key batch_id:recipient:status:code);
// delivery_report_sms|mms -> one report per recipient of each statuses[] entry (one with an empty
// recipient when the entry lists none). Numbers without '+' get one when they are 8-15 digits.
Result<WebhookEvent> parse_webhook(const WebhookRequest& req, TimeMs now);

}  // namespace sb::providers::sinch
