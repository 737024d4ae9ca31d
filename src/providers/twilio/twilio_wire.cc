// Twilio-shaped Messages API: request building, response parsing and failure classification.
#include "providers/twilio/twilio_wire.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "providers/transport/http_util.h"

namespace sb::providers::twilio {

using nlohmann::json;

namespace {

constexpr std::string_view kApiVersion = "/2010-04-01";

// Codes whose meaning beats the HTTP status they arrive with (Twilio error dictionary).
constexpr std::array<std::string_view, 2> kRateLimitedCodes = {
    "20429",  // Too Many Requests (HTTP 429)
    "14107",  // SMS send rate limit exceeded
};
constexpr std::array<std::string_view, 2> kAuthCodes = {
    "20003",  // Authentication failed
    "20005",  // Account not active
};
constexpr std::array<std::string_view, 2> kTransientCodes = {
    "20500",  // Internal server error
    "20503",  // Service unavailable
};
constexpr std::array<std::string_view, 8> kPermanentCodes = {
    "21211",  // invalid 'To' phone number
    "21408",  // permission to send to this region not enabled
    "21602",  // body (or media) required
    "21610",  // recipient unsubscribed (replied STOP)
    "21612",  // 'To' not reachable via SMS
    "21614",  // 'To' is not a mobile number
    "21617",  // body exceeds 1600 characters
    "21620",  // invalid media URL
};

// Refusals of the sender, not of the message: another sender may succeed (docs/pools.md).
constexpr std::array<std::string_view, 5> kSenderCodes = {
    "21601",  // From is not a valid SMS-capable number of this account
    "21606",  // From is not a message-capable number for this destination or account
    "21611",  // From has more than 10 hours of messages queued
    "21659",  // From is not a Twilio number, or a short code of another country
    "21661",  // From is not SMS-capable
};

template <size_t N>
bool contains(const std::array<std::string_view, N>& set, const std::string& code) {
  return std::find(set.begin(), set.end(), code) != set.end();
}

// Twilio sends numbers as JSON numbers (`code`, `error_code`) and SignalWire sometimes as strings.
std::string scalar(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  if (j.is_number()) return j.dump();
  return {};
}

std::string string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? std::string() : scalar(*it);
}

bool is_success(int status) { return status >= 200 && status < 300; }

}  // namespace

std::string account_path(const TwilioApi& api) {
  return api.api_root + std::string(kApiVersion) + "/Accounts/" + url_encode(api.account_sid);
}

HttpRequest authed(const TwilioApi& api, std::string method, std::string url) {
  HttpRequest req;
  req.method = std::move(method);
  req.url = std::move(url);
  req.headers.emplace_back("Authorization", basic_auth(api.username, api.password));
  req.headers.emplace_back("Accept", "application/json");
  req.timeout_ms = api.timeout_ms;
  return req;
}

HttpRequest build_send_request(const TwilioApi& api, const Message& m, TimeMs now) {
  FormFields f;
  f.emplace_back("To", m.to);
  if (!m.from.empty()) f.emplace_back("From", m.from);
  // With both, Twilio sends from `From` and applies the service's features (sender pool checks,
  // opt-out handling, link shortening); the message keeps the number the app asked for.
  if (!api.messaging_service_sid.empty()) {
    f.emplace_back("MessagingServiceSid", api.messaging_service_sid);
  }
  if (!m.body.empty()) f.emplace_back("Body", m.body);
  for (const auto& url : m.media_urls) f.emplace_back("MediaUrl", url);
  if (!api.status_callback.empty()) f.emplace_back("StatusCallback", api.status_callback);
  if (!m.max_price.empty()) f.emplace_back("MaxPrice", m.max_price);
  if (m.smart_encoding && api.smart_encoded_param) {
    f.emplace_back("SmartEncoded", *m.smart_encoding ? "true" : "false");
  }
  if (m.validity_period_s) {
    const int64_t elapsed_s = std::max<int64_t>(0, now - m.created_at) / 1000;
    const int64_t left =
        std::clamp<int64_t>(*m.validity_period_s - elapsed_s, 1, api.max_validity_s);
    f.emplace_back("ValidityPeriod", std::to_string(left));
  }
  HttpRequest req = authed(api, "POST", account_path(api) + "/Messages.json");
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.body = form_encode(f);
  return req;
}

SendResult parse_send_response(const HttpResponse& r, TimeMs now) {
  if (is_success(r.status)) {
    const json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    const std::string sid = j.is_object() ? string_field(j, "sid") : std::string();
    if (sid.empty()) {
      // Probably created, but without an id we can neither track nor look it up: retrying is the
      // lesser evil (a possible duplicate) compared with failing a message that may be on its way.
      SendFailure f;
      f.kind = FailureKind::kTransient;
      f.code = "invalid_response";
      f.message = "HTTP " + std::to_string(r.status) + " without a message sid";
      return f;
    }
    return SendAccepted{sid, string_field(j, "status")};
  }
  SendFailure f = classify_error(r, now, parse_error_body(r.body));
  // A 404 on the Messages list resource means the account path itself is wrong (Account SID or
  // project id): configuration, not this message.
  if (r.status == 404) f.kind = FailureKind::kAuth;
  return f;
}

