// Telnyx webhook signature and reading (see telnyx_webhook.h).
#include "providers/telnyx/telnyx_webhook.h"

#include <cstdlib>

#include "core/crypto.h"
#include "providers/telnyx/telnyx_connector.h"
#include "providers/webhook_util.h"

namespace sb::providers::telnyx {

namespace wu = webhook_util;
using json = wu::json;

Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now) {
  if (secrets.public_key.empty()) return wu::unverified("not configured: public_key");
  const auto key = crypto::base64_decode(secrets.public_key);
  if (!key || key->size() != 32) {
    return wu::unverified("not configured: public_key is not a base64 Ed25519 public key");
  }
  const std::string sig_b64 = req.header("telnyx-signature-ed25519");
  if (sig_b64.empty()) return wu::unverified("missing header telnyx-signature-ed25519");
  const std::string ts = req.header("telnyx-timestamp");
  if (ts.empty()) return wu::unverified("missing header telnyx-timestamp");
  const auto seconds = wu::parse_uint(ts);
  if (!seconds) return wu::unverified("bad telnyx-timestamp");
  const int64_t skew = std::llabs(now / 1000 - *seconds);
  if (skew > secrets.tolerance_s) {
    return wu::unverified("stale timestamp (" + std::to_string(skew) + " s from now)");
  }
  const auto sig = crypto::base64_decode(sig_b64);
  if (!sig || sig->size() != 64) return wu::unverified("bad signature");
  if (!crypto::ed25519_verify(*key, ts + "|" + req.body, *sig)) {
    return wu::unverified("bad signature");
  }
  return Ok();
}

namespace {

bool failure(Status s) {
  return s == Status::kFailed || s == Status::kUndelivered || s == Status::kExpired;
}

Result<std::string> phone_of(const json& party, const std::string& field) {
  auto number = wu::scalar(party, "phone_number");
  if (!number || number->empty()) return wu::invalid(field + ".phone_number", "missing number");
  return *number;
}

Result<WebhookEvent> read_inbound(WebhookEvent ev, const json& payload, const json& data,
                                  TimeMs now) {
  ev.kind = WebhookEvent::Kind::kInbound;
  InboundMessage& m = ev.inbound;
  auto id = wu::scalar(payload, "id");
  if (!id || id->empty()) return wu::invalid("data.payload.id", "missing message id");
  m.provider_message_id = *id;
  const json* from = wu::object_member(payload, "from");
  if (from == nullptr) return wu::invalid("data.payload.from", "missing from");
  auto from_number = phone_of(*from, "data.payload.from");
  if (!from_number) return from_number.error();
  m.from = *from_number;
  const json* to = wu::array_member(payload, "to");
  if (to == nullptr || to->empty() || !(*to)[0].is_object()) {
    return wu::invalid("data.payload.to", "missing to");
  }
  auto to_number = phone_of((*to)[0], "data.payload.to[0]");
  if (!to_number) return to_number.error();
  m.to = *to_number;
  if (const auto it = payload.find("text"); it != payload.end() && !it->is_null()) {
    if (!it->is_string()) return wu::invalid("data.payload.text", "not a string");
    m.body = it->get<std::string>();
  }
  if (const auto it = payload.find("media"); it != payload.end() && !it->is_null()) {
    if (!it->is_array()) return wu::invalid("data.payload.media", "not an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      const std::string field = "data.payload.media[" + std::to_string(i) + "]";
      auto url = wu::scalar(item, "url");
      if (!url || url->empty()) return wu::invalid(field + ".url", "missing url");
      InboundMedia media;
      media.url = *url;
      media.content_type = wu::scalar(item, "content_type").value_or("");
      media.size = wu::count(item, "size");
      m.media.push_back(std::move(media));
    }
  }
  // An SMS of more than a few hundred parts does not exist; a larger count is not one.
  const int64_t parts = wu::count(payload, "parts").value_or(0);
  m.segments = parts <= 1000 ? static_cast<int>(parts) : 0;
  m.received_at = wu::parse_time(payload, "received_at")
                      .value_or(wu::parse_time(data, "occurred_at").value_or(now));
  return ev;
}

Result<WebhookEvent> read_status(WebhookEvent ev, const json& payload, const json& data,
                                 TimeMs now) {
  ev.kind = WebhookEvent::Kind::kStatus;
  auto id = wu::scalar(payload, "id");
  if (!id || id->empty()) return wu::invalid("data.payload.id", "missing message id");
  const json* to = wu::array_member(payload, "to");
  if (to == nullptr || to->empty()) return wu::invalid("data.payload.to", "no recipients");
  std::string error_code, error_message;
  if (const json* errors = wu::array_member(payload, "errors");
      errors != nullptr && !errors->empty()) {
    const json& e = (*errors)[0];
    error_code = wu::scalar(e, "code").value_or("");
    const std::string title = wu::scalar(e, "title").value_or("");
    const std::string detail = wu::scalar(e, "detail").value_or("");
    error_message = title;
    if (!detail.empty() && detail != title) {
      error_message += (error_message.empty() ? "" : ": ") + detail;
    }
  }
  const TimeMs at = wu::parse_time(data, "occurred_at").value_or(now);
  for (size_t i = 0; i < to->size(); ++i) {
    const json& recipient = (*to)[i];
    const std::string field = "data.payload.to[" + std::to_string(i) + "]";
    if (!recipient.is_object()) return wu::invalid(field, "not an object");
    auto status = wu::scalar(recipient, "status");
    if (!status || status->empty()) return wu::invalid(field + ".status", "missing status");
    StatusReport r;
    r.provider_message_id = *id;
    r.provider_status = *status;
    r.status = map_status(*status);
    r.recipient = wu::scalar(recipient, "phone_number").value_or("");
    r.at = at;
    if (failure(r.status)) {
      r.error_code = error_code;
      r.error_message = error_message;
    }
    ev.statuses.push_back(std::move(r));
  }
  return ev;
}

}  // namespace

Result<WebhookEvent> parse_webhook(const WebhookRequest& req, TimeMs now) {
  auto j = wu::parse_object(req.body);
  if (!j) return wu::invalid("body", "not a JSON object");
  const json* data = wu::object_member(*j, "data");
  if (data == nullptr) return wu::invalid("data", "missing data");
  auto event_type = wu::scalar(*data, "event_type");
  if (!event_type || event_type->empty()) return wu::invalid("data.event_type", "missing");
  auto event_id = wu::scalar(*data, "id");
  if (!event_id || event_id->empty()) return wu::invalid("data.id", "missing event id");

  WebhookEvent ev;
  ev.event_type = *event_type;
  ev.dedupe_key = *event_id;
  const bool inbound = *event_type == "message.received";
  const bool status = *event_type == "message.sent" || *event_type == "message.finalized";
  if (!inbound && !status) {
    ev.kind = WebhookEvent::Kind::kIgnored;
    return ev;
  }
  const json* payload = wu::object_member(*data, "payload");
  if (payload == nullptr) return wu::invalid("data.payload", "missing payload");
  if (inbound) return read_inbound(std::move(ev), *payload, *data, now);
  return read_status(std::move(ev), *payload, *data, now);
}

}  // namespace sb::providers::telnyx
