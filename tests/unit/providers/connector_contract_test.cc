// The connector contract, once for every provider: what each provider's tests used to repeat
// (build from settings, send against the loopback fake, classify 4xx/401/429/5xx/timeout/refused,
// cap requests in flight, health check, status query, unsupported calls reaching nothing, webhook
// signatures accepted and forgeries refused). The per-provider files keep what only that provider
// does: exact request bodies, its error codes beyond these, its webhook payloads and signature
// variants.
//
// Payloads are the documented ones the per-provider tests cite (twilio_test.cc, signalwire_test.cc,
// telnyx_test.cc, sinch_test.cc, voicemeup_test.cc and their *_webhook_test.cc).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/twilio_signature.h"
#include "providers/registry.h"
#include "providers/signalwire/signalwire_connector.h"
#include "providers/sim/sim_connector.h"
#include "providers/sinch/sinch_connector.h"
#include "providers/telnyx/telnyx_connector.h"
#include "providers/transport/curl_client.h"
#include "providers/transport/http_util.h"
#include "providers/twilio/twilio_connector.h"
#include "providers/twilio/twilio_webhook.h"
#include "providers/voicemeup/voicemeup_connector.h"
#include "support/counting_client.h"
#include "support/fake_provider.h"
#include "support/webhook_signing.h"
#include "voicemeup_payloads.h"

namespace sb::providers {
namespace {

using nlohmann::json;
using test::FakeReply;

constexpr TimeMs kNow = 1'700'000'000'000;
constexpr int64_t kNowS = kNow / 1000;
constexpr char kPublicUrl[] = "https://gw.example.com";

// ---- the providers' documented answers ---------------------------------------------------------

// Twilio docs "Twilio API responses", the JSON message; errors in TwilioRestError's shape
// (twilio-go client/error.go) with codes from Twilio's error dictionary.
constexpr char kTwilioSid[] = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kTwilioBasic[] =  // base64("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:your_auth_token")
    "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp5b3VyX2F1dGhfdG9rZW4=";
constexpr char kTwilioQueued[] =
    R"({"sid": "SM1f0e8ae6ade43cb3c0ce4525424e404f", "status": "queued", "to": "+14155550123",
        "from": "+12025550100", "body": "Hello", "api_version": "2010-04-01"})";
constexpr char kTwilioAuthFailed[] =
    R"({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})";

// SignalWire: developer.signalwire.com Compatibility API "The Message Object" sample (trimmed);
// 21217 from its error-code table; REST shapes from our reference notes (signalwire_test.cc).
constexpr char kSwProject[] = "ea108133-d6b3-407c-9536-9fad8a929a6a";
constexpr char kSwBasic[] =  // base64("<project>:PTda745ebXXXXXXXXXXXXXXXXXXXXXX")
    "Basic "
    "ZWExMDgxMzMtZDZiMy00MDdjLTk1MzYtOWZhZDhhOTI5YTZhOlBUZGE3NDVlYlhYWFhYWFhYWFhYWFhYWFhYWFhYWFg=";
constexpr char kSwLamlMessage[] =
    R"({"account_sid": "ea108133-d6b3-407c-9536-9fad8a929a6a", "api_version": "2010-04-01",
        "sid": "0a059168-ead0-41af-9d1f-343dae832527", "status": "queued"})";
constexpr char kSwLamlAuth[] =
    R"({"code": 20003, "message": "Authentication failed", "more_info": "https://developer.signalwire.com/compatibility-api/reference/errors", "status": 401})";
constexpr char kSwRestCreated[] =
    R"({"id": "8e1b7a3c-5b1d-4e9e-9d4c-2f6b9f0c1a11", "status": "queued", "kind": "sms",
        "number_of_segments": 1, "media": []})";

// Telnyx OpenAPI spec (openapi/spec3.json), the send response trimmed; errors in its documented
// envelope {errors: [{code, title, detail}]}.
constexpr char kTelnyxProfile[] = "4000eba1-a0c0-4563-9925-b25e842a7cb6";
constexpr char kTelnyxSent[] =
    R"({"data": {"record_type": "message", "id": "40385f64-5717-4562-b3fc-2c963f66afa6",
        "to": [{"phone_number": "+14155550123", "status": "queued"}], "errors": []}})";
constexpr char kTelnyxAuthFailed[] =
    R"({"errors": [{"code": "10009", "title": "Authentication failed",
  "detail": "The required authentication headers were either invalid or not included in the request."}]})";

// Sinch: sinch-sdk-java contract fixtures (TextResponseDto.json,
// DeliveryReportRecipientSMSDto.json, error-response.json), trimmed; codes from Sinch's "HTTP
// Status Codes for the SMS REST API".
constexpr char kSinchPlan[] = "jd63jf88477ll123ab4567cd89012ef3";
constexpr char kSinchBatch[] =
    R"({"id": "01FC66621XXXXX119Z8PMV1QPQ", "to": ["14155550123"], "from": "12025550100",
        "canceled": false, "body": "Hello", "type": "mt_text"})";

