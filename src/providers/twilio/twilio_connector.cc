// Twilio connector: configuration, concurrency cap and the calls themselves.
#include "providers/twilio/twilio_connector.h"

#include "providers/registry.h"
#include "providers/transport/http_util.h"
#include "providers/twilio/twilio_numbers.h"

#include <algorithm>
#include <cctype>

namespace sb::providers::twilio {

TwilioConnector::TwilioConnector(TwilioConnectorOptions options, HttpClient& http,
                                 const Clock& clock)
    : options_(std::move(options)), clock_(clock), http_(http, options_.max_concurrency) {}

SendResult TwilioConnector::send(const Message& m, const std::string& /*idempotency_key*/) {
  const HttpResponse r = http_.send(build_send_request(options_.api, m, clock_.now_ms()));
  return parse_send_response(r, clock_.now_ms());
}

std::optional<std::variant<StatusQueryResult, SendFailure>> TwilioConnector::query_status(
    const Message& m) {
  if (m.provider_message_id.empty()) return std::nullopt;
  const HttpResponse r = http_.send(build_status_request(options_.api, m.provider_message_id));
  return parse_status_response(r, clock_.now_ms());
}

std::optional<SendFailure> TwilioConnector::health_check() {
  const HttpRequest req = options_.probe == HealthProbe::kAccount
                              ? build_account_request(options_.api)
                              : build_message_page_request(options_.api);
  return parse_health_response(http_.send(req), clock_.now_ms());
}

std::optional<SendFailure> TwilioConnector::redact(const Message& m) {
  if (m.provider_message_id.empty()) return std::nullopt;  // the provider never had it
  const HttpRequest req = options_.redact_by_delete
                              ? build_delete_request(options_.api, m.provider_message_id)
                              : build_redact_body_request(options_.api, m.provider_message_id);
  return parse_redact_response(http_.send(req), clock_.now_ms());
}

Result<NumberWebhooks> TwilioConnector::configure_number_webhooks(const std::string& number,
                                                                  const std::string& inbound_url,
                                                                  const std::string& status_url) {
  return configure_number(options_.api, options_.provider, number, inbound_url, status_url,
                          [this](const HttpRequest& r) { return http_.send(r); });
}

Result<std::vector<OwnedNumber>> TwilioConnector::list_owned_numbers() {
  return list_numbers(options_.api, options_.provider,
                      [this](const HttpRequest& r) { return http_.send(r); });
}



Result<std::string> http_url_setting(const ConnectorSettings& s, const std::string& key,
                                     std::string url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return setting_error(s, key, "must be an http:// or https:// URL");
  }
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return std::isspace(c); })) {
    return setting_error(s, key, "must not contain whitespace");
  }
  while (url.back() == '/') url.pop_back();
  if (url.size() <= std::string_view("https://").size()) return setting_error(s, key, "has no host");
  return url;
}

bool is_sid(std::string_view v, std::string_view prefix) {
  if (v.size() != prefix.size() + 32 || v.substr(0, prefix.size()) != prefix) return false;
  return std::all_of(v.begin() + prefix.size(), v.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; });
}

namespace {

std::string value(const ConnectorSettings& s, const std::string& key) {
  auto it = s.values.find(key);
  return it == s.values.end() ? std::string() : it->second;
}

}  // namespace

Result<void> check_secret(const ConnectorSettings& s, const std::string& key) {
  const std::string v = value(s, key);
  if (v.empty()) return setting_error(s, key, "must not be empty");
  if (std::any_of(v.begin(), v.end(), [](unsigned char c) { return std::isspace(c); })) {
    return setting_error(s, key, "must not contain whitespace");
  }
  return Ok();
}

Result<std::unique_ptr<Connector>> make_twilio_connector(const ConnectorSettings& s,
                                                         ConnectorDeps& deps) {
  TwilioConnectorOptions o;
  o.id = s.id;
  o.provider = "twilio";
  o.max_concurrency = s.max_concurrency;
  TwilioApi& api = o.api;
  api.timeout_ms = static_cast<int>(s.timeout_ms);
  api.max_validity_s = 36'000;  // Twilio error 21624/90007: 1..36000 seconds

  auto root = http_url_setting(s, "base_url",
                               s.base_url.empty() ? std::string(kDefaultBaseUrl) : s.base_url);
  if (!root) return root.error();
  api.api_root = *root;

  api.account_sid = value(s, "account_sid");
  if (!is_sid(api.account_sid, "AC")) {
    return setting_error(s, "account_sid", "must be a Twilio Account SID (AC + 32 hex digits)");
  }

  const bool has_token = s.values.count("auth_token") > 0;
  const bool has_key_sid = s.values.count("api_key_sid") > 0;
  const bool has_key_secret = s.values.count("api_key_secret") > 0;
  if (has_key_sid != has_key_secret) {
    return setting_error(s, has_key_sid ? "api_key_secret" : "api_key_sid",
                        "api_key_sid and api_key_secret go together");
  }
  if (!has_token && !has_key_sid) {
    return setting_error(s, "auth_token",
                        "is required (or api_key_sid + api_key_secret) for provider twilio");
  }
  if (has_token) {
    if (auto r = check_secret(s, "auth_token"); !r) return r.error();
  }
  if (has_key_sid) {
    if (!is_sid(value(s, "api_key_sid"), "SK")) {
      return setting_error(s, "api_key_sid", "must be a Twilio API Key SID (SK + 32 hex digits)");
    }
    if (auto r = check_secret(s, "api_key_secret"); !r) return r.error();
    api.username = value(s, "api_key_sid");
    api.password = value(s, "api_key_secret");
    o.probe = HealthProbe::kMessagePage;  // standard/restricted keys may not read /Accounts
  } else {
    api.username = api.account_sid;
    api.password = value(s, "auth_token");
    o.probe = HealthProbe::kAccount;
  }

  if (s.values.count("messaging_service_sid")) {
    api.messaging_service_sid = value(s, "messaging_service_sid");
    if (!is_sid(api.messaging_service_sid, "MG")) {
      return setting_error(s, "messaging_service_sid",
                          "must be a Messaging Service SID (MG + 32 hex digits)");
    }
  }
  api.status_callback = webhook_url(deps.public_url, s.id);
  return std::unique_ptr<Connector>(
      std::make_unique<TwilioConnector>(std::move(o), deps.http, deps.clock));
}

ProviderSpec twilio_provider_spec() {
  return {"twilio",
          {"account_sid"},
          {"auth_token", "api_key_sid", "api_key_secret", "messaging_service_sid"},
          make_twilio_connector};
}

}  // namespace sb::providers::twilio
