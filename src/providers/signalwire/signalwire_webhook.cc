// SignalWire webhook signatures and reading (see signalwire_webhook.h).
#include "providers/signalwire/signalwire_webhook.h"

#include "core/crypto.h"
#include "core/utf8.h"
#include "providers/signalwire/signalwire_rest.h"
#include "providers/twilio/twilio_webhook.h"
#include "providers/webhook_util.h"

namespace sb::providers::signalwire {

namespace wu = webhook_util;
using json = wu::json;

bool is_json_webhook(const WebhookRequest& req) {
  return wu::is_json_body(req.header("Content-Type"), req.body);
}

Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req,
                            TimeMs /*now*/) {
  if (secrets.signing_key.empty()) {
    return wu::unverified("not configured: signing_key (the SignalWire Signing Key)");
  }
  std::string signature = req.header("X-SignalWire-Signature");
  if (signature.empty()) signature = req.header("X-Twilio-Signature");
  if (signature.empty()) return wu::unverified("missing header X-SignalWire-Signature");
  if (!is_json_webhook(req) || wu::query_param(req.url, "bodySHA256")) {
    return twilio::check_signature(secrets.signing_key, req, signature, /*accept_unsorted=*/true);
  }
  const std::string given = wu::to_lower(signature);
  bool ok = false;
  for (const auto& u : wu::url_port_variants(req.url)) {
    const std::string mac = crypto::hmac_sha1(secrets.signing_key, u + req.body);
    ok |= crypto::constant_time_equal(crypto::hex(mac), given);
    ok |= crypto::constant_time_equal(crypto::base64(mac), signature);
  }
  if (!ok) return wu::unverified("bad signature");
  return Ok();
}

Result<WebhookEvent> parse_webhook(const WebhookRequest& req, TimeMs now) {
  if (!is_json_webhook(req)) return twilio::parse_form_webhook(req, now);
  auto j = wu::parse_object(req.body);
  if (!j) return wu::invalid("body", "not a JSON object");
  // Some deliveries wrap the message in {"data": {...}}; read whichever carries the fields.
  const json* msg = &*j;
  if (!wu::scalar(*msg, "id")) {
    if (const json* data = wu::object_member(*j, "data")) msg = data;
  }
  auto id = wu::scalar(*msg, "id");
  if (!id || id->empty()) return wu::invalid("id", "missing id");
  auto status = wu::scalar(*msg, "status");
  if (!status || status->empty()) return wu::invalid("status", "missing status");

  WebhookEvent ev;
  ev.event_type = *status;
  ev.dedupe_key = *id + ":" + *status;
  if (*status == "received") {
    // The REST API's status callbacks are about messages we sent; inbound messages reach us as
    // LaML webhooks. Never read this as an inbound message.
    ev.kind = WebhookEvent::Kind::kIgnored;
    return ev;
  }
  ev.kind = WebhookEvent::Kind::kStatus;
  StatusReport r;
  r.provider_message_id = *id;
  r.status = map_status(*status);
  r.provider_status = *status;
  r.recipient = wu::scalar(*msg, "to").value_or("");
  r.error_code = wu::scalar(*msg, "error_code").value_or("");
  r.error_message = wu::scalar(*msg, "error_message").value_or("");
  r.at = wu::parse_time(*msg, "timestamp").value_or(now);
  ev.statuses.push_back(std::move(r));
  return ev;
}

}  // namespace sb::providers::signalwire