// VoiceMeUp: voicemeup_payloads.h.
using voicemeup::test_payloads::error_body;
using voicemeup::test_payloads::success_body;

// ---- one row per connector ---------------------------------------------------------------------

struct FailureCase {
  FakeReply reply;
  FailureKind kind;
  std::string code;
  std::optional<int64_t> retry_after_ms;
  bool recipient_opted_out = false;
  std::string message;  // the provider's words, kept verbatim ("": any, not empty)
};

struct ConnectorCase {
  std::string name;      // the test's name
  std::string provider;  // the spec it is built from
  std::string id;
  std::map<std::string, std::string> values;
  // Send: the fake's answer to an accepted SMS, the id it carries, the request line, and the
  // Authorization header of every call ("" for a provider whose credentials are form fields).
  FakeReply accepted;
  std::string accepted_id;
  std::string send_target;
  std::string authorization;
  // Documented answers to a send and their classes; the first kAuth one also answers a probe.
  std::vector<FailureCase> failures;
  // Health check: the fake's success answer and the request it proves credentials with; nullopt
  // when the provider has no such call (health_check is ok without a request).
  std::optional<FakeReply> health_ok;
  std::string health_target;
  // Status query by provider id: the answer saying "delivered" (in the provider's word) and the
  // request; nullopt when the provider has no lookup (kUnsupported without a request).
  std::optional<FakeReply> status_delivered;
  std::string delivered_word = "delivered";
  std::string status_provider_id;
  std::string status_target;
  bool previous_send_lookup = false;  // find_previous_send asks the provider (Sinch)
  ProviderCapabilities capabilities;  // what the connector reports
};

std::string twilio_messages() {
  return std::string("/2010-04-01/Accounts/") + kTwilioSid + "/Messages";
}
std::string sw_laml(const std::string& rest) {
  return std::string("/api/laml/2010-04-01/Accounts/") + kSwProject + rest;
}
std::string sinch_batches() { return std::string("/xms/v1/") + kSinchPlan + "/batches"; }

