// Twilio-shaped webhook signatures and form-encoded webhook reading (see twilio_webhook.h).
#include "providers/twilio/twilio_webhook.h"

#include <algorithm>
#include <map>

#include "core/crypto.h"
#include "core/twilio_signature.h"
#include "core/utf8.h"
#include "providers/twilio/twilio_wire.h"
#include "providers/webhook_util.h"

namespace sb::providers::twilio {

namespace wu = webhook_util;

Result<void> check_signature(std::string_view key, const WebhookRequest& req,
                             std::string_view signature, bool accept_unsorted) {
  const std::vector<std::string> urls = wu::url_port_variants(req.url);
  if (auto body_hash = wu::query_param(req.url, "bodySHA256")) {
    const std::string actual = crypto::hex(crypto::sha256(req.body));
    bool url_ok = false;
    for (const auto& u : urls) {
      url_ok |= crypto::constant_time_equal(twilio_signature(key, u, {}), signature);
    }
    if (!url_ok) return wu::unverified("bad signature");
    if (!crypto::constant_time_equal(wu::to_lower(*body_hash), actual)) {
      return wu::unverified("body does not match bodySHA256");
    }
    return Ok();
  }
  const FormFields params = form_decode(req.body);
  // The parameters' part of the signed string is the same for every URL spelling: built once.
  const std::string sorted = twilio_signed_params(params);
  const std::string as_received =
      accept_unsorted ? twilio_signed_params(params, TwilioParamOrder::kAsReceived) : "";
  bool ok = false;
  for (const auto& u : urls) {
    ok |= crypto::constant_time_equal(twilio_signature_of(key, u, sorted), signature);
    // The same string when no name repeats: no second HMAC for it.
    if (accept_unsorted && as_received != sorted) {
      ok |= crypto::constant_time_equal(twilio_signature_of(key, u, as_received), signature);
    }
  }
  if (!ok) return wu::unverified("bad signature");
  return Ok();
}

Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req,
                            TimeMs /*now*/) {
  if (secrets.signing_key.empty()) {
    return wu::unverified("not configured: signing_key (the Twilio Auth Token)");
  }
  const std::string signature = req.header("X-Twilio-Signature");
  if (signature.empty()) return wu::unverified("missing header X-Twilio-Signature");
  return check_signature(secrets.signing_key, req, signature, /*accept_unsorted=*/false);
}

namespace {

class Params {
 public:
  explicit Params(FormFields f) : fields_(std::move(f)) {}
  // The first value of `name`, nullopt when absent.
  std::optional<std::string> get(std::string_view name) const {
    for (const auto& [k, v] : fields_) {
      if (k == name) return v;
    }
    return std::nullopt;
  }
  std::string value(std::string_view name) const { return get(name).value_or(""); }

 private:
  FormFields fields_;
};

Result<std::string> required(const Params& p, std::string_view name) {
  auto v = p.get(name);
  if (!v || v->empty()) {
    return wu::invalid(std::string(name), "missing " + std::string(name));
  }
  if (!utf8::is_valid(*v)) return wu::invalid(std::string(name), "not UTF-8");
  return *v;
}

Result<int> count(const Params& p, std::string_view name, int max) {
  auto v = p.get(name);
  if (!v || v->empty()) return 0;
  auto n = wu::parse_uint(*v);
  if (!n || *n > max) return wu::invalid(std::string(name), "not a count: " + *v);
  return static_cast<int>(*n);
}

}  // namespace

Result<WebhookEvent> parse_form_webhook(const WebhookRequest& req, TimeMs now) {
  const Params p(form_decode(req.body));
  std::string sid = p.value("MessageSid");
  if (sid.empty()) sid = p.value("SmsSid");
  if (sid.empty()) sid = p.value("SmsMessageSid");
  if (sid.empty()) return wu::invalid("MessageSid", "missing MessageSid");
  if (!utf8::is_valid(sid)) return wu::invalid("MessageSid", "not UTF-8");

  // Status callbacks always carry MessageStatus (SmsStatus mirrors it on older callbacks); an
  // inbound message carries SmsStatus=received (MessageStatus, when present, says the same).
  std::string status = p.value("MessageStatus");
  if (status.empty()) status = p.value("SmsStatus");
  if (!utf8::is_valid(status)) return wu::invalid("MessageStatus", "not UTF-8");
  const bool inbound = status == "received" || status == "receiving" ||
                       (status.empty() && p.get("Body").has_value());
  if (status.empty() && !inbound) {
    return wu::invalid("MessageStatus", "neither a status callback nor an inbound message");
  }

  WebhookEvent ev;
  if (!inbound) {
    ev.kind = WebhookEvent::Kind::kStatus;
    ev.event_type = status;
    ev.dedupe_key = sid + ":" + status;
    StatusReport r;
    r.provider_message_id = sid;
    r.status = map_status(status);
    r.provider_status = status;
    r.at = now;  // Twilio's callbacks carry no event time
    r.recipient = p.value("To");
    r.error_code = p.value("ErrorCode");
    r.error_message = p.value("ErrorMessage");
    if (!utf8::is_valid(r.recipient) || !utf8::is_valid(r.error_code) ||
        !utf8::is_valid(r.error_message)) {
      return wu::invalid("ErrorMessage", "not UTF-8");
    }
    ev.statuses.push_back(std::move(r));
    return ev;
  }

  ev.kind = WebhookEvent::Kind::kInbound;
  ev.event_type = status.empty() ? "received" : status;
  ev.dedupe_key = sid + ":received";
  InboundMessage& m = ev.inbound;
  m.provider_message_id = sid;
  auto from = required(p, "From");
  if (!from) return from.error();
  auto to = required(p, "To");
  if (!to) return to.error();
  m.from = *from;
  m.to = *to;
  m.body = p.value("Body");
  if (!utf8::is_valid(m.body)) return wu::invalid("Body", "not UTF-8");
  auto num_media = count(p, "NumMedia", 100);
  if (!num_media) return num_media.error();
  auto segments = count(p, "NumSegments", 1000);
  if (!segments) return segments.error();
  m.segments = *segments;
  for (int i = 0; i < *num_media; ++i) {
    const std::string idx = std::to_string(i);
    auto url = required(p, "MediaUrl" + idx);
    if (!url) return url.error();
    InboundMedia media;
    media.url = *url;
    media.content_type = p.value("MediaContentType" + idx);
    if (!utf8::is_valid(media.content_type)) {
      return wu::invalid("MediaContentType" + idx, "not UTF-8");
    }
    m.media.push_back(std::move(media));
  }
  m.received_at = now;  // Twilio's inbound webhook carries no time
  return ev;
}

WebhookReply empty_twiml_reply() {
  WebhookReply r;
  r.status = 200;
  r.content_type = "text/xml";
  r.body = R"(<?xml version="1.0" encoding="UTF-8"?><Response/>)";
  return r;
}

Result<WebhookEvent> parse_twilio_webhook(const WebhookRequest& req, TimeMs now) {
  if (wu::is_json_body(req.header("Content-Type"), req.body)) {
    return wu::invalid("body", "Twilio messaging webhooks are form-encoded");
  }
  return parse_form_webhook(req, now);
}

WebhookReply laml_reply(const WebhookRequest& req) {
  if (wu::is_json_body(req.header("Content-Type"), req.body)) return WebhookReply{};
  return empty_twiml_reply();
}

}  // namespace sb::providers::twilio
