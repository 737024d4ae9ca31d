// Sinch xms wire format (https://developers.sinch.com/docs/sms/api-reference/) and connector.
#include "providers/sinch/sinch_connector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "providers/sinch/sinch_webhook.h"
#include "providers/transport/http_util.h"

namespace sb::providers::sinch {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 5> kRegions = {"us", "eu", "au", "br", "ca"};

std::string json_scalar(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  return {};
}

HttpRequest base_request(const SinchConfig& c, std::string method, std::string path) {
  HttpRequest req;
  req.method = std::move(method);
  req.url = c.base_url + "/xms/v1/" + url_encode(c.service_plan_id) + path;
  req.timeout_ms = c.timeout_ms;
  req.headers = {{"Authorization", "Bearer " + c.api_token}, {"Accept", "application/json"}};
  return req;
}

bool is_success(const HttpResponse& r) { return r.status >= 200 && r.status < 300; }

// Sinch's error body {code, text}.
std::pair<std::string, std::string> error_fields(const HttpResponse& r) {
  if (r.status == 0) return {};
  const json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return {};
  return {json_scalar(j.value("code", json())), json_scalar(j.value("text", json()))};
}

json batch_body(const SinchConfig& c, const Message& m) {
  json b = {{"from", msisdn(m.from)},
            {"to", json::array({msisdn(m.to)})},
            {"delivery_report", "per_recipient"},
            {"callback_url", c.callback_url},
            {"client_reference", m.id}};
  if (m.validity_period_s)
    b["expire_at"] = format_rfc3339(m.created_at + *m.validity_period_s * 1000);
  return b;
}

}  // namespace

std::string msisdn(std::string_view e164) {
  if (!e164.empty() && e164.front() == '+') e164.remove_prefix(1);
  return std::string(e164);
}

Result<SinchConfig> make_config(const ConnectorSettings& s, const std::string& public_url) {
  SinchConfig c;
  c.id = s.id;
  c.timeout_ms = static_cast<int>(s.timeout_ms);
  c.max_concurrency = s.max_concurrency;
  c.service_plan_id = setting_value(s, "service_plan_id");
  c.api_token = setting_value(s, "api_token");
  c.callback_secret = setting_value(s, "callback_secret");
  if (const std::string r = setting_value(s, "region"); !r.empty()) c.region = r;
  if (c.service_plan_id.empty()) {
    return setting_error(s, "service_plan_id", "is required for provider sinch");
  }
  // It is a path segment: anything but letters and digits would silently change the URL.
  if (!std::all_of(c.service_plan_id.begin(), c.service_plan_id.end(),
                   [](unsigned char ch) { return std::isalnum(ch); })) {
    return setting_error(s, "service_plan_id",
                     "must be the service plan id from the Sinch dashboard (letters and digits)");
  }
  if (c.api_token.empty()) return setting_error(s, "api_token", "is required for provider sinch");
  if (has_space_or_control(c.api_token)) {
    return setting_error(s, "api_token", "must not contain spaces or control characters");
  }
  if (std::find(kRegions.begin(), kRegions.end(), c.region) == kRegions.end()) {
    return setting_error(s, "region", "must be one of us, eu, au, br, ca (got '" + c.region + "')");
  }
  if (c.max_concurrency < 1) return setting_error(s, "max_concurrency", "must be at least 1");
  c.base_url = strip_trailing_slashes(
      s.base_url.empty() ? "https://" + c.region + ".sms.api.sinch.com" : s.base_url);
  c.callback_url = webhook_url(public_url, s.id);
  return c;
}

std::vector<HttpRequest> build_send_requests(const SinchConfig& c, const Message& m) {
  std::vector<json> bodies;
  if (m.media_urls.empty()) {
    json b = batch_body(c, m);
    b["type"] = "mt_text";
    b["body"] = m.body;
    bodies.push_back(std::move(b));
  } else {
    for (size_t i = 0; i < m.media_urls.size(); ++i) {
      json b = batch_body(c, m);
      b["type"] = "mt_media";
      json media = {{"url", m.media_urls[i]}};
      if (i == 0 && !m.body.empty()) media["message"] = m.body;
      b["body"] = std::move(media);
      bodies.push_back(std::move(b));
    }
  }
  std::vector<HttpRequest> out;
  for (const auto& b : bodies) {
    HttpRequest req = base_request(c, "POST", "/batches");
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = b.dump();
    out.push_back(std::move(req));
  }
  return out;
}