std::vector<ConnectorCase> connector_cases() {
  std::vector<ConnectorCase> out;
  {
    ConnectorCase c;
    c.name = "twilio";
    c.provider = "twilio";
    c.id = "tw";
    c.values = {{"account_sid", kTwilioSid}, {"auth_token", "your_auth_token"}};
    c.accepted = {201, kTwilioQueued};
    c.accepted_id = "SM1f0e8ae6ade43cb3c0ce4525424e404f";
    c.send_target = twilio_messages() + ".json";
    c.authorization = kTwilioBasic;
    c.failures = {
        {{400,
          R"({"code": 21211, "message": "Invalid 'To' Phone Number: +1500555000", "status": 400})"},
         FailureKind::kPermanent,
         "21211",
         {},
         false,
         "Invalid 'To' Phone Number: +1500555000"},
        {{400,
          R"({"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400})"},
         FailureKind::kPermanent,
         "21610",
         {},
         /*recipient_opted_out=*/true},
        {{401, kTwilioAuthFailed}, FailureKind::kAuth, "20003", {}},
        {{429,
          R"({"code": 20429, "message": "Too Many Requests", "status": 429})",
          "application/json",
          {{"Retry-After", "2"}}},
         FailureKind::kRateLimited,
         "20429",
         2000},
        {{500, R"({"code": 20500, "message": "Internal Server Error", "status": 500})"},
         FailureKind::kTransient,
         "20500",
         {}},
        {{503, "Service Unavailable", "text/plain"}, FailureKind::kTransient, "http_503", {}},
    };
    c.health_ok = FakeReply{200, R"({"sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})"};
    c.health_target = std::string("/2010-04-01/Accounts/") + kTwilioSid + ".json";
    c.status_delivered =
        FakeReply{200, R"({"sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "status": "delivered",
                           "error_code": null, "error_message": null})"};
    c.status_provider_id = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    c.status_target = twilio_messages() + "/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json";
    c.capabilities = twilio::kCapabilities;
    out.push_back(std::move(c));
  }
  ConnectorCase sw;
  sw.provider = "signalwire";
  sw.id = "sw";
  sw.values = {{"space_url", "example.signalwire.com"},
               {"project_id", kSwProject},
               {"api_token", "PTda745ebXXXXXXXXXXXXXXXXXXXXXX"}};
  sw.authorization = kSwBasic;
  sw.health_ok = FakeReply{200, R"({"messages": [], "next_page_uri": null})"};
  sw.health_target = sw_laml("/Messages.json?PageSize=1");
  {
    ConnectorCase c = sw;
    c.name = "signalwire_laml";
    c.accepted = {201, kSwLamlMessage};
    c.accepted_id = "0a059168-ead0-41af-9d1f-343dae832527";
    c.send_target = sw_laml("/Messages.json");
    c.failures = {
        {{400,
          R"({"code": 21217, "message": "A call or SMS is placed to a destination which does not represent a valid phone number", "status": 400})"},
         FailureKind::kPermanent,
         "21217",
         {}},
        {{401, kSwLamlAuth}, FailureKind::kAuth, "20003", {}},
        {{429,
          R"({"code": 20429, "message": "Too Many Requests", "status": 429})",
          "application/json",
          {{"Retry-After", "1"}}},
         FailureKind::kRateLimited,
         "20429",
         1000},
        {{500, "{}"}, FailureKind::kTransient, "http_500", {}},
    };
    c.status_delivered =
        FakeReply{200, R"({"sid": "0a059168-ead0-41af-9d1f-343dae832527", "status": "delivered",
                           "error_code": null, "error_message": null})"};
    c.status_provider_id = "0a059168-ead0-41af-9d1f-343dae832527";
    c.status_target = sw_laml("/Messages/0a059168-ead0-41af-9d1f-343dae832527.json");
    c.capabilities = signalwire::kCapabilities;
    out.push_back(std::move(c));
  }
  {
    ConnectorCase c = sw;
    c.name = "signalwire_rest";
    c.values["api"] = "rest";
    c.accepted = {201, kSwRestCreated};
    c.accepted_id = "8e1b7a3c-5b1d-4e9e-9d4c-2f6b9f0c1a11";
    c.send_target = "/api/messaging/messages";
    c.failures = {
        {{422,
          R"({"errors": [{"type": "validation_error", "code": "invalid_parameter",
              "message": "To is not a valid phone number", "attribute": "to"}]})"},
         FailureKind::kPermanent,
         "invalid_parameter",
         {}},
        {{401, kSwLamlAuth}, FailureKind::kAuth, "20003", {}},
        {{429,
          R"({"errors": [{"code": "rate_limited", "message": "Too Many Requests"}]})",
          "application/json",
          {{"Retry-After", "1"}}},
         FailureKind::kRateLimited,
         "rate_limited",
         1000},
        {{500, "{}"}, FailureKind::kTransient, "http_500", {}},
    };
    c.capabilities = signalwire::kRestCapabilities;  // no redaction in REST mode
    out.push_back(std::move(c));
  }
  {
    ConnectorCase c;
    c.name = "telnyx";
    c.provider = "telnyx";
    c.id = "tx";
    c.values = {{"api_key", "KEY0123_abc"}, {"messaging_profile_id", kTelnyxProfile}};
    c.accepted = {200, kTelnyxSent};
    c.accepted_id = "40385f64-5717-4562-b3fc-2c963f66afa6";
    c.send_target = "/v2/messages";
    c.authorization = "Bearer KEY0123_abc";
    c.failures = {
        {{400, R"({"errors": [{"code": "40310", "title": "Invalid 'to' address",
              "detail": "The 'to' address should be a single valid number."}]})"},
         FailureKind::kPermanent,
         "40310",
         {}},
        {{401, kTelnyxAuthFailed}, FailureKind::kAuth, "10009", {}},
        {{429,
          R"({"errors": [{"code": "10011", "title": "Too many requests",
              "detail": "You have exceeded the maximum number of allowed requests."}]})",
          "application/json",
          {{"Retry-After", "2"}}},
         FailureKind::kRateLimited,
         "10011",
         2000},
        {{500, R"({"errors": [{"code": "10007", "title": "Unexpected error",
              "detail": "An unexpected error occured."}]})"},
         FailureKind::kTransient,
         "10007",
         {}},
    };
    c.health_ok = FakeReply{200, R"({"data": {"id": "4000eba1-a0c0-4563-9925-b25e842a7cb6"}})"};
    c.health_target = std::string("/v2/messaging_profiles/") + kTelnyxProfile;
    json delivered = json::parse(kTelnyxSent);
    delivered["data"]["to"][0]["status"] = "delivered";
    c.status_delivered = FakeReply{200, delivered.dump()};
    c.status_provider_id = "40385f64-5717-4562-b3fc-2c963f66afa6";
    c.status_target = "/v2/messages/40385f64-5717-4562-b3fc-2c963f66afa6";
    c.capabilities = telnyx::kCapabilities;
    out.push_back(std::move(c));
  }
  {
    ConnectorCase c;
    c.name = "sinch";
    c.provider = "sinch";
    c.id = "sn";
    c.values = {{"service_plan_id", kSinchPlan}, {"api_token", "tok123"}};
    c.accepted = {201, kSinchBatch};
    c.accepted_id = "01FC66621XXXXX119Z8PMV1QPQ";
    c.send_target = sinch_batches();
    c.authorization = "Bearer tok123";
    c.failures = {
        {{400,
          R"({"code": "syntax_invalid_parameter_format", "text": "'foo' is not a valid identifier"})"},
         FailureKind::kPermanent,
         "syntax_invalid_parameter_format",
         {}},
        {{401, R"({"code":"unauthorized","text":"Unauthorized"})"},
         FailureKind::kAuth,
         "unauthorized",
         {}},
        {{429, "", "application/json", {{"Retry-After", "2"}}},
         FailureKind::kRateLimited,
         "http_429",
         2000},
        {{500, ""}, FailureKind::kTransient, "http_500", {}},
    };
    c.health_ok = FakeReply{200, R"({"batches": [], "page": 0, "page_size": 1, "count": 0})"};
    c.health_target = sinch_batches() + "?page_size=1";
    c.status_delivered = FakeReply{
        200, R"({"type": "recipient_delivery_report_sms", "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
                 "recipient": "+14155550123", "code": 0, "status": "Delivered",
                 "at": "2022-08-30T08:16:08.930Z"})"};
    c.status_provider_id = "01FC66621XXXXX119Z8PMV1QPQ";
    c.status_target = sinch_batches() + "/01FC66621XXXXX119Z8PMV1QPQ/delivery_report/14155550123";
    c.delivered_word = "Delivered";
    c.previous_send_lookup = true;
    c.capabilities = sinch::kCapabilities;
    out.push_back(std::move(c));
  }
  {
    ConnectorCase c;
    c.name = "voicemeup";
    c.provider = "voicemeup";
    c.id = "vmu";
    c.values = {{"username", "acme-api"}, {"auth_token", "tok_123"}};
    c.accepted = {200, success_body("c3efc8a3-f901-52ac-9868-93f6e89d10f6")};
    c.accepted_id = "c3efc8a3-f901-52ac-9868-93f6e89d10f6";
    c.send_target = "/api/v1.1/json/queue_sms";
    c.authorization = "";  // credentials are form fields
    c.failures = {
        {{400, error_body("invalid_destination_number", "Invalid destination number")},
         FailureKind::kPermanent,
         "invalid_destination_number",
         {},
         false,
         "Invalid destination number"},
        {{401, error_body("invalid_credentials", "Authentication failed")},
         FailureKind::kAuth,
         "invalid_credentials",
         {}},
        {{429, "", "text/plain", {{"Retry-After", "2"}}},
         FailureKind::kRateLimited,
         "http_429",
         2000},
        {{500, "oops", "text/plain"}, FailureKind::kTransient, "http_500", {}},
    };
    c.capabilities = voicemeup::kCapabilities;
    out.push_back(std::move(c));
  }
  return out;
}

