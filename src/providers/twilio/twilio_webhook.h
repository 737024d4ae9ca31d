// LaML webhooks (Twilio, and SignalWire's LaML/Compatibility API): signature checks, reading of
// form-encoded inbound-message and status-callback requests, and the TwiML reply, as pure
// functions both providers' specs use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "providers/transport/http_util.h"
#include "providers/webhook.h"

namespace sb::providers::twilio {

// Checks `signature` against `req` keyed with `key`:
//  - URL with `bodySHA256=<hex>` in its query: the signature covers the URL alone and the hash
//    must equal hex(sha256(body));
//  - otherwise the form body's parameters are signed after the URL.
// Every URL spelling of url_port_variants is tried; with `accept_unsorted` also the
// TwilioParamOrder::kAsReceived layout. Constant-time compares. Errors say what failed.
Result<void> check_signature(std::string_view key, const WebhookRequest& req,
                             std::string_view signature, bool accept_unsorted);

// Twilio: X-Twilio-Signature keyed with the Auth Token (secrets.signing_key).
Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now);

// Reads a form-encoded Twilio/LaML messaging webhook. A request carrying MessageStatus (or SmsStatus
// without MessageStatus) other than received/receiving is a status callback: one StatusReport
// about To. Only received/receiving -- or no status word at all with a Body -- is an inbound
// message. Dedupe keys: "<MessageSid>:<status>" and "<MessageSid>:received".
Result<WebhookEvent> parse_form_webhook(const WebhookRequest& req, TimeMs now);

// Twilio's messaging webhooks: form-encoded only (a JSON body is "invalid_webhook"), read by
// parse_form_webhook.
Result<WebhookEvent> parse_twilio_webhook(const WebhookRequest& req, TimeMs now);

// The empty TwiML answer: <?xml version="1.0" encoding="UTF-8"?><Response/>, text/xml.
WebhookReply empty_twiml_reply();
// What a LaML provider (Twilio, SignalWire) expects: the empty TwiML answer to a form webhook,
// the default JSON 200 to a JSON one (SignalWire's REST status callbacks).
WebhookReply laml_reply(const WebhookRequest& req);

}  // namespace sb::providers::twilio
