// VoiceMeUp webhook authentication and reading (see voicemeup_webhook.h).
#include "providers/voicemeup/voicemeup_webhook.h"

#include "core/crypto.h"
#include "core/utf8.h"
#include "providers/transport/http_util.h"
#include "providers/webhook_util.h"

namespace sb::providers::voicemeup {

namespace wu = webhook_util;
using json = wu::json;

Result<void> verify_webhook(const WebhookSecrets& secrets, const WebhookRequest& req,
                            TimeMs /*now*/) {
  if (secrets.path_secret.empty()) {
    return wu::unverified("not configured: path_secret (the connector's webhook_secret)");
  }
  if (!crypto::constant_time_equal(secrets.path_secret, req.path_secret)) {
    return wu::unverified("bad path secret");
  }
  if (!secrets.allow_ips.empty()) {
    bool allowed = false;
    for (const auto& ip : secrets.allow_ips) allowed |= ip == req.remote_addr;
    if (!allowed) {
      return wu::unverified("address not allowed: " +
                            (req.remote_addr.empty() ? std::string("unknown") : req.remote_addr));
    }
  }
  return Ok();
}

namespace {

// VoiceMeUp's fields as strings, whether the body is JSON or a form.
Result<json> read_fields(const WebhookRequest& req) {
  if (wu::is_json_body(req.header("Content-Type"), req.body)) {
    auto j = wu::parse_object(req.body);
    if (!j) return wu::invalid("body", "not a JSON object");
    return std::move(*j);
  }
  json j = json::object();
  for (const auto& [k, v] : form_decode(req.body)) {
    if (!utf8::is_valid(k) || !utf8::is_valid(v)) return wu::invalid(k, "not UTF-8");
    if (!j.contains(k)) j[k] = v;
  }
  return j;
}

std::string first_of(const json& j, std::string_view a, std::string_view b) {
  std::string v = wu::scalar(j, a).value_or("");
  return v.empty() ? wu::scalar(j, b).value_or("") : v;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The ".mms.html" wrapper VoiceMeUp puts beside the text of a split MMS (not the image).
bool is_mms_wrapper(std::string_view url, std::string_view content_type) {
  std::string path = wu::to_lower(url.substr(0, url.find_first_of("?#")));
  if (ends_with(path, ".mms.html")) return true;
  const std::string ct = wu::to_lower(content_type.substr(0, content_type.find(';')));
  return ct == "text/html" && path.find(".mms.") != std::string::npos;
}

}  // namespace

Result<WebhookEvent> parse_webhook(const WebhookRequest& req, TimeMs now) {
  auto fields = read_fields(req);
  if (!fields) return fields.error();
  const json& j = *fields;

  auto hash = wu::scalar(j, "sms_hash");
  if (!hash || hash->empty()) return wu::invalid("sms_hash", "missing sms_hash");
  auto direction = wu::scalar(j, "direction");
  if (!direction || direction->empty()) return wu::invalid("direction", "missing direction");

  WebhookEvent ev;
  ev.event_type = *direction;
  ev.dedupe_key = *hash;
  if (!wu::iequals(*direction, "inbound")) {
    // No documented outbound status webhook: never read one as an inbound message.
    ev.kind = WebhookEvent::Kind::kIgnored;
    return ev;
  }
  ev.kind = WebhookEvent::Kind::kInbound;
  InboundMessage& m = ev.inbound;
  m.provider_message_id = *hash;
  const std::string source = wu::scalar(j, "source_number").value_or("");
  if (source.empty()) return wu::invalid("source_number", "missing source_number");
  const std::string destination = wu::scalar(j, "destination_number").value_or("");
  if (destination.empty()) return wu::invalid("destination_number", "missing destination_number");
  m.from = wu::plus_nanp(source);
  m.to = wu::plus_nanp(destination);
  if (const auto it = j.find("message"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return wu::invalid("message", "not a string");
    m.body = it->get<std::string>();
  }
  // VoiceMeUp's times are local wall-clock without a zone ("2026-01-28 10:29:02"); only a time
  // with an explicit zone is trusted, else the receipt time stands.
  const std::string transmitted = wu::scalar(j, "datetime_transmission").value_or("");
  m.received_at = parse_rfc3339(transmitted).value_or(now);

  bool wrapper = false;
  const std::string url = first_of(j, "attachment", "attachment_url");
  if (!url.empty()) {
    InboundMedia media;
    media.url = url;
    media.content_type = first_of(j, "attachment_mime_type", "attachment_type");
    media.size = wu::count(j, "attachment_size");
    if (is_mms_wrapper(media.url, media.content_type)) {
      wrapper = true;
    } else {
      m.media.push_back(std::move(media));
    }
  }
  const std::string key = source + ":" + destination + ":" + transmitted;
  if (wrapper) {
    ev.part = MessagePart{.key = key, .text_part = true};
  } else if (!m.media.empty() && m.body.empty()) {
    ev.part = MessagePart{.key = key, .text_part = false};
  }
  return ev;
}

}  // namespace sb::providers::voicemeup