Message sms(std::string id = "msg_1") {
  Message m;
  m.id = std::move(id);
  m.from = "+12025550100";
  m.to = "+14155550123";
  m.body = "Hello";
  m.created_at = kNow;
  return m;
}

// "<prefix><i>", built with append: GCC 12 at -O3 warns (-Wrestrict, a known false positive) on
// "literal" + std::string.
std::string numbered(std::string prefix, size_t i) { return prefix.append(std::to_string(i)); }

void PrintTo(const ConnectorCase& c, std::ostream* os) { *os << c.name; }

class ConnectorContract : public ::testing::TestWithParam<ConnectorCase> {
 protected:
  ConnectorSettings settings(std::string base_url) const {
    ConnectorSettings s;
    s.id = GetParam().id;
    s.provider = GetParam().provider;
    s.base_url = std::move(base_url);
    s.timeout_ms = timeout_ms_;
    s.max_concurrency = max_concurrency_;
    s.values = GetParam().values;
    return s;
  }
  std::unique_ptr<Connector> make(HttpClient* http = nullptr, std::string base_url = {}) {
    ConnectorDeps deps{clock_, http ? *http : *http_, kPublicUrl};
    auto made = make_connector(settings(base_url.empty() ? fake_.base_url() : base_url), deps);
    EXPECT_TRUE(made) << made.error().message;
    if (!made) return nullptr;
    return std::move(*made);
  }
  const FailureCase& auth_case() const {
    for (const auto& f : GetParam().failures) {
      if (f.kind == FailureKind::kAuth) return f;
    }
    throw std::logic_error("every provider documents an auth failure");
  }

  test::FakeProvider fake_;
  ManualClock clock_{kNow};
  std::unique_ptr<HttpClient> http_ = make_curl_client();
  int64_t timeout_ms_ = 2000;
  int64_t max_concurrency_ = 4;
};

TEST_P(ConnectorContract, BuildsFromItsSpecAndReportsItsCapabilities) {
  const ConnectorCase& p = GetParam();
  auto c = make();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->provider(), p.provider);
  EXPECT_EQ(c->id(), p.id);
  EXPECT_EQ(c->capabilities(), p.capabilities);
  EXPECT_EQ(fake_.request_count(), 0u);  // building calls nothing
}

TEST_P(ConnectorContract, SendsAndReadsTheAcceptance) {
  const ConnectorCase& p = GetParam();
  auto c = make();
  fake_.push(p.accepted);
  auto r = c->send(sms(), "msg_1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->provider_message_id, p.accepted_id);
  EXPECT_FALSE(r->provider_status.empty());
  const auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, p.send_target);
  EXPECT_EQ(reqs[0].header("authorization"), p.authorization);
}