HttpRequest build_status_request(const TwilioApi& api, const std::string& message_sid) {
  return authed(api, "GET", account_path(api) + "/Messages/" + url_encode(message_sid) + ".json");
}

ProviderResult<StatusQueryResult> parse_status_response(const HttpResponse& r, TimeMs now) {
  if (is_success(r.status)) {
    const json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    const std::string status = j.is_object() ? string_field(j, "status") : std::string();
    if (status.empty()) {
      SendFailure f;
      f.kind = FailureKind::kTransient;
      f.code = "invalid_response";
      f.message = "HTTP " + std::to_string(r.status) + " without a message status";
      return f;
    }
    StatusQueryResult out;
    out.status = map_status(status);
    out.provider_status = status;
    out.error_code = string_field(j, "error_code");
    out.error_message = string_field(j, "error_message");
    return out;
  }
  return classify_error(r, now, parse_error_body(r.body));
}

HttpRequest build_account_request(const TwilioApi& api) {
  return authed(api, "GET", account_path(api) + ".json");
}

HttpRequest build_message_page_request(const TwilioApi& api) {
  return authed(api, "GET", account_path(api) + "/Messages.json?PageSize=1");
}

ProviderResult<void> parse_health_response(const HttpResponse& r, TimeMs now) {
  if (is_success(r.status)) return {};
  SendFailure f = classify_error(r, now, parse_error_body(r.body));
  if (r.status == 404) f.kind = FailureKind::kAuth;  // wrong account path: configuration
  return f;
}

// --- redaction ---
HttpRequest build_delete_request(const TwilioApi& api, const std::string& message_sid) {
  return authed(api, "DELETE",
                account_path(api) + "/Messages/" + url_encode(message_sid) + ".json");
}

HttpRequest build_redact_body_request(const TwilioApi& api, const std::string& message_sid) {
  HttpRequest req =
      authed(api, "POST", account_path(api) + "/Messages/" + url_encode(message_sid) + ".json");
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.body = form_encode({{"Body", ""}});
  return req;
}

ProviderResult<void> parse_redact_response(const HttpResponse& r, TimeMs now) {
  if (is_success(r.status) || r.status == 404) return {};
  const ProviderError e = parse_error_body(r.body);
  SendFailure f = classify_error(r, now, e);
  if (e.code == "20009") f.kind = FailureKind::kTransient;  // not complete yet: try later
  return f;
}

Status map_status(std::string_view s) {
  // accepted/scheduled/queued/sending: Twilio still holds the message.
  if (s == "sent") return Status::kSent;
  if (s == "delivered" || s == "read") return Status::kDelivered;
  // Part of a multi-part message never reached the handset: the recipient did not get it whole.
  if (s == "undelivered" || s == "partially_delivered") return Status::kUndelivered;
  if (s == "failed") return Status::kFailed;
  if (s == "canceled") return Status::kCanceled;
  return Status::kSending;
}

ProviderError parse_error_body(const std::string& body) {
  ProviderError e;
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return e;
  e.code = string_field(j, "code");
  e.message = string_field(j, "message");
  if (e.code.empty() && e.message.empty()) {
    auto errors = j.find("errors");
    if (errors != j.end() && errors->is_array() && !errors->empty()) {
      const json& first = (*errors)[0];
      if (first.is_object()) {
        e.code = string_field(first, "code");
        e.message = string_field(first, "message");
      } else if (first.is_string()) {
        e.message = first.get<std::string>();
      }
    }
  }
  return e;
}

SendFailure classify_error(const HttpResponse& r, TimeMs now, ProviderError e) {
  SendFailure f = classify_failure(r, now, e.code, e.message);
  if (contains(kRateLimitedCodes, e.code)) {
    f.kind = FailureKind::kRateLimited;
    f.retry_after_ms = retry_after_ms(r, now);
  } else if (contains(kAuthCodes, e.code)) {
    f.kind = FailureKind::kAuth;
  } else if (contains(kTransientCodes, e.code)) {
    f.kind = FailureKind::kTransient;
  } else if (contains(kPermanentCodes, e.code)) {
    f.kind = FailureKind::kPermanent;
  }
  f.recipient_opted_out = e.code == "21610";
  f.sender_refused = contains(kSenderCodes, e.code);
  return f;
}

Headers media_fetch_headers(const TwilioApi& api, const std::string& url) {
  const auto scheme_end = api.api_root.find("://");
  if (scheme_end == std::string::npos) return {};
  const auto path = api.api_root.find('/', scheme_end + 3);
  const std::string origin = api.api_root.substr(0, path);
  if (url.size() <= origin.size() || url.compare(0, origin.size(), origin) != 0 ||
      url[origin.size()] != '/') {
    return {};
  }
  return {{"Authorization", basic_auth(api.username, api.password)}};
}

}  // namespace sb::providers::twilio
