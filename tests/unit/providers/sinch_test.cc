// Sinch xms connector: wire format from Sinch's documented payloads, and the connector against a
// loopback fake of the Sinch SMS REST API (what every connector shares is in
// connector_contract_test.cc).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "providers/sinch/sinch_connector.h"
#include "providers/transport/curl_client.h"
#include "providers/transport/http_util.h"
#include "support/fake_provider.h"

namespace sb::providers::sinch {
namespace {

using nlohmann::json;
using test::FakeProvider;
using test::FakeReply;

// 201 response to POST /batches (mt_text), from Sinch's Java SDK contract fixtures
// (sinch/sinch-sdk-java openapi-contracts/src/test/resources/domains/sms/v1/TextResponseDto.json),
// parameters trimmed.
constexpr const char* kTextBatch = R"({
  "id": "01FC66621XXXXX119Z8PMV1QPQ",
  "to": ["+15551231234", "+15551256344"],
  "from": "+15551231234",
  "canceled": false,
  "body": "Hi ${name} ({an identifier}) ! How are you?",
  "type": "mt_text",
  "created_at": "2019-08-24T14:15:22Z",
  "modified_at": "2019-08-24T14:17:22Z",
  "delivery_report": "none",
  "send_at": "2019-08-24T14:19:22Z",
  "expire_at": "2019-08-24T14:21:22Z",
  "callback_url": "callback url",
  "client_reference": "myReference",
  "feedback_enabled": false,
  "flash_message": true,
  "truncate_concat": true,
  "max_number_of_message_parts": 1,
  "from_ton": 6,
  "from_npi": 18
})";

// 201 response for an mt_media batch (same SDK, .../batches/response/MediaResponseDto.json).
constexpr const char* kMediaBatch = R"({
  "id": "01FC66621XXXXX119Z8PMV1QPQ",
  "to": ["+15551231234", "+15551256344"],
  "from": "+15551231234",
  "canceled": false,
  "body": {"message": "Hi ${name} ({an identifier}) ! How are you?",
           "url": "https://en.wikipedia.org/wiki/Sinch_(company)#/media/File:Sinch_LockUp_RGB.png",
           "subject": "subject field"},
  "type": "mt_media",
  "created_at": "2019-08-24T14:14:22Z",
  "modified_at": "2019-08-24T14:15:22Z",
  "delivery_report": "summary",
  "send_at": "2019-08-24T14:16:22Z",
  "expire_at": "2019-08-24T14:17:22Z",
  "callback_url": "callback url",
  "client_reference": "client reference",
  "feedback_enabled": false,
  "strict_validation": true
})";

// GET .../delivery_report/{recipient_msisdn} (same SDK, DeliveryReportRecipientSMSDto.json).
constexpr const char* kRecipientReport = R"({
  "type": "recipient_delivery_report_sms",
  "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
  "recipient": "+44231235674",
  "code": 401,
  "status": "Dispatched",
  "at": "2022-08-30T08:16:08.930Z",
  "operator": "operator",
  "applied_originator": "applied originator",
  "client_reference": "client reference",
  "encoding": "encoding",
  "number_of_message_parts": 123,
  "operator_status_at": "2022-08-30T08:16:08.150Z"
})";

// Error body {code, text} (same SDK, error-response.json); codes from Sinch's "HTTP Status Codes
// for the SMS REST API" page (developers.sinch.com/docs/sms/api-reference/status-codes).
constexpr const char* kInvalidFormat =
    R"({"code": "syntax_invalid_parameter_format", "text": "'foo' is not a valid identifier"})";

constexpr int64_t kCreatedAt = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

ConnectorSettings settings(std::map<std::string, std::string> values, std::string base_url = {}) {
  ConnectorSettings s;
  s.id = "sn";
  s.provider = "sinch";
  s.base_url = std::move(base_url);
  s.timeout_ms = 2000;
  s.max_concurrency = 4;
  s.values = std::move(values);
  return s;
}

std::map<std::string, std::string> keys(std::string region = {}) {
  std::map<std::string, std::string> v = {{"service_plan_id", "jd63jf88477ll123ab4567cd89012ef3"},
                                          {"api_token", "tok123"}};
  if (!region.empty()) v["region"] = region;
  return v;
}

SinchConfig config(std::string base_url = {}) {
  auto c = make_config(settings(keys(), std::move(base_url)), "https://gw.example.com");
  EXPECT_TRUE(c.ok()) << c.error().message;
  return *c;
}

Message sms() {
  Message m;
  m.id = "msg_1";
  m.from = "+12025550150";
  m.to = "+15551231234";
  m.body = "Hi there! How are you?";
  m.created_at = kCreatedAt;
  return m;
}