TEST_P(ConnectorContract, ClassifiesEveryDocumentedFailure) {
  const ConnectorCase& p = GetParam();
  auto c = make();
  for (size_t i = 0; i < p.failures.size(); ++i) {
    const FailureCase& tc = p.failures[i];
    fake_.push(tc.reply);
    auto r = c->send(sms(), numbered("k", i));
    ASSERT_FALSE(r) << tc.code;
    const SendFailure& f = r.error();
    EXPECT_EQ(f.kind, tc.kind) << tc.code;
    EXPECT_EQ(f.code, tc.code);
    EXPECT_FALSE(f.message.empty()) << tc.code;
    if (!tc.message.empty()) {
      EXPECT_EQ(f.message, tc.message);
    }
    EXPECT_EQ(f.retry_after_ms, tc.retry_after_ms) << tc.code;
    EXPECT_EQ(f.recipient_opted_out, tc.recipient_opted_out) << tc.code;
  }
  EXPECT_EQ(fake_.request_count(), p.failures.size());
}

TEST_P(ConnectorContract, AReplySlowerThanTheTimeoutIsATransientTimeout) {
  timeout_ms_ = 300;
  auto c = make();
  FakeReply late = GetParam().accepted;
  late.delay_ms = 800;
  fake_.push(late);
  const auto started = std::chrono::steady_clock::now();
  auto r = c->send(sms(), "k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, FailureKind::kTransient);
  EXPECT_EQ(r.error().code, "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(700));
}

TEST_P(ConnectorContract, ConnectionRefusedIsTransient) {
  auto c = make(nullptr, "http://127.0.0.1:1");
  auto r = c->send(sms(), "k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, FailureKind::kTransient);
  EXPECT_EQ(r.error().code, "connection_error");
}

TEST_P(ConnectorContract, ARetryAfterATransientFailureIsOneMoreRequest) {
  auto c = make();
  fake_.push({503, "", "text/plain"});
  fake_.push(GetParam().accepted);
  auto first = c->send(sms(), "msg_1");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind, FailureKind::kTransient);
  auto retry = c->send(sms(), "msg_1");
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_EQ(retry->provider_message_id, GetParam().accepted_id);
  EXPECT_EQ(fake_.request_count(), 2u);
}

TEST_P(ConnectorContract, NeverMoreThanMaxConcurrencyRequestsInFlight) {
  FakeReply slow = GetParam().accepted;
  slow.delay_ms = 100;
  fake_.set_responder([slow](const test::RecordedRequest&) { return slow; });
  test::CountingClient counting(*http_);
  max_concurrency_ = 2;
  auto c = make(&counting);
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      if (c->send(sms(numbered("msg_", i)), numbered("k", i))) ++accepted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 6);  // beyond the cap, requests wait; none are refused
  EXPECT_EQ(counting.max(), 2);
}

TEST_P(ConnectorContract, HealthCheckProvesTheCredentials) {
  const ConnectorCase& p = GetParam();
  auto c = make();
  if (!p.health_ok) {
    EXPECT_TRUE(c->health_check());  // no such call: unknown, not failed
    EXPECT_EQ(fake_.request_count(), 0u);
    return;
  }
  fake_.push(*p.health_ok);
  auto ok = c->health_check();
  EXPECT_TRUE(ok) << ok.error().message;
  fake_.push(auth_case().reply);
  auto refused = c->health_check();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, FailureKind::kAuth);
  EXPECT_EQ(refused.error().code, auth_case().code);
  const auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].target, p.health_target);
  EXPECT_EQ(reqs[0].header("authorization"), p.authorization);
}

TEST_P(ConnectorContract, StatusQueryByProviderId) {
  const ConnectorCase& p = GetParam();
  auto c = make();
  Message m = sms();
  EXPECT_TRUE(is_unsupported(c->query_status(m)));  // never accepted: nothing to look up by
  m.provider_message_id = p.status_provider_id.empty() ? "x1" : p.status_provider_id;
  if (!p.status_delivered) {
    EXPECT_TRUE(is_unsupported(c->query_status(m)));
    EXPECT_EQ(fake_.request_count(), 0u);
    return;
  }
  EXPECT_EQ(fake_.request_count(), 0u);
  fake_.push(*p.status_delivered);
  auto q = c->query_status(m);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->status, Status::kDelivered);
  EXPECT_EQ(q->provider_status, p.delivered_word);
  const auto req = fake_.requests().at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, p.status_target);
  EXPECT_EQ(req.header("authorization"), p.authorization);
  fake_.push(auth_case().reply);
  auto refused = c->query_status(m);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, FailureKind::kAuth);
}

