// VoiceMeUp SMS/MMS webhooks: authentication (per-connector secret path segment plus an optional
// source allow-list; VoiceMeUp signs nothing) and reading, as pure functions.
#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "providers/webhook.h"

namespace sb::providers::voicemeup {

// req.path_secret must equal secrets.path_secret (constant time; an empty configured secret
// rejects everything), and when secrets.allow_ips is non-empty req.remote_addr must be one of them.
Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now);

// JSON (or form-encoded) {sms_hash, direction, source_number, destination_number, message,
// attachment|attachment_url, attachment_mime_type|attachment_type, attachment_size,
// datetime_transmission, ...}. direction "inbound" -> kInbound (dedupe key: sms_hash); any other
// direction -> kIgnored. Bare NANP numbers get their '+1'. Split MMS: a part whose attachment is
// the ".mms.html" wrapper is the text part (part.text_part, wrapper dropped from media); a part
// with media and no text is the media part; both keyed source:destination:datetime_transmission.
Result<WebhookEvent> parse_webhook(const WebhookRequest& req, TimeMs now);

}  // namespace sb::providers::voicemeup
