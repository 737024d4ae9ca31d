// Sinch callback authentication and reading (see sinch_webhook.h).
#include "providers/sinch/sinch_webhook.h"

#include <cstdlib>

#include "core/crypto.h"
#include "providers/sinch/sinch_connector.h"
#include "providers/webhook_util.h"

namespace sb::providers::sinch {

namespace wu = webhook_util;
using json = wu::json;

namespace {

// Sinch sends the signing timestamp as Unix seconds; RFC 3339 is accepted too.
std::optional<int64_t> timestamp_seconds(const std::string& ts) {
  if (auto s = wu::parse_uint(ts)) return *s;
  if (auto ms = parse_rfc3339(ts)) return *ms / 1000;
  return std::nullopt;
}

Result<void> verify_hmac(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now) {
  const std::string signature = req.header("x-sinch-webhook-signature");
  if (signature.empty()) return wu::unverified("missing header x-sinch-webhook-signature");
  const std::string nonce = req.header("x-sinch-webhook-signature-nonce");
  if (nonce.empty()) return wu::unverified("missing header x-sinch-webhook-signature-nonce");
  const std::string ts = req.header("x-sinch-webhook-signature-timestamp");
  if (ts.empty()) return wu::unverified("missing header x-sinch-webhook-signature-timestamp");
  const std::string algorithm = req.header("x-sinch-webhook-signature-algorithm");
  if (!algorithm.empty() && !wu::iequals(algorithm, "HmacSHA256")) {
    return wu::unverified("unsupported signature algorithm " + algorithm);
  }
  const auto seconds = timestamp_seconds(ts);
  if (!seconds) return wu::unverified("bad x-sinch-webhook-signature-timestamp");
  const int64_t skew = std::llabs(now / 1000 - *seconds);
  if (skew > secrets.tolerance_s) {
    return wu::unverified("stale timestamp (" + std::to_string(skew) + " s from now)");
  }
  const std::string expected = crypto::base64(
      crypto::hmac_sha256(secrets.hmac_secret, req.body + "." + nonce + "." + ts));
  if (!crypto::constant_time_equal(expected, signature)) return wu::unverified("bad signature");
  return Ok();
}

Result<void> verify_basic(const WebhookSecrets& secrets, const WebhookRequest& req) {
  const std::string auth = req.header("Authorization");
  if (auth.empty()) return wu::unverified("missing header Authorization");
  const size_t space = auth.find(' ');
  if (space == std::string::npos || !wu::iequals(auth.substr(0, space), "Basic")) {
    return wu::unverified("Authorization is not Basic");
  }
  std::string given = auth.substr(space + 1);
  while (!given.empty() && given.front() == ' ') given.erase(0, 1);
  const std::string expected =
      crypto::base64(secrets.basic_username + ":" + secrets.basic_password);
  if (!crypto::constant_time_equal(expected, given)) return wu::unverified("bad credentials");
  return Ok();
}

bool failure(Status s) {
  return s == Status::kFailed || s == Status::kUndelivered || s == Status::kExpired;
}

Result<std::string> number(const json& j, std::string_view key) {
  auto v = wu::scalar(j, key);
  if (!v || v->empty()) return wu::invalid(std::string(key), "missing " + std::string(key));
  return wu::plus_international(*v);
}

Result<WebhookEvent> read_mo(const json& j, const std::string& type, TimeMs now) {
  WebhookEvent ev;
  ev.kind = WebhookEvent::Kind::kInbound;
  ev.event_type = type;
  auto id = wu::scalar(j, "id");
  if (!id || id->empty()) return wu::invalid("id", "missing id");
  ev.dedupe_key = *id;
  InboundMessage& m = ev.inbound;
  m.provider_message_id = *id;
  auto from = number(j, "from");
  if (!from) return from.error();
  auto to = number(j, "to");
  if (!to) return to.error();
  m.from = *from;
  m.to = *to;
  m.received_at = wu::parse_time(j, "received_at").value_or(now);
  if (type == "mo_media") {
    const json* body = wu::object_member(j, "body");
    if (body == nullptr) return wu::invalid("body", "mo_media body is not an object");
    m.body = wu::scalar(*body, "message").value_or("");
    if (m.body.empty()) m.body = wu::scalar(*body, "subject").value_or("");
    if (const json* media = wu::array_member(*body, "media")) {
      for (size_t i = 0; i < media->size(); ++i) {
        const json& item = (*media)[i];
        const std::string field = "body.media[" + std::to_string(i) + "]";
        if (!item.is_object()) return wu::invalid(field, "not an object");
        // An item Sinch could not fetch from the operator has status "Failed" and no url.
        auto url = wu::scalar(item, "url");
        if (!url || url->empty()) continue;
        InboundMedia im;
        im.url = *url;
        im.content_type = wu::scalar(item, "content_type")
                              .value_or(wu::scalar(item, "contentType").value_or(""));
        im.size = wu::count(item, "size");
        m.media.push_back(std::move(im));
      }
    }
    return ev;
  }
  // mo_text: the text. mo_binary: Sinch's base64 of the binary payload, kept verbatim (the
  // event_type says which it is).
  auto body = wu::scalar(j, "body");
  if (!body) return wu::invalid("body", "missing body");
  m.body = *body;
  return ev;
}

StatusReport report(const std::string& batch_id, const std::string& recipient,
                    const std::string& status, const std::string& code, TimeMs at) {
  StatusReport r;
  r.provider_message_id = batch_id;
  r.recipient = recipient.empty() ? "" : wu::plus_international(recipient);
  r.provider_status = status;
  r.status = map_status(status);
  r.at = at;
  if (failure(r.status)) {
    r.error_code = code;
    r.error_message = status;
  }
  return r;
}

Result<WebhookEvent> read_recipient_report(const json& j, const std::string& type, TimeMs now) {
  WebhookEvent ev;
  ev.kind = WebhookEvent::Kind::kStatus;
  ev.event_type = type;
  auto batch_id = wu::scalar(j, "batch_id");
  if (!batch_id || batch_id->empty()) return wu::invalid("batch_id", "missing batch_id");
  auto recipient = wu::scalar(j, "recipient");
  if (!recipient || recipient->empty()) return wu::invalid("recipient", "missing recipient");
  auto status = wu::scalar(j, "status");
  if (!status || status->empty()) return wu::invalid("status", "missing status");
  const std::string code = wu::scalar(j, "code").value_or("");
  ev.dedupe_key = *batch_id + ":" + *recipient + ":" + *status + ":" + code;
  ev.statuses.push_back(
      report(*batch_id, *recipient, *status, code, wu::parse_time(j, "at").value_or(now)));
  return ev;
}

Result<WebhookEvent> read_batch_report(const json& j, const std::string& type, TimeMs now) {
  WebhookEvent ev;
  ev.kind = WebhookEvent::Kind::kStatus;
  ev.event_type = type;
  auto batch_id = wu::scalar(j, "batch_id");
  if (!batch_id || batch_id->empty()) return wu::invalid("batch_id", "missing batch_id");
  const json* statuses = wu::array_member(j, "statuses");
  if (statuses == nullptr) return wu::invalid("statuses", "missing statuses");
  // A summary has no id of its own: the key is the batch plus everything it reports, so a retry
  // of the same report dedupes and a later report with new counts does not.
  std::string canonical;
  for (size_t i = 0; i < statuses->size(); ++i) {
    const json& s = (*statuses)[i];
    const std::string field = "statuses[" + std::to_string(i) + "]";
    auto status = wu::scalar(s, "status");
    if (!status || status->empty()) return wu::invalid(field + ".status", "missing status");
    const std::string code = wu::scalar(s, "code").value_or("");
    canonical += *status + ":" + code + ":" + wu::scalar(s, "count").value_or("") + "[";
    const json* recipients = wu::array_member(s, "recipients");
    if (recipients == nullptr || recipients->empty()) {
      ev.statuses.push_back(report(*batch_id, "", *status, code, now));
    } else {
      for (size_t k = 0; k < recipients->size(); ++k) {
        if (!(*recipients)[k].is_string()) {
          return wu::invalid(field + ".recipients[" + std::to_string(k) + "]", "not a string");
        }
        const std::string r = (*recipients)[k].get<std::string>();
        canonical += r + ",";
        ev.statuses.push_back(report(*batch_id, r, *status, code, now));
      }
    }
    canonical += "]";
  }
  // A summary with no statuses reports nothing: acknowledged, nothing recorded.
  if (ev.statuses.empty()) ev.kind = WebhookEvent::Kind::kIgnored;
  ev.dedupe_key = *batch_id + ":summary:" + crypto::hex(crypto::sha256(canonical)).substr(0, 32);
  return ev;
}

}  // namespace

Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req, TimeMs now) {
  if (!secrets.hmac_secret.empty()) return verify_hmac(secrets, req, now);
  if (!secrets.basic_username.empty() || !secrets.basic_password.empty()) {
    return verify_basic(secrets, req);
  }
  return wu::unverified("not configured: hmac_secret (or basic_username/basic_password)");
}

Result<WebhookEvent> parse_webhook(const WebhookRequest& req, TimeMs now) {
  auto j = wu::parse_object(req.body);
  if (!j) return wu::invalid("body", "not a JSON object");
  auto type = wu::scalar(*j, "type");
  if (!type || type->empty()) return wu::invalid("type", "missing type");
  if (*type == "mo_text" || *type == "mo_binary" || *type == "mo_media") {
    return read_mo(*j, *type, now);
  }
  if (*type == "recipient_delivery_report_sms" || *type == "recipient_delivery_report_mms") {
    return read_recipient_report(*j, *type, now);
  }
  if (*type == "delivery_report_sms" || *type == "delivery_report_mms") {
    return read_batch_report(*j, *type, now);
  }
  WebhookEvent ev;
  ev.kind = WebhookEvent::Kind::kIgnored;
  ev.event_type = *type;
  ev.dedupe_key = *type + ":" + crypto::hex(crypto::sha256(req.body)).substr(0, 32);
  return ev;
}

}  // namespace sb::providers::sinch