TEST_P(ConnectorContract, WhatItDoesNotOfferReachesNoProvider) {
  const ConnectorCase& p = GetParam();
  auto c = make();
  Message m = sms();
  m.provider_message_id = "x1";
  if (!p.capabilities.redaction) {
    auto r = c->redact(m);
    ASSERT_FALSE(r);
    EXPECT_TRUE(is_unsupported(r));
    EXPECT_EQ(r.error().code, "unsupported");
  }
  if (!p.capabilities.number_webhooks) {
    auto configured = c->configure_number_webhooks("+14155550100", "u", "u");
    ASSERT_TRUE(is_unsupported(configured));
    EXPECT_EQ(configured.error().code, "not_supported");
    // It says where to configure them by hand.
    ASSERT_FALSE(p.capabilities.number_webhooks_by_hand.empty());
    EXPECT_NE(configured.error().message.find(p.capabilities.number_webhooks_by_hand),
              std::string::npos)
        << configured.error().message;
    EXPECT_EQ(numbers_error(configured.error()).code, "not_supported");
    auto listed = c->list_owned_numbers();
    ASSERT_TRUE(is_unsupported(listed));
    EXPECT_EQ(numbers_error(listed.error()).code, "not_supported");
  }
  if (!p.previous_send_lookup) {
    EXPECT_TRUE(is_unsupported(c->find_previous_send(m)));
  }
  EXPECT_EQ(fake_.request_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Providers, ConnectorContract, ::testing::ValuesIn(connector_cases()),
                         [](const auto& info) { return info.param.name; });

// ---- every spec in the registry, the simulated carrier included --------------------------------

// The provider keys of a connector that builds, and one required key (none for the sim).
struct SpecCase {
  std::string provider;
  std::map<std::string, std::string> values;
  std::string a_required_key;
};

std::vector<SpecCase> spec_cases() {
  return {
      {"sim", {{"journal", ""}}, ""},
      {"twilio", {{"account_sid", kTwilioSid}, {"auth_token", "t"}}, "account_sid"},
      {"signalwire",
       {{"space_url", "example.signalwire.com"}, {"project_id", kSwProject}, {"api_token", "t"}},
       "project_id"},
      {"telnyx", {{"api_key", "KEYabc"}}, "api_key"},
      {"sinch", {{"service_plan_id", "abc"}, {"api_token", "t"}}, "service_plan_id"},
      {"voicemeup", {{"username", "u"}, {"auth_token", "t"}}, "auth_token"},
  };
}

void PrintTo(const SpecCase& c, std::ostream* os) { *os << c.provider; }

class SpecContract : public ::testing::TestWithParam<SpecCase> {
 protected:
  ConnectorSettings settings(std::map<std::string, std::string> values) const {
    ConnectorSettings s;
    s.id = "c1";
    s.provider = GetParam().provider;
    s.values = std::move(values);
    return s;
  }
  ManualClock clock_{kNow};
  std::unique_ptr<HttpClient> http_ = make_curl_client();
  ConnectorDeps deps_{clock_, *http_, kPublicUrl};
};

TEST_P(SpecContract, TheRegistryListsItAndItBuildsWhatItDescribes) {
  const ProviderSpec* spec = find_provider(GetParam().provider);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->name, GetParam().provider);
  ASSERT_TRUE(spec->make);
  ASSERT_TRUE(spec->webhook.verify);
  ASSERT_TRUE(spec->webhook.parse);
  for (const auto& [k, _] : GetParam().values) EXPECT_TRUE(spec->takes(k)) << k;
  auto made = make_connector(settings(GetParam().values), deps_);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ((*made)->provider(), spec->name);
  EXPECT_EQ((*made)->id(), "c1");
  // In its default configuration a connector can do what its provider's spec says.
  EXPECT_EQ((*made)->capabilities(), spec->capabilities);
}

TEST_P(SpecContract, UnknownAndMissingKeysNameTheConnectorAndKey) {
  auto values = GetParam().values;
  values["nope"] = "x";
  auto unknown = make_connector(settings(values), deps_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "connectors[c1].nope");
  EXPECT_EQ(unknown.error().message,
            "connectors[c1].nope: unknown key for provider " + GetParam().provider);
  if (GetParam().a_required_key.empty()) return;
  values = GetParam().values;
  values.erase(GetParam().a_required_key);
  auto missing = make_connector(settings(values), deps_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "connectors[c1]." + GetParam().a_required_key);
  EXPECT_EQ(missing.error().message, "connectors[c1]." + GetParam().a_required_key +
                                         ": is required for provider " + GetParam().provider);
}

INSTANTIATE_TEST_SUITE_P(Providers, SpecContract, ::testing::ValuesIn(spec_cases()),
                         [](const auto& info) { return info.param.provider; });

TEST(Registry, AnUnknownProviderNamesTheKnownOnes) {
  ManualClock clock;
  auto http = make_curl_client();
  ConnectorDeps deps{clock, *http, kPublicUrl};
  ConnectorSettings s;
  s.id = "c1";
  s.provider = "nope";
  auto made = make_connector(s, deps);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().message,
            "connectors[c1].provider: unknown provider 'nope' (known: sim, twilio, signalwire, "
            "telnyx, sinch, voicemeup, smpp)");
  WebhookSecrets w;
  w.provider = "nope";
  EXPECT_FALSE(verify_webhook(w, WebhookRequest{}, kNow));
  EXPECT_FALSE(parse_webhook("nope", WebhookRequest{}, kNow));
  EXPECT_EQ(webhook_reply("nope", WebhookRequest{}).body, "{}");
}

