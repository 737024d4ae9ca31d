// SignalWire REST messaging API: request building and response parsing.
#include "providers/signalwire/signalwire_rest.h"

#include <nlohmann/json.hpp>

#include "providers/transport/http_util.h"
#include "providers/twilio/twilio_wire.h"

namespace sb::providers::signalwire {

using nlohmann::json;

ProviderResult<void> check_rest_message(const Message& m) {
  if (m.media_urls.size() <= kRestMaxMedia) return {};
  SendFailure f;
  f.kind = FailureKind::kPermanent;
  f.code = "too_many_media";
  f.message = "SignalWire's REST messaging API takes at most " + std::to_string(kRestMaxMedia) +
              " media per message (got " + std::to_string(m.media_urls.size()) +
              "); use api = \"laml\" for up to 10";
  return f;
}

HttpRequest build_send_request(const RestApi& api, const Message& m) {
  json body = {{"to", m.to}, {"from", m.from}};
  if (!m.body.empty()) body["body"] = m.body;
  if (!m.media_urls.empty()) body["media"] = m.media_urls;
  if (!api.status_callback.empty()) body["status_callback"] = api.status_callback;
  HttpRequest req;
  req.method = "POST";
  req.url = api.space_root + "/api/messaging/messages";
  req.headers.emplace_back("Authorization", basic_auth(api.project_id, api.api_token));
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body.dump();
  req.timeout_ms = api.timeout_ms;
  return req;
}

SendResult parse_send_response(const HttpResponse& r, TimeMs now) {
  if (r.status >= 200 && r.status < 300) {
    const json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    std::string id, status;
    if (j.is_object()) {
      if (auto it = j.find("id"); it != j.end() && it->is_string()) id = it->get<std::string>();
      if (auto it = j.find("status"); it != j.end() && it->is_string()) {
        status = it->get<std::string>();
      }
    }
    if (id.empty()) {
      // Same reasoning as Twilio's: probably created, but untrackable; a retry is the lesser evil.
      SendFailure f;
      f.kind = FailureKind::kTransient;
      f.code = "invalid_response";
      f.message = "HTTP " + std::to_string(r.status) + " without a message id";
      return f;
    }
    return SendAccepted{id, status};
  }
  SendFailure f = twilio::classify_error(r, now, twilio::parse_error_body(r.body));
  if (r.status == 404) f.kind = FailureKind::kAuth;
  return f;
}

Status map_status(std::string_view s) {
  if (s == "sent") return Status::kSent;
  if (s == "delivered" || s == "read") return Status::kDelivered;
  if (s == "undelivered") return Status::kUndelivered;
  if (s == "failed") return Status::kFailed;
  return Status::kSending;  // queued, initiated, or something new
}

}  // namespace sb::providers::signalwire
