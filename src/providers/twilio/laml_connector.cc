// LaML connector: the calls themselves, under the connector's concurrency cap.
#include "providers/twilio/laml_connector.h"

#include "providers/twilio/twilio_numbers.h"

namespace sb::providers::twilio {

LamlConnector::LamlConnector(LamlConnectorOptions options, HttpClient& http, const Clock& clock)
    : options_(std::move(options)), clock_(clock), http_(http, options_.max_concurrency) {}

SendResult LamlConnector::send(const Message& m, const std::string& /*idempotency_key*/) {
  const HttpResponse r = http_.send(build_send_request(options_.api, m, clock_.now_ms()));
  return parse_send_response(r, clock_.now_ms());
}

ProviderResult<StatusQueryResult> LamlConnector::query_status(const Message& m) {
  if (m.provider_message_id.empty()) return unsupported("no provider message id to look up by");
  const HttpResponse r = http_.send(build_status_request(options_.api, m.provider_message_id));
  return parse_status_response(r, clock_.now_ms());
}

ProviderResult<void> LamlConnector::health_check() {
  const HttpRequest req = options_.probe == HealthProbe::kAccount
                              ? build_account_request(options_.api)
                              : build_message_page_request(options_.api);
  return parse_health_response(http_.send(req), clock_.now_ms());
}

ProviderResult<void> LamlConnector::redact(const Message& m) {
  if (m.provider_message_id.empty()) return {};  // the provider never had it
  const HttpRequest req = options_.redact_by_delete
                              ? build_delete_request(options_.api, m.provider_message_id)
                              : build_redact_body_request(options_.api, m.provider_message_id);
  return parse_redact_response(http_.send(req), clock_.now_ms());
}

ProviderResult<NumberWebhooks> LamlConnector::configure_number_webhooks(
    const std::string& number, const std::string& inbound_url, const std::string& status_url) {
  return configure_number(options_.api, options_.provider, number, inbound_url, status_url,
                          [this](const HttpRequest& r) { return http_.send(r); });
}

ProviderResult<std::vector<OwnedNumber>> LamlConnector::list_owned_numbers() {
  return list_numbers(options_.api, options_.provider,
                      [this](const HttpRequest& r) { return http_.send(r); });
}

}  // namespace sb::providers::twilio