// ---- webhooks: each provider's material, read from its keys, verifies its genuine requests ----

struct WebhookCase {
  std::string provider;
  // Its webhook keys, what missing_webhook_material names without them, and how verification
  // says so.
  std::function<std::map<std::string, std::string>()> keys;
  std::string missing;
  std::string not_configured;
  // A genuine inbound message as the provider sends it, signed with `keys`' material.
  std::function<WebhookRequest()> genuine;
  // The same request tampered with after signing (or sent to the wrong secret).
  std::function<WebhookRequest(WebhookRequest)> forge;
  std::string reply_content_type;
  std::string reply_body;
};

const test::Ed25519Key& telnyx_key() {
  static const test::Ed25519Key key;
  return key;
}

WebhookRequest form_hook(const std::string& url, const FormFields& fields,
                         const std::string& header, const std::string& key) {
  WebhookRequest r;
  r.url = url;
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
               {header, sb::twilio_signature(key, url, fields)}};
  r.body = form_encode(fields);
  return r;
}

const FormFields kLamlInbound = {{"MessageSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f"},
                                 {"SmsStatus", "received"},
                                 {"From", "+14155550100"},
                                 {"To", "+14155552671"},
                                 {"Body", "Hello from my phone"},
                                 {"NumMedia", "0"}};

WebhookRequest tamper_body(WebhookRequest r) {
  r.body.replace(r.body.find("Hello"), 5, "Howdy");
  return r;
}

std::vector<WebhookCase> webhook_cases() {
  const std::string twiml = R"(<?xml version="1.0" encoding="UTF-8"?><Response/>)";
  return {
      {"twilio",
       [] {
         return std::map<std::string, std::string>{{"auth_token", "12345"}};
       },
       "auth_token", "not configured: signing_key (the Twilio Auth Token)",
       [] {
         return form_hook("https://gw.example.com/webhooks/c1", kLamlInbound, "X-Twilio-Signature",
                          "12345");
       },
       tamper_body, "text/xml", twiml},
      {"signalwire",
       [] {
         return std::map<std::string, std::string>{{"signing_key", "PSK_0123456789"}};
       },
       "signing_key", "not configured: signing_key (the SignalWire Signing Key)",
       [] {
         return form_hook("https://gw.example.com/webhooks/c1", kLamlInbound,
                          "X-SignalWire-Signature", "PSK_0123456789");
       },
       tamper_body, "text/xml", twiml},
      {"telnyx",
       [] {
         return std::map<std::string, std::string>{
             {"public_key", telnyx_key().public_key_base64()}};
       },
       "public_key", "not configured: public_key",
       [] {
         WebhookRequest r;
         r.url = "https://gw.example.com/webhooks/c1";
         r.headers = {{"Content-Type", "application/json"}};
         r.body = R"({"data": {"id": "bf6307bd-884d-4c1f-b6ea-c62b8c495d3c",
             "event_type": "message.received", "occurred_at": "2019-01-23T18:10:02.574Z",
             "payload": {"direction": "inbound", "id": "7ee4241c-f127-47e5-9c34-3aac291f8058",
               "from": {"phone_number": "+18665550001"},
               "to": [{"phone_number": "+18445550001", "status": "delivered"}],
               "text": "Hello, World!", "media": [], "parts": 1,
               "received_at": "2019-01-23T18:10:02.574Z"}}})";
         for (auto& h : test::telnyx_signature_headers(telnyx_key(), r.body, kNowS)) {
           r.headers.push_back(std::move(h));
         }
         return r;
       },
       tamper_body, "application/json", "{}"},
      {"sinch",
       [] {
         return std::map<std::string, std::string>{{"callback_secret", "sinch-secret"}};
       },
       "callback_secret (or callback_username + callback_password)",
       "not configured: hmac_secret (or basic_username/basic_password)",
       [] {
         WebhookRequest r;
         r.url = "https://gw.example.com/webhooks/c1";
         r.headers = {{"Content-Type", "application/json"}};
         r.body = R"({"type": "mo_text", "id": "01FC66621XXXXX119Z8PMV1QPQ",
             "from": "16051234567", "to": "13185551234", "body": "Hello, how are you?",
             "received_at": "2022-08-24T14:15:22Z"})";
         for (auto& h : test::sinch_signature_headers("sinch-secret", r.body, kNowS)) {
           r.headers.push_back(std::move(h));
         }
         return r;
       },
       tamper_body, "application/json", "{}"},
      {"voicemeup",
       [] {
         return std::map<std::string, std::string>{{"webhook_secret", "s3cret-path-0123456789"}};
       },
       "webhook_secret", "not configured: path_secret (the connector's webhook_secret)",
       [] {
         WebhookRequest r;
         r.url = "https://gw.example.com/webhooks/c1/s3cret-path-0123456789";
         r.headers = {{"Content-Type", "application/json"}};
         r.path_secret = "s3cret-path-0123456789";
         r.remote_addr = "203.0.113.7";
         r.body = R"({"sms_hash": "sms-hash-123", "direction": "inbound",
             "source_number": "14188050723", "destination_number": "4184805945",
             "message": "Hello", "datetime_transmission": "2026-01-28 14:00:00"})";
         return r;
       },
       [](WebhookRequest r) {
         r.path_secret = "s3cret-path-0123456780";  // VoiceMeUp signs nothing: the secret is all
         return r;
       },
       "application/json", "{}"},
  };
}

