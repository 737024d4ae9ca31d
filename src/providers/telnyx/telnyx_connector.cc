// Telnyx v2 wire format (https://developers.telnyx.com/api/messaging/send-message) and connector.
#include "providers/telnyx/telnyx_connector.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "providers/telnyx/telnyx_numbers.h"
#include "providers/telnyx/telnyx_webhook.h"
#include "providers/transport/http_util.h"

namespace sb::providers::telnyx {
namespace {

using nlohmann::json;

// Base64 of exactly 32 bytes (an Ed25519 public key): 43 alphabet characters and one '='.
bool is_base64_32_bytes(std::string_view v) {
  if (v.size() != 44 || v[43] != '=') return false;
  for (size_t i = 0; i < 43; ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    if (!std::isalnum(c) && c != '+' && c != '/') return false;
  }
  return true;
}

std::string json_scalar(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  return {};
}

// Telnyx's error object {code, title, detail, source}: its code and a message keeping its words.
std::pair<std::string, std::string> error_fields(const json& e) {
  if (!e.is_object()) return {};
  std::string code = json_scalar(e.value("code", json()));
  const std::string title =
      e.value("title", json()).is_string() ? e["title"].get<std::string>() : "";
  const std::string detail =
      e.value("detail", json()).is_string() ? e["detail"].get<std::string>() : "";
  std::string message = title;
  if (!detail.empty() && detail != title) message += (message.empty() ? "" : ": ") + detail;
  return {std::move(code), std::move(message)};
}

bool is_success(const HttpResponse& r) { return r.status >= 200 && r.status < 300; }

}  // namespace

HttpRequest base_request(const TelnyxConfig& c, std::string method, std::string path) {
  HttpRequest req;
  req.method = std::move(method);
  req.url = c.base_url + path;
  req.timeout_ms = c.timeout_ms;
  req.headers = {{"Authorization", "Bearer " + c.api_key}, {"Accept", "application/json"}};
  return req;
}

Result<TelnyxConfig> make_config(const ConnectorSettings& s, const std::string& public_url) {
  TelnyxConfig c;
  c.id = s.id;
  c.base_url =
      strip_trailing_slashes(s.base_url.empty() ? std::string(kDefaultBaseUrl) : s.base_url);
  c.timeout_ms = static_cast<int>(s.timeout_ms);
  c.max_concurrency = s.max_concurrency;
  c.api_key = setting_value(s, "api_key");
  c.public_key = setting_value(s, "public_key");
  c.messaging_profile_id = setting_value(s, "messaging_profile_id");
  if (c.api_key.empty()) return setting_error(s, "api_key", "is required for provider telnyx");
  // The key goes into an HTTP header verbatim; a stray newline or space would corrupt it.
  if (has_space_or_control(c.api_key)) {
    return setting_error(s, "api_key", "must not contain spaces or control characters");
  }
  if (!c.public_key.empty() && !is_base64_32_bytes(c.public_key)) {
    return setting_error(
        s, "public_key",
        "must be the base64 Ed25519 public key from the Telnyx portal (44 characters)");
  }
  if (!c.messaging_profile_id.empty() && !is_uuid(c.messaging_profile_id)) {
    return setting_error(s, "messaging_profile_id",
                     "must be a Telnyx messaging profile id (a UUID such as "
                     "4000eba1-a0c0-4563-9925-b25e842a7cb6)");
  }
  if (c.max_concurrency < 1) return setting_error(s, "max_concurrency", "must be at least 1");
  c.webhook_url = webhook_url(public_url, s.id);
  return c;
}

HttpRequest build_send_request(const TelnyxConfig& c, const Message& m) {
  HttpRequest req = base_request(c, "POST", "/v2/messages");
  req.headers.emplace_back("Content-Type", "application/json");
  json body = {{"from", m.from}, {"to", m.to}};
  if (!m.body.empty()) body["text"] = m.body;
  if (!m.media_urls.empty()) body["media_urls"] = m.media_urls;
  body["type"] = m.media_urls.empty() ? "SMS" : "MMS";
  if (!c.messaging_profile_id.empty()) body["messaging_profile_id"] = c.messaging_profile_id;
  body["webhook_url"] = c.webhook_url;
  req.body = body.dump();
  return req;
}

SendFailure classify_response(const HttpResponse& r, TimeMs now) {
  std::string code, message;
  if (r.status != 0) {
    const json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
      std::tie(code, message) = error_fields(j["errors"][0]);
    }
  }
  SendFailure f = classify_failure(r, now, code, message);
  if (r.status == 0 || r.status >= 500) return f;
  if (code == "10009" || code == "10010") {
    f.kind = FailureKind::kAuth;
  } else if (code == "10011") {
    f.kind = FailureKind::kRateLimited;
    f.retry_after_ms = retry_after_ms(r, now);
  } else if (r.status == 403 && code.size() == 5 && code[0] == '4') {
    f.kind = FailureKind::kPermanent;
  }
  return f;
}