SendFailure classify_send_failure(const HttpResponse& r, TimeMs now) {
  auto [code, text] = error_fields(r);
  SendFailure f = classify_failure(r, now, code, text);
  if (r.status == 403) {
    f.kind = code == "illegal_number_type" ? FailureKind::kPermanent : FailureKind::kAuth;
  } else if (r.status == 404) {
    f.kind = FailureKind::kAuth;
  }
  return f;
}

SendResult parse_send_response(const HttpResponse& r, TimeMs now) {
  if (!is_success(r)) return classify_send_failure(r, now);
  const json j = json::parse(r.body, nullptr, false);
  const std::string id = j.is_object() ? json_scalar(j.value("id", json())) : "";
  if (id.empty()) {
    return SendFailure{FailureKind::kTransient,
                       "invalid_response",
                       "Sinch answered HTTP " + std::to_string(r.status) + " without a batch id",
                       {}};
  }
  return SendAccepted{id, "Queued"};
}

HttpRequest build_status_request(const SinchConfig& c, const std::string& batch_id,
                                 const std::string& recipient_e164) {
  return base_request(c, "GET",
                      "/batches/" + url_encode(batch_id) + "/delivery_report/" +
                          url_encode(msisdn(recipient_e164)));
}

Status map_status(std::string_view s) {
  if (s == "Queued") return Status::kSending;   // still in Sinch's queue
  if (s == "Dispatched") return Status::kSent;  // handed to the operator
  if (s == "Delivered") return Status::kDelivered;
  // Reached the operator but not the handset, or removed from the operator's SMSC.
  if (s == "Failed" || s == "Deleted") return Status::kUndelivered;
  // Never left Sinch: refused by Sinch or the operator, or aborted.
  if (s == "Rejected" || s == "Aborted") return Status::kFailed;
  // Canceled by us (the batch was cancelled) before it reached the operator.
  if (s == "Cancelled") return Status::kCanceled;
  if (s == "Expired") return Status::kExpired;
  // "Unknown": the operator sent no delivery report.
  return Status::kSent;
}

ProviderResult<StatusQueryResult> parse_status_response(const HttpResponse& r, TimeMs now) {
  if (!is_success(r)) {
    auto [code, text] = error_fields(r);
    return classify_failure(r, now, code, text);
  }
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("status")) {
    return SendFailure{
        FailureKind::kTransient, "invalid_response", "Sinch delivery report without status", {}};
  }
  StatusQueryResult out;
  out.provider_status = json_scalar(j["status"]);
  out.status = map_status(out.provider_status);
  if (out.status == Status::kUndelivered || out.status == Status::kFailed ||
      out.status == Status::kExpired) {
    out.error_code = json_scalar(j.value("code", json()));
    out.error_message = out.provider_status;
  }
  return out;
}