HttpResponse response(int status, std::string body, Headers headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string header(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

// ---- configuration -------------------------------------------------------------------------

TEST(SinchConfig, RegionPicksTheBaseUrl) {
  EXPECT_EQ(config().base_url, "https://us.sms.api.sinch.com");
  EXPECT_EQ(config().callback_url, "https://gw.example.com/webhooks/sn");
  for (std::string r : {"eu", "au", "br", "ca"}) {
    auto c = make_config(settings(keys(r)), "http://gw");
    ASSERT_TRUE(c.ok()) << r;
    EXPECT_EQ(c->base_url, "https://" + r + ".sms.api.sinch.com");
  }
  EXPECT_EQ(config("http://127.0.0.1:1234/").base_url, "http://127.0.0.1:1234");
}

TEST(SinchConfig, MalformedKeysNameConnectorAndKey) {
  auto region = make_config(settings(keys("mars")), "http://gw");
  ASSERT_FALSE(region.ok());
  EXPECT_EQ(region.error().field, "connectors[sn].region");
  EXPECT_NE(region.error().message.find("us, eu, au, br, ca"), std::string::npos);
  auto plan =
      make_config(settings({{"service_plan_id", "abc/def"}, {"api_token", "t"}}), "http://gw");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().field, "connectors[sn].service_plan_id");
  auto token =
      make_config(settings({{"service_plan_id", "abc"}, {"api_token", "t t"}}), "http://gw");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().field, "connectors[sn].api_token");
  auto missing = make_config(settings({{"service_plan_id", "abc"}}), "http://gw");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "connectors[sn].api_token");
}

// ---- pure request building / response parsing -------------------------------------------------

TEST(SinchWire, SmsIsOneTextBatchWithoutPlusSigns) {
  Message m = sms();
  m.validity_period_s = 3600;
  const auto reqs = build_send_requests(config(), m);
  ASSERT_EQ(reqs.size(), 1u);
  const HttpRequest& req = reqs[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url,
            "https://us.sms.api.sinch.com/xms/v1/jd63jf88477ll123ab4567cd89012ef3/batches");
  EXPECT_EQ(header(req, "Authorization"), "Bearer tok123");
  EXPECT_EQ(header(req, "Content-Type"), "application/json");
  EXPECT_EQ(req.timeout_ms, 2000);
  EXPECT_EQ(json::parse(req.body), (json{{"type", "mt_text"},
                                         {"from", "12025550150"},
                                         {"to", {"15551231234"}},
                                         {"body", "Hi there! How are you?"},
                                         {"delivery_report", "per_recipient"},
                                         {"callback_url", "https://gw.example.com/webhooks/sn"},
                                         {"client_reference", "msg_1"},
                                         {"expire_at", "2023-11-14T23:13:20.000Z"}}));
  // Without a validity period Sinch's own default (3 days) applies.
  EXPECT_FALSE(json::parse(build_send_requests(config(), sms())[0].body).contains("expire_at"));
}

// List batches (developers.sinch.com/docs/sms/api-reference/sms/batches, "List Batches":
// query client_reference, start_date, page_size; answer {count, page, page_size, batches[]}).
TEST(SinchWire, AnInterruptedSendIsLookedUpByItsClientReference) {
  Message m = sms();  // id msg_1
  const HttpRequest req = build_find_request(config(), m);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url,
            "https://us.sms.api.sinch.com/xms/v1/jd63jf88477ll123ab4567cd89012ef3/batches"
            "?client_reference=msg_1&start_date=" +
                url_encode(format_rfc3339(m.created_at - 60'000)) + "&page_size=10");
  EXPECT_EQ(header(req, "Authorization"), "Bearer tok123");

  const std::string found = R"({"count": 1, "page": 0, "page_size": 10, "batches": [
      {"id": "01FC66621XXXXX119Z8PMV1QPQ", "to": ["15551231234"], "from": "12025550150",
       "canceled": false, "body": "Hi there! How are you?", "type": "mt_text",
       "created_at": "2019-08-24T14:15:22Z", "client_reference": "msg_1"}]})";
  auto r = parse_find_response({200, {}, found}, m, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->found);
  EXPECT_EQ(r->accepted.provider_message_id, "01FC66621XXXXX119Z8PMV1QPQ");

  // Another message's batch (a filter the provider ignored) is not ours.
  std::string other = found;
  const std::string ours = "\"client_reference\": \"msg_1\"";
  other.replace(other.find(ours), ours.size(), "\"client_reference\": \"msg_2\"");
  r = parse_find_response({200, {}, other}, m, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->found);
  r = parse_find_response({200, {}, R"({"count": 0, "page": 0, "page_size": 10, "batches": []})"},
                          m, 0);
  EXPECT_FALSE(r->found);

  // A failed lookup is never the message's fault: transient, so the message waits.
  r = parse_find_response({400, {}, R"({"code": "syntax_invalid_parameter_format", "text": "x"})"},
                          m, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, FailureKind::kTransient);
  r = parse_find_response({200, {}, "<html>"}, m, 0);
  EXPECT_EQ(r.error().kind, FailureKind::kTransient);
}