SendResult parse_send_response(const HttpResponse& r, TimeMs now) {
  if (!is_success(r)) return classify_response(r, now);
  const json j = json::parse(r.body, nullptr, false);
  const json* data =
      j.is_object() && j.contains("data") && j["data"].is_object() ? &j["data"] : nullptr;
  const std::string id = data ? json_scalar(data->value("id", json())) : "";
  if (id.empty()) {
    return SendFailure{FailureKind::kTransient,
                       "invalid_response",
                       "Telnyx answered HTTP " + std::to_string(r.status) + " without data.id",
                       {}};
  }
  std::string status;
  if (auto to = data->find("to");
      to != data->end() && to->is_array() && !to->empty() && (*to)[0].is_object()) {
    status = json_scalar((*to)[0].value("status", json()));
  }
  return SendAccepted{id, status.empty() ? "queued" : status};
}

HttpRequest build_status_request(const TelnyxConfig& c, const std::string& provider_message_id) {
  return base_request(c, "GET", "/v2/messages/" + url_encode(provider_message_id));
}

Status map_status(std::string_view s) {
  // queued/sending: still inside Telnyx, not yet handed to a carrier.
  if (s == "queued" || s == "sending") return Status::kSending;
  if (s == "sent") return Status::kSent;
  if (s == "delivered") return Status::kDelivered;
  // The carrier took it but the handset was never reached.
  if (s == "delivery_failed") return Status::kUndelivered;
  // Telnyx could not hand it to any carrier.
  if (s == "sending_failed") return Status::kFailed;
  // Its validity period ran out (in Telnyx's queue or at the carrier).
  if (s == "expired") return Status::kExpired;
  // Final for Telnyx but says nothing about the handset: stays sent.
  if (s == "delivery_unconfirmed") return Status::kSent;
  return Status::kSent;
}

ProviderResult<StatusQueryResult> parse_status_response(const HttpResponse& r, TimeMs now) {
  if (!is_success(r)) return classify_response(r, now);
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_object()) {
    return SendFailure{
        FailureKind::kTransient, "invalid_response", "Telnyx status answer without data", {}};
  }
  const json& data = j["data"];
  StatusQueryResult out;
  if (auto to = data.find("to");
      to != data.end() && to->is_array() && !to->empty() && (*to)[0].is_object()) {
    out.provider_status = json_scalar((*to)[0].value("status", json()));
  }
  out.status = map_status(out.provider_status);
  if (auto errs = data.find("errors"); errs != data.end() && errs->is_array() && !errs->empty()) {
    std::tie(out.error_code, out.error_message) = error_fields((*errs)[0]);
  }
  return out;
}

HttpRequest build_health_request(const TelnyxConfig& c) {
  if (!c.messaging_profile_id.empty()) {
    return base_request(c, "GET", "/v2/messaging_profiles/" + c.messaging_profile_id);
  }
  return base_request(c, "GET", "/v2/messaging_profiles?page%5Bsize%5D=1");
}

TelnyxConnector::TelnyxConnector(TelnyxConfig config, HttpClient& http, const Clock& clock)
    : config_(std::move(config)), http_(http, config_.max_concurrency), clock_(clock) {}

HttpResponse TelnyxConnector::call(const HttpRequest& req) { return http_.send(req); }

SendResult TelnyxConnector::send(const Message& m, const std::string& /*idempotency_key*/) {
  SendResult out = parse_send_response(call(build_send_request(config_, m)), clock_.now_ms());
  if (!out) {
    const SendFailure& f = out.error();
    log::warn({.message_id = m.id, .connector = config_.id},
              "telnyx {}: message {} not accepted ({}): {} {}", config_.id, m.id, to_string(f.kind),
              f.code, f.message);
  }
  return out;
}

ProviderResult<StatusQueryResult> TelnyxConnector::query_status(const Message& m) {
  if (m.provider_message_id.empty()) return unsupported("no provider message id to look up by");
  return parse_status_response(call(build_status_request(config_, m.provider_message_id)),
                               clock_.now_ms());
}

ProviderResult<void> TelnyxConnector::health_check() {
  const HttpResponse r = call(build_health_request(config_));
  if (is_success(r)) return {};
  return classify_response(r, clock_.now_ms());
}

ProviderResult<NumberWebhooks> TelnyxConnector::configure_number_webhooks(
    const std::string& number, const std::string& inbound_url, const std::string& status_url) {
  return configure_number(config_, number, inbound_url, status_url,
                          [this](const HttpRequest& r) { return call(r); });
}

ProviderResult<std::vector<OwnedNumber>> TelnyxConnector::list_owned_numbers() {
  return list_numbers(config_, [this](const HttpRequest& r) { return call(r); });
}

Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& s, ConnectorDeps& deps) {
  auto c = make_config(s, deps.public_url);
  if (!c) return c.error();
  return std::unique_ptr<Connector>(
      std::make_unique<TelnyxConnector>(std::move(*c), deps.http, deps.clock));
}

namespace {

Result<void> read_webhook_secrets(const ConnectorSettings& s, WebhookSecrets& w) {
  w.public_key = setting_value(s, "public_key");
  return Ok();
}

std::string missing_webhook_material(const WebhookSecrets& w) {
  return w.public_key.empty() ? "public_key" : "";
}

}  // namespace

ProviderSpec provider_spec() {
  return {.name = "telnyx",
          .required = {"api_key"},
          .optional = {"public_key", "messaging_profile_id", "webhook_tolerance_s"},
          .make = make_connector,
          .webhook_secrets = read_webhook_secrets,
          .missing_webhook_material = missing_webhook_material,
          .webhook = {verify_webhook, parse_webhook, nullptr},
          .capabilities = kCapabilities};
}

}  // namespace sb::providers::telnyx