HttpRequest build_find_request(const SinchConfig& c, const Message& m) {
  // A minute of slack before created_at: clocks differ between us and Sinch.
  return base_request(c, "GET",
                      "/batches?client_reference=" + url_encode(m.id) +
                          "&start_date=" + url_encode(format_rfc3339(m.created_at - 60'000)) +
                          "&page_size=10");
}

ProviderResult<PreviousSend> parse_find_response(const HttpResponse& r, const Message& m,
                                                 TimeMs now) {
  if (!is_success(r)) {
    SendFailure f = classify_send_failure(r, now);
    if (f.kind == FailureKind::kPermanent) f.kind = FailureKind::kTransient;
    return f;
  }
  const json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  const auto batches = j.is_object() ? j.find("batches") : j.end();
  if (!j.is_object() || batches == j.end() || !batches->is_array()) {
    return SendFailure{FailureKind::kTransient, "invalid_response",
                       "Sinch list batches answered without a batches array", {}};
  }
  for (const auto& b : *batches) {
    if (!b.is_object() || b.value("client_reference", json()) != m.id) continue;
    const std::string id = json_scalar(b.value("id", json()));
    if (!id.empty()) return PreviousSend{true, SendAccepted{id, "Queued"}};
  }
  return PreviousSend{};
}

HttpRequest build_health_request(const SinchConfig& c) {
  return base_request(c, "GET", "/batches?page_size=1");
}

SinchConnector::SinchConnector(SinchConfig config, HttpClient& http, const Clock& clock)
    : config_(std::move(config)), http_(http, config_.max_concurrency), clock_(clock) {}

HttpResponse SinchConnector::call(const HttpRequest& req) { return http_.send(req); }

SendResult SinchConnector::send(const Message& m, const std::string& idempotency_key) {
  const std::vector<HttpRequest> batches = build_send_requests(config_, m);
  std::vector<std::string> ids;
  if (batches.size() > 1) {
    std::lock_guard lk(parts_mu_);
    if (auto it = accepted_parts_.find(idempotency_key); it != accepted_parts_.end())
      ids = it->second;
  }
  for (size_t i = ids.size(); i < batches.size(); ++i) {
    SendResult r = parse_send_response(call(batches[i]), clock_.now_ms());
    if (!r) {
      const SendFailure* f = &r.error();
      log::warn({.message_id = m.id, .connector = config_.id},
                "sinch {}: message {} batch {}/{} not accepted ({}): {} {}", config_.id, m.id,
                i + 1, batches.size(), to_string(f->kind), f->code, f->message);
      if (batches.size() > 1) {
        std::lock_guard lk(parts_mu_);
        // A message that failed for good is never retried: nothing to remember.
        if (f->kind == FailureKind::kPermanent || ids.empty()) {
          accepted_parts_.erase(idempotency_key);
        } else {
          accepted_parts_[idempotency_key] = ids;
        }
      }
      return r;
    }
    ids.push_back(r->provider_message_id);
  }
  if (batches.size() > 1) {
    std::lock_guard lk(parts_mu_);
    accepted_parts_.erase(idempotency_key);
  }
  return SendAccepted{ids.front(), "Queued"};
}

ProviderResult<StatusQueryResult> SinchConnector::query_status(const Message& m) {
  if (m.provider_message_id.empty()) return unsupported("no provider message id to look up by");
  return parse_status_response(call(build_status_request(config_, m.provider_message_id, m.to)),
                               clock_.now_ms());
}

ProviderResult<PreviousSend> SinchConnector::find_previous_send(const Message& m) {
  if (m.media_urls.size() > 1) {
    return unsupported("a message sent as several batches cannot be looked up safely");
  }
  return parse_find_response(call(build_find_request(config_, m)), m, clock_.now_ms());
}

ProviderResult<void> SinchConnector::health_check() {
  const HttpResponse r = call(build_health_request(config_));
  if (is_success(r)) return {};
  return classify_send_failure(r, clock_.now_ms());
}

Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& s, ConnectorDeps& deps) {
  auto c = make_config(s, deps.public_url);
  if (!c) return c.error();
  return std::unique_ptr<Connector>(
      std::make_unique<SinchConnector>(std::move(*c), deps.http, deps.clock));
}

namespace {

Result<void> read_webhook_secrets(const ConnectorSettings& s, WebhookSecrets& w) {
  w.hmac_secret = setting_value(s, "callback_secret");
  w.basic_username = setting_value(s, "callback_username");
  w.basic_password = setting_value(s, "callback_password");
  if (w.basic_username.empty() != w.basic_password.empty()) {
    return setting_error(s, w.basic_username.empty() ? "callback_username" : "callback_password",
                         "callback_username and callback_password go together");
  }
  return Ok();
}

std::string missing_webhook_material(const WebhookSecrets& w) {
  return w.hmac_secret.empty() && w.basic_username.empty()
             ? "callback_secret (or callback_username + callback_password)"
             : "";
}

}  // namespace

ProviderSpec provider_spec() {
  return {.name = "sinch",
          .required = {"service_plan_id", "api_token"},
          .optional = {"region", "callback_secret", "callback_username", "callback_password",
                       "webhook_tolerance_s"},
          .make = make_connector,
          .webhook_secrets = read_webhook_secrets,
          .missing_webhook_material = missing_webhook_material,
          .webhook = {verify_webhook, parse_webhook, nullptr},
          .capabilities = kCapabilities};
}

}  // namespace sb::providers::sinch
