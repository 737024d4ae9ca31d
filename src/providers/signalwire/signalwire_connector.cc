// SignalWire connector: configuration, the REST-mode connector (LaML mode is the LaML connector)
// and the registry row.
#include "providers/signalwire/signalwire_connector.h"

#include "providers/signalwire/signalwire_webhook.h"
#include "providers/transport/http_util.h"
#include "providers/twilio/laml_connector.h"
#include "providers/twilio/twilio_numbers.h"
#include "providers/twilio/twilio_webhook.h"

namespace sb::providers::signalwire {

twilio::TwilioApi laml_api(const std::string& space_root, const std::string& project_id,
                           const std::string& api_token, const std::string& status_callback,
                           int timeout_ms) {
  twilio::TwilioApi api;
  api.api_root = space_root + "/api/laml";
  api.account_sid = project_id;
  api.username = project_id;
  api.password = api_token;
  api.status_callback = status_callback;
  api.smart_encoded_param = false;  // the gateway smart-encodes the body itself (dispatcher)
  // SignalWire documents ValidityPeriod's default (14400) but no larger accepted value.
  api.max_validity_s = 14'400;
  api.timeout_ms = timeout_ms;
  return api;
}

SignalWireRestConnector::SignalWireRestConnector(std::string id, RestApi rest,
                                                 twilio::TwilioApi laml, int64_t max_concurrency,
                                                 HttpClient& http, const Clock& clock)
    : id_(std::move(id)),
      rest_(std::move(rest)),
      laml_(std::move(laml)),
      clock_(clock),
      http_(http, max_concurrency) {}

SendResult SignalWireRestConnector::send(const Message& m, const std::string& /*key*/) {
  if (auto carried = check_rest_message(m); !carried) return carried.error();
  return parse_send_response(http_.send(build_send_request(rest_, m)), clock_.now_ms());
}

ProviderResult<void> SignalWireRestConnector::health_check() {
  return twilio::parse_health_response(http_.send(twilio::build_message_page_request(laml_)),
                                       clock_.now_ms());
}

ProviderResult<NumberWebhooks> SignalWireRestConnector::configure_number_webhooks(
    const std::string& number, const std::string& inbound_url, const std::string& status_url) {
  return twilio::configure_number(laml_, "signalwire", number, inbound_url, status_url,
                                  [this](const HttpRequest& r) { return http_.send(r); });
}

ProviderResult<std::vector<OwnedNumber>> SignalWireRestConnector::list_owned_numbers() {
  return twilio::list_numbers(laml_, "signalwire",
                              [this](const HttpRequest& r) { return http_.send(r); });
}

Result<std::unique_ptr<Connector>> make_signalwire_connector(const ConnectorSettings& s,
                                                             ConnectorDeps& deps) {
  std::string space = setting_value(s, "space_url");
  if (space.find("://") == std::string::npos) space = "https://" + space;
  auto space_root = http_url_setting(s, "space_url", space);
  if (!space_root) return space_root.error();
  const std::string host = space_root->substr(space_root->find("://") + 3);
  if (host.find('/') != std::string::npos || host.find('.') == std::string::npos) {
    return setting_error(s, "space_url", "must be the space's host, e.g. example.signalwire.com");
  }
  std::string root = *space_root;
  if (!s.base_url.empty()) {
    auto over = http_url_setting(s, "base_url", s.base_url);
    if (!over) return over.error();
    root = *over;
  }

  const std::string project_id = setting_value(s, "project_id");
  if (!is_uuid(project_id)) {
    return setting_error(s, "project_id",
                         "must be the project id, a UUID like "
                         "ea108133-d6b3-407c-9536-9fad8a929a6a");
  }
  if (auto r = check_secret(s, "api_token"); !r) return r.error();
  if (s.values.count("signing_key")) {
    if (auto r = check_secret(s, "signing_key"); !r) return r.error();
  }
  const std::string api = s.values.count("api") ? setting_value(s, "api") : "laml";
  if (api != "laml" && api != "rest") {
    return setting_error(s, "api", "must be \"laml\" or \"rest\"");
  }

  const std::string callback = webhook_url(deps.public_url, s.id);
  const std::string token = setting_value(s, "api_token");
  const int timeout_ms = static_cast<int>(s.timeout_ms);
  twilio::TwilioApi laml = laml_api(root, project_id, token, callback, timeout_ms);
  if (api == "rest") {
    RestApi rest{root, project_id, token, callback, timeout_ms};
    return std::unique_ptr<Connector>(std::make_unique<SignalWireRestConnector>(
        s.id, std::move(rest), std::move(laml), s.max_concurrency, deps.http, deps.clock));
  }
  twilio::LamlConnectorOptions o;
  o.id = s.id;
  o.provider = "signalwire";
  o.capabilities = kCapabilities;
  o.api = std::move(laml);
  // Reading the Account (project) needs the Management scope; the message list only Messaging,
  // which a sending token has anyway.
  o.probe = twilio::HealthProbe::kMessagePage;
  // redaction blanks the body (LaML "Update a message", Body=""): SignalWire's DELETE
  // keeps the media files anyway (developer.signalwire.com, compatibility-api delete-message).
  o.redact_by_delete = false;
  o.max_concurrency = s.max_concurrency;
  return std::unique_ptr<Connector>(
      std::make_unique<twilio::LamlConnector>(std::move(o), deps.http, deps.clock));
}

namespace {

Result<void> read_webhook_secrets(const ConnectorSettings& s, WebhookSecrets& w) {
  w.signing_key = setting_value(s, "signing_key");
  if (w.signing_key.empty()) w.signing_key = setting_value(s, "api_token");
  return Ok();
}

std::string missing_webhook_material(const WebhookSecrets& w) {
  return w.signing_key.empty() ? "signing_key" : "";
}

}  // namespace

ProviderSpec provider_spec() {
  return {.name = "signalwire",
          .required = {"space_url", "project_id", "api_token"},
          .optional = {"signing_key", "api"},
          .make = make_signalwire_connector,
          .webhook_secrets = read_webhook_secrets,
          .missing_webhook_material = missing_webhook_material,
          .webhook = {verify_webhook, parse_webhook, twilio::laml_reply},
          .capabilities = kCapabilities};
}

}  // namespace sb::providers::signalwire