TEST(SinchWire, MmsIsOneMediaBatchPerUrl) {
  Message m = sms();
  m.media_urls = {"https://x.test/a.png", "https://x.test/b.jpg"};
  const auto reqs = build_send_requests(config(), m);
  ASSERT_EQ(reqs.size(), 2u);
  const json first = json::parse(reqs[0].body);
  EXPECT_EQ(first["type"], "mt_media");
  EXPECT_EQ(first["body"],
            (json{{"url", "https://x.test/a.png"}, {"message", "Hi there! How are you?"}}));
  EXPECT_EQ(first["to"], json::array({"15551231234"}));
  EXPECT_EQ(first["client_reference"], "msg_1");
  const json second = json::parse(reqs[1].body);
  EXPECT_EQ(second["type"], "mt_media");
  EXPECT_EQ(second["body"], (json{{"url", "https://x.test/b.jpg"}}));
  EXPECT_EQ(second["client_reference"], "msg_1");
  EXPECT_EQ(second["delivery_report"], "per_recipient");
}

TEST(SinchWire, ParsesDocumentedBatchResponses) {
  for (const char* body : {kTextBatch, kMediaBatch}) {
    auto r = parse_send_response(response(201, body), 0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->provider_message_id, "01FC66621XXXXX119Z8PMV1QPQ");
    EXPECT_EQ(r->provider_status, "Queued");
  }
  auto odd = parse_send_response(response(201, "{}"), 0);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code, "invalid_response");
}

TEST(SinchWire, ClassifiesDocumentedErrors) {
  struct Case {
    int status;
    std::string body;
    FailureKind kind;
    std::string code;
  };
  const std::vector<Case> cases = {
      {400, kInvalidFormat, FailureKind::kPermanent, "syntax_invalid_parameter_format"},
      {400, R"({"code":"syntax_constraint_violation","text":"to: must not be empty"})",
       FailureKind::kPermanent, "syntax_constraint_violation"},
      {401, "", FailureKind::kAuth, "http_401"},
      {403, R"({"code":"illegal_number_type","text":"Illegal number type"})",
       FailureKind::kPermanent, "illegal_number_type"},
      {403, R"({"code":"blocked_account","text":"Account is blocked"})", FailureKind::kAuth,
       "blocked_account"},
      {404, "", FailureKind::kAuth, "http_404"},  // no such service plan at this region
      {429, "", FailureKind::kRateLimited, "http_429"},
      {500, "", FailureKind::kTransient, "http_500"},
  };
  for (const auto& c : cases) {
    auto r = parse_send_response(response(c.status, c.body, {{"Retry-After", "4"}}), 0);
    ASSERT_FALSE(r.ok()) << c.status;
    const auto& f = r.error();
    EXPECT_EQ(f.kind, c.kind) << c.status << " " << c.body;
    EXPECT_EQ(f.code, c.code);
    if (c.status == 429) {
      EXPECT_EQ(f.retry_after_ms, 4000);
    }
  }
  EXPECT_EQ(parse_send_response(response(400, kInvalidFormat), 0).error().message,
            "'foo' is not a valid identifier");
  HttpResponse timeout;
  timeout.timed_out = true;
  auto t = parse_send_response(timeout, 0).error();
  EXPECT_EQ(t.kind, FailureKind::kTransient);
  EXPECT_EQ(t.code, "timeout");
}