void PrintTo(const WebhookCase& c, std::ostream* os) { *os << c.provider; }

class WebhookContract : public ::testing::TestWithParam<WebhookCase> {
 protected:
  ConnectorSettings settings(std::map<std::string, std::string> values) const {
    ConnectorSettings s;
    s.id = "c1";
    s.provider = GetParam().provider;
    s.values = std::move(values);
    return s;
  }
  const ProviderSpec& spec() const { return *find_provider(GetParam().provider); }
};

TEST_P(WebhookContract, ItsKeysVerifyItsGenuineRequests) {
  auto secrets = webhook_secrets(settings(GetParam().keys()));
  ASSERT_TRUE(secrets) << secrets.error().message;
  EXPECT_EQ(missing_webhook_material(*secrets), "");
  const WebhookRequest genuine = GetParam().genuine();
  auto v = verify_webhook(spec().webhook, *secrets, genuine, kNow);
  EXPECT_TRUE(v) << v.error().message;
  EXPECT_TRUE(verify_webhook(*secrets, genuine, kNow));  // by name, as embedders call it

  auto ev = parse_webhook(spec().webhook, genuine, kNow);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kInbound);
  EXPECT_FALSE(ev->dedupe_key.empty());
  const WebhookReply reply = webhook_reply(spec().webhook, genuine);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, GetParam().reply_content_type);
  EXPECT_EQ(reply.body, GetParam().reply_body);
}

TEST_P(WebhookContract, ForgeriesAndUnsignedRequestsAreRefused) {
  auto secrets = webhook_secrets(settings(GetParam().keys()));
  ASSERT_TRUE(secrets);
  auto forged =
      verify_webhook(spec().webhook, *secrets, GetParam().forge(GetParam().genuine()), kNow);
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, "webhook_unverified");

  WebhookRequest bare;
  bare.url = "https://gw.example.com/webhooks/c1";
  bare.headers = {{"Content-Type", "application/json"}};
  bare.body = R"({"hello": "world"})";
  auto unsigned_req = verify_webhook(spec().webhook, *secrets, bare, kNow);
  ASSERT_FALSE(unsigned_req);
  EXPECT_EQ(unsigned_req.error().code, "webhook_unverified");
}

TEST_P(WebhookContract, WithoutMaterialNothingIsVerifiedAndStartUpSaysWhatIsMissing) {
  // SignalWire falls back to the API token, which a connector always has; the bare secrets of a
  // table without webhook keys are what the other providers read.
  WebhookSecrets none;
  none.provider = GetParam().provider;
  EXPECT_EQ(missing_webhook_material(none), GetParam().missing);
  auto v = verify_webhook(spec().webhook, none, GetParam().genuine(), kNow);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, "webhook_unverified");
  EXPECT_EQ(v.error().message, GetParam().not_configured);

  // verify_webhooks = false: accepted without looking, and nothing is reported missing.
  ConnectorSettings off = settings({});
  off.verify_webhooks = false;
  auto disabled = webhook_secrets(off);
  ASSERT_TRUE(disabled);
  EXPECT_TRUE(disabled->verification_disabled);
  EXPECT_EQ(missing_webhook_material(*disabled), "");
  EXPECT_TRUE(verify_webhook(spec().webhook, *disabled, WebhookRequest{}, kNow));
}

INSTANTIATE_TEST_SUITE_P(Providers, WebhookContract, ::testing::ValuesIn(webhook_cases()),
                         [](const auto& info) { return info.param.provider; });

// The simulated carrier sends no webhooks: nothing is missing, and anything is refused unless
// verification is off.
TEST(SimWebhooks, RefusedUnlessVerificationIsOffAndNothingIsMissing) {
  const ProviderSpec& sim = *find_provider("sim");
  auto secrets = webhook_secrets(ConnectorSettings{"s", "sim", "", 1000, 4, true, false, {}});
  ASSERT_TRUE(secrets);
  EXPECT_EQ(missing_webhook_material(*secrets), "");
  WebhookRequest r;
  r.url = "https://x/w";
  auto v = verify_webhook(sim.webhook, *secrets, r, kNow);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, "webhook_unverified");
  secrets->verification_disabled = true;
  EXPECT_TRUE(verify_webhook(sim.webhook, *secrets, r, kNow));
  auto ev = parse_webhook(sim.webhook, r, kNow);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, "invalid_webhook");
  EXPECT_EQ(webhook_reply(sim.webhook, r).body, "{}");
}

}  // namespace
}  // namespace sb::providers
