// Sinch SMS REST ("xms") connector: pure batch request builders / parsers plus the connector.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_types.h"
#include "core/result.h"
#include "providers/connector.h"
#include "providers/settings.h"
#include "providers/spec.h"
#include "providers/transport/request_limiter.h"

namespace sb::providers::sinch {

// Sinch has no API for numbers' callbacks (they are set per service plan) and no redaction.
inline constexpr ProviderCapabilities kCapabilities{
    .number_webhooks_by_hand =
        "set the callback URL of the service plan in the Sinch Customer Dashboard (SMS > APIs > "
        "Callback URLs) to this gateway's webhook URL"};

// A validated [[connectors]] table for provider "sinch".
struct SinchConfig {
  std::string id;
  std::string base_url;         // default https://{region}.sms.api.sinch.com; no trailing slash
  std::string service_plan_id;  // path segment of every call
  std::string api_token;        // "Authorization: Bearer <api_token>"
  std::string region = "us";    // us | eu | au | br | ca
  std::string callback_secret;  // HMAC secret for callbacks (webhook issue); unused for sending
  std::string callback_url;     // <public_url>/webhooks/<id>
  int timeout_ms = 10'000;
  int64_t max_concurrency = 16;
};

// Validates the provider keys (service_plan_id, api_token required; region, callback_secret
// optional) and derives base URL and callback URL. Errors name "connectors[<id>].<key>".
Result<SinchConfig> make_config(const ConnectorSettings& s, const std::string& public_url);

// Sinch wants MSISDNs without the leading '+' (and returns them that way).
std::string msisdn(std::string_view e164);

// The batches one message needs: POST {base}/xms/v1/{plan}/batches, JSON {from, to[], body,
// delivery_report: "per_recipient", callback_url, client_reference: <message id>, expire_at}.
// SMS is one mt_text batch. An mt_media batch carries one media URL, so an MMS with N media URLs
// becomes N batches: the first {type: mt_media, body: {url: media[0], message: text}}, the rest
// {url: media[i]} alone, all with the same client_reference. expire_at is
// created_at + validity_period_s when the message has one.
std::vector<HttpRequest> build_send_requests(const SinchConfig& c, const Message& m);
// 2xx batch -> SendAccepted{batch id, "Queued"} (a new batch has no status field; Queued is
// Sinch's first delivery status); anything else is classified by classify_send_failure.
SendResult parse_send_response(const HttpResponse& r, TimeMs now);

// GET {base}/xms/v1/{plan}/batches/{batch_id}/delivery_report/{recipient msisdn}.
HttpRequest build_status_request(const SinchConfig& c, const std::string& batch_id,
                                 const std::string& recipient_e164);
// 2xx recipient_delivery_report_sms|mms -> its status mapped onto ours; failures (404: no report
// yet / unknown batch) classified.
ProviderResult<StatusQueryResult> parse_status_response(const HttpResponse& r, TimeMs now);
// Sinch delivery status -> ours. Unknown words map to kSent (accepted, outcome unknown).
Status map_status(std::string_view sinch_status);

// GET {base}/xms/v1/{plan}/batches?client_reference=<message id>&start_date=<created_at>&
// page_size=10: the batches an earlier attempt of `m` created, if any (Sinch's List batches
// filters by client_reference; start_date defaults to 24 h ago, so it is set explicitly).
HttpRequest build_find_request(const SinchConfig& c, const Message& m);
// 2xx {batches: [{id, client_reference, ...}]} -> found with the first batch whose
// client_reference is the message id; an empty list -> not found; failures classified (a 4xx
// here is never the message's fault, so it is reported as transient).
ProviderResult<PreviousSend> parse_find_response(const HttpResponse& r, const Message& m,
                                                 TimeMs now);

// GET {base}/xms/v1/{plan}/batches?page_size=1: authenticated, reads one row.
HttpRequest build_health_request(const SinchConfig& c);

// Classifies a failed send, keeping Sinch's {code, text}. 401 is auth; 403 is split by code:
// illegal_number_type refuses this recipient (permanent), every other 403 code (blocked_account,
// unprovisioned_region, missing_callback_url, ...) is about the account or service plan (auth /
// config); 404 on the batches endpoint means the service plan is not there (config).
SendFailure classify_send_failure(const HttpResponse& r, TimeMs now);

class SinchConnector final : public Connector {
 public:
  SinchConnector(SinchConfig config, HttpClient& http, const Clock& clock);

  const std::string& id() const override { return config_.id; }
  std::string_view provider() const override { return "sinch"; }
  const ProviderCapabilities& capabilities() const override { return kCapabilities; }
  // Sends every batch of the message; the first batch's id is the provider message id. Batches
  // already accepted for `idempotency_key` are not sent again when a later one failed and the
  // dispatcher retries (kept in memory only: a restart forgets them).
  SendResult send(const Message& m, const std::string& idempotency_key) override;
  // kUnsupported for a message without a provider id (a batch id).
  ProviderResult<StatusQueryResult> query_status(const Message& m) override;
  ProviderResult<void> health_check() override;
  // Only for a message that is one batch (SMS, or MMS with at most one media URL): a message split
  // into several batches could be partly accepted, which a lookup cannot resume safely
  // (kUnsupported).
  ProviderResult<PreviousSend> find_previous_send(const Message& m) override;

  const SinchConfig& config() const { return config_; }

 private:
  // Performs one request while holding one of max_concurrency slots (waits for a free one).
  HttpResponse call(const HttpRequest& req);

  SinchConfig config_;
  RequestLimiter http_;
  const Clock& clock_;
  std::mutex parts_mu_;
  std::map<std::string, std::vector<std::string>> accepted_parts_;  // key -> batch ids so far
};

// Builds a connector from its [[connectors]] table (make_config).
Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& s, ConnectorDeps& deps);
// The registry row: keys, factory, webhooks (HMAC callback_secret, or Basic
// callback_username + callback_password), capabilities.
ProviderSpec provider_spec();

}  // namespace sb::providers::sinch