TEST(SinchWire, RecipientDeliveryReport) {
  const HttpRequest req =
      build_status_request(config(), "01FC66621XXXXX119Z8PMV1QPQ", "+15551231234");
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url,
            "https://us.sms.api.sinch.com/xms/v1/jd63jf88477ll123ab4567cd89012ef3/batches/"
            "01FC66621XXXXX119Z8PMV1QPQ/delivery_report/15551231234");
  EXPECT_EQ(header(req, "Authorization"), "Bearer tok123");

  auto dispatched = *parse_status_response(response(200, kRecipientReport), 0);
  EXPECT_EQ(dispatched.status, Status::kSent);
  EXPECT_EQ(dispatched.provider_status, "Dispatched");
  EXPECT_EQ(dispatched.error_code, "");

  json failed = json::parse(kRecipientReport);
  failed["status"] = "Failed";
  failed["code"] = 402;
  auto f = *parse_status_response(response(200, failed.dump()), 0);
  EXPECT_EQ(f.status, Status::kUndelivered);
  EXPECT_EQ(f.error_code, "402");
  EXPECT_EQ(f.error_message, "Failed");

  EXPECT_EQ(map_status("Queued"), Status::kSending);
  EXPECT_EQ(map_status("Dispatched"), Status::kSent);
  EXPECT_EQ(map_status("Delivered"), Status::kDelivered);
  EXPECT_EQ(map_status("Failed"), Status::kUndelivered);
  EXPECT_EQ(map_status("Deleted"), Status::kUndelivered);
  EXPECT_EQ(map_status("Rejected"), Status::kFailed);
  EXPECT_EQ(map_status("Aborted"), Status::kFailed);
  EXPECT_EQ(map_status("Cancelled"), Status::kCanceled);
  EXPECT_EQ(map_status("Expired"), Status::kExpired);
  EXPECT_EQ(map_status("Unknown"), Status::kSent);

  auto none = parse_status_response(response(404, ""), 0);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, FailureKind::kPermanent);
}

TEST(SinchWire, HealthRequestListsOneBatch) {
  const HttpRequest h = build_health_request(config());
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(
      h.url,
      "https://us.sms.api.sinch.com/xms/v1/jd63jf88477ll123ab4567cd89012ef3/batches?page_size=1");
  EXPECT_EQ(header(h, "Authorization"), "Bearer tok123");
}

// ---- the connector against a fake Sinch --------------------------------------------------------

class SinchConnectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<SinchConnector> connector(int timeout_ms = 2000) {
    SinchConfig c = config(fake_.base_url());
    c.timeout_ms = timeout_ms;
    return std::make_unique<SinchConnector>(c, *http_, clock_);
  }
  FakeProvider fake_;
  std::unique_ptr<HttpClient> http_ = make_curl_client();
  ManualClock clock_;
};

TEST_F(SinchConnectorTest, SendsExactRequestAndParsesAcceptance) {
  fake_.push({201, kTextBatch});
  auto r = connector()->send(sms(), "msg_1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "01FC66621XXXXX119Z8PMV1QPQ");
  ASSERT_EQ(fake_.request_count(), 1u);
  const auto req = fake_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/xms/v1/jd63jf88477ll123ab4567cd89012ef3/batches");
  EXPECT_EQ(req.header("authorization"), "Bearer tok123");
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(json::parse(req.body), (json{{"type", "mt_text"},
                                         {"from", "12025550150"},
                                         {"to", {"15551231234"}},
                                         {"body", "Hi there! How are you?"},
                                         {"delivery_report", "per_recipient"},
                                         {"callback_url", "https://gw.example.com/webhooks/sn"},
                                         {"client_reference", "msg_1"}}));
}

TEST_F(SinchConnectorTest, MultiMediaRetryResendsOnlyTheMissingBatches) {
  auto c = connector();
  Message m = sms();
  m.media_urls = {"https://x.test/a.png", "https://x.test/b.png", "https://x.test/c.png"};
  json second = json::parse(kMediaBatch);
  second["id"] = "01FC66621XXXXX119Z8PMV1QPR";
  json third = json::parse(kMediaBatch);
  third["id"] = "01FC66621XXXXX119Z8PMV1QPS";
  fake_.push({201, kMediaBatch});
  fake_.push({503, ""});
  fake_.push({201, second.dump()});
  fake_.push({201, third.dump()});
  auto first_try = c->send(m, "msg_1");
  ASSERT_FALSE(first_try.ok());
  EXPECT_EQ(first_try.error().kind, FailureKind::kTransient);
  auto retry = c->send(m, "msg_1");
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->provider_message_id, "01FC66621XXXXX119Z8PMV1QPQ");
  const auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 4u);  // a, b (503), b, c: a was not sent twice
  EXPECT_EQ(json::parse(reqs[0].body)["body"]["url"], "https://x.test/a.png");
  EXPECT_EQ(json::parse(reqs[1].body)["body"]["url"], "https://x.test/b.png");
  EXPECT_EQ(json::parse(reqs[2].body)["body"]["url"], "https://x.test/b.png");
  EXPECT_EQ(json::parse(reqs[3].body)["body"]["url"], "https://x.test/c.png");
}

}  // namespace
}  // namespace sb::providers::sinch
