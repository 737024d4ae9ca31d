// Telnyx connector: wire format from Telnyx's documented payloads, and the connector against a
// loopback fake of the Telnyx API (what every connector shares is in connector_contract_test.cc).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "providers/telnyx/telnyx_connector.h"
#include "providers/transport/curl_client.h"
#include "support/fake_provider.h"

namespace sb::providers::telnyx {
namespace {

using nlohmann::json;
using test::FakeProvider;
using test::FakeReply;

// Response to POST /v2/messages, from Telnyx's OpenAPI spec (team-telnyx/openapi
// openapi/spec3.json, "OutboundMessagePayload" example; kept in
// shared/reference/payloads/telnyx-POST-v2-messages-response.json), trimmed of cost fields.
constexpr const char* kSendResponse = R"({
  "data": {
    "record_type": "message",
    "direction": "outbound",
    "id": "40385f64-5717-4562-b3fc-2c963f66afa6",
    "type": "MMS",
    "messaging_profile_id": "4000eba1-a0c0-4563-9925-b25e842a7cb6",
    "organization_id": "b448f9cc-a842-4784-98e9-03c1a5872950",
    "from": {"phone_number": "+18445550001", "carrier": "TELNYX LLC", "line_type": "VoIP"},
    "to": [{"phone_number": "+18665550001", "status": "queued",
            "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"}],
    "cc": [],
    "text": "Hello, World!",
    "subject": "From Telnyx!",
    "media": [{"url": "https://pbs.twimg.com/profile_images/1142168442042118144/AW3F4fFD_400x400.png",
               "content_type": null, "sha256": null, "size": null}],
    "webhook_url": "https://www.example.com/hooks",
    "webhook_failover_url": "https://backup.example.com/hooks",
    "encoding": "GSM-7",
    "parts": 1,
    "tags": ["Greetings"],
    "cost": {"amount": "0.0051", "currency": "USD"},
    "received_at": "2019-01-23T18:10:02.574Z",
    "sent_at": null,
    "completed_at": null,
    "valid_until": null,
    "errors": []
  }
})";

// Error bodies: Telnyx's documented envelope {errors: [{code, title, detail, source}]}; codes and
// titles from developers.telnyx.com/development/api-fundamentals/api-errors (10009, 10011) and
// developers.telnyx.com/api/errors/40300 (HTTP 409) and the messaging error-code reference (40310).
constexpr const char* kInvalidTo = R"({"errors": [{"code": "40310", "title": "Invalid 'to' address",
  "detail": "The 'to' address should be a single valid number.", "source": {"pointer": "/to"}}]})";
constexpr const char* kStopBlocked = R"({"errors": [{"code": "40300",
  "title": "Blocked due to STOP message",
  "detail": "Messages cannot be sent from +18445550001 to +18665550001 due to an existing block rule."}]})";
constexpr const char* kAuthFailed =
    R"({"errors": [{"code": "10009", "title": "Authentication failed",
  "detail": "The required authentication headers were either invalid or not included in the request."}]})";
constexpr const char* kTooMany = R"({"errors": [{"code": "10011", "title": "Too many requests",
  "detail": "You have exceeded the maximum number of allowed requests."}]})";
constexpr const char* kUnexpected = R"({"errors": [{"code": "10007", "title": "Unexpected error",
  "detail": "An unexpected error occured."}]})";

constexpr const char* kProfile = "4000eba1-a0c0-4563-9925-b25e842a7cb6";

ConnectorSettings settings(std::map<std::string, std::string> values, std::string base_url = {}) {
  ConnectorSettings s;
  s.id = "tx";
  s.provider = "telnyx";
  s.base_url = std::move(base_url);
  s.timeout_ms = 2000;
  s.max_concurrency = 4;
  s.values = std::move(values);
  return s;
}

TelnyxConfig config(std::string base_url = "https://api.telnyx.com") {
  auto c = make_config(settings({{"api_key", "KEY0123_abc"}, {"messaging_profile_id", kProfile}},
                                std::move(base_url)),
                       "https://gw.example.com/");
  EXPECT_TRUE(c.ok()) << c.error().message;
  return *c;
}

Message sms() {
  Message m;
  m.id = "msg_1";
  m.from = "+18445550001";
  m.to = "+18665550001";
  m.body = "Hello, World!";
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

TEST(TelnyxConfig, DefaultsAndWebhookUrl) {
  auto c = make_config(settings({{"api_key", "KEYabc"}}), "https://gw.example.com/");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->base_url, "https://api.telnyx.com");
  EXPECT_EQ(c->webhook_url, "https://gw.example.com/webhooks/tx");
  EXPECT_EQ(c->timeout_ms, 2000);
  auto o = make_config(settings({{"api_key", "KEYabc"}}, "http://127.0.0.1:9/"), "http://x");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->base_url, "http://127.0.0.1:9");
}

TEST(TelnyxConfig, MalformedKeysNameConnectorAndKey) {
  auto missing = make_config(settings({}), "http://x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "connectors[tx].api_key");
  auto spaced = make_config(settings({{"api_key", "KEY abc\n"}}), "http://x");
  ASSERT_FALSE(spaced.ok());
  EXPECT_NE(spaced.error().message.find("connectors[tx].api_key"), std::string::npos);
  auto bad_profile = make_config(
      settings({{"api_key", "KEYabc"}, {"messaging_profile_id", "profile-1"}}), "http://x");
  ASSERT_FALSE(bad_profile.ok());
  EXPECT_EQ(bad_profile.error().field, "connectors[tx].messaging_profile_id");
  auto bad_key =
      make_config(settings({{"api_key", "KEYabc"}, {"public_key", "not-base64"}}), "http://x");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().field, "connectors[tx].public_key");
  // 32 zero bytes, base64.
  auto good_key =
      make_config(settings({{"api_key", "KEYabc"},
                            {"public_key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}),
                  "http://x");
  EXPECT_TRUE(good_key.ok());
}

// ---- pure request building / response parsing -------------------------------------------------

TEST(TelnyxWire, SmsRequestIsDocumentedJson) {
  const HttpRequest req = build_send_request(config(), sms());
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://api.telnyx.com/v2/messages");
  EXPECT_EQ(header(req, "Authorization"), "Bearer KEY0123_abc");
  EXPECT_EQ(header(req, "Content-Type"), "application/json");
  EXPECT_EQ(req.timeout_ms, 2000);
  EXPECT_EQ(json::parse(req.body), (json{{"from", "+18445550001"},
                                         {"to", "+18665550001"},
                                         {"text", "Hello, World!"},
                                         {"type", "SMS"},
                                         {"messaging_profile_id", kProfile},
                                         {"webhook_url", "https://gw.example.com/webhooks/tx"}}));
}

TEST(TelnyxWire, MmsRequestCarriesMediaUrlsAndOmitsEmptyText) {
  Message m = sms();
  m.body.clear();
  m.media_urls = {"https://x.test/a.png", "https://x.test/b.jpg"};
  const json body = json::parse(build_send_request(config(), m).body);
  EXPECT_EQ(body["type"], "MMS");
  EXPECT_EQ(body["media_urls"], json::array({"https://x.test/a.png", "https://x.test/b.jpg"}));
  EXPECT_FALSE(body.contains("text"));
  // No profile configured: the field is left out rather than sent empty.
  auto c = make_config(settings({{"api_key", "KEYabc"}}), "http://gw");
  EXPECT_FALSE(json::parse(build_send_request(*c, sms()).body).contains("messaging_profile_id"));
}

TEST(TelnyxWire, ParsesDocumentedSendResponse) {
  auto r = parse_send_response(response(200, kSendResponse), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "40385f64-5717-4562-b3fc-2c963f66afa6");
  EXPECT_EQ(r->provider_status, "queued");
  auto odd = parse_send_response(response(200, R"({"data": {}})"), 0);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code, "invalid_response");
}

TEST(TelnyxWire, ClassifiesDocumentedErrors) {
  struct Case {
    int status;
    const char* body;
    Headers headers;
    FailureKind kind;
    std::string code;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {400, kInvalidTo, {}, FailureKind::kPermanent, "40310", "Invalid 'to' address: The 'to'"},
      {409, kStopBlocked, {}, FailureKind::kPermanent, "40300", "Blocked due to STOP message"},
      {401, kAuthFailed, {}, FailureKind::kAuth, "10009", "Authentication failed"},
      {403,
       R"({"errors":[{"code":"10010","title":"Authorization failed"}]})",
       {},
       FailureKind::kAuth,
       "10010",
       "Authorization failed"},
      // A messaging refusal that happens to come as 403 is about this message, not our key.
      {403,
       R"({"errors":[{"code":"40013","title":"Invalid source number"}]})",
       {},
       FailureKind::kPermanent,
       "40013",
       "Invalid source number"},
      {429, kTooMany, {{"Retry-After", "3"}}, FailureKind::kRateLimited, "10011", "Too many"},
      {500, kUnexpected, {}, FailureKind::kTransient, "10007", "Unexpected error"},
      {503, "<html>down</html>", {}, FailureKind::kTransient, "http_503", "HTTP 503"},
  };
  for (const auto& c : cases) {
    auto r = parse_send_response(response(c.status, c.body, c.headers), 0);
    ASSERT_FALSE(r.ok()) << c.status;
    const auto& f = r.error();
    EXPECT_EQ(f.kind, c.kind) << c.status << " " << c.body;
    EXPECT_EQ(f.code, c.code);
    EXPECT_NE(f.message.find(c.message_part), std::string::npos) << f.message;
  }
  auto limited = parse_send_response(response(429, kTooMany, {{"Retry-After", "3"}}), 0).error();
  EXPECT_EQ(limited.retry_after_ms, 3000);
  HttpResponse timeout;
  timeout.timed_out = true;
  timeout.error = "Operation timed out";
  auto t = parse_send_response(timeout, 0).error();
  EXPECT_EQ(t.kind, FailureKind::kTransient);
  EXPECT_EQ(t.code, "timeout");
}

TEST(TelnyxWire, StatusQueryRequestAndMapping) {
  const HttpRequest req = build_status_request(config(), "40385f64-5717-4562-b3fc-2c963f66afa6");
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "https://api.telnyx.com/v2/messages/40385f64-5717-4562-b3fc-2c963f66afa6");
  EXPECT_EQ(header(req, "Authorization"), "Bearer KEY0123_abc");

  EXPECT_EQ(map_status("queued"), Status::kSending);
  EXPECT_EQ(map_status("sending"), Status::kSending);
  EXPECT_EQ(map_status("sent"), Status::kSent);
  EXPECT_EQ(map_status("delivered"), Status::kDelivered);
  EXPECT_EQ(map_status("delivery_failed"), Status::kUndelivered);
  EXPECT_EQ(map_status("sending_failed"), Status::kFailed);
  EXPECT_EQ(map_status("expired"), Status::kExpired);
  EXPECT_EQ(map_status("delivery_unconfirmed"), Status::kSent);

  // GET /v2/messages/{id} answers {"data": <message>} like the send response.
  auto queued = parse_status_response(response(200, kSendResponse), 0);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->status, Status::kSending);
  EXPECT_EQ(queued->provider_status, "queued");

  json failed = json::parse(kSendResponse);
  failed["data"]["to"][0]["status"] = "delivery_failed";
  failed["data"]["errors"] = json::array({{{"code", "40008"},
                                           {"title", "Undeliverable"},
                                           {"detail", "The carrier did not accept it."}}});
  auto f = *parse_status_response(response(200, failed.dump()), 0);
  EXPECT_EQ(f.status, Status::kUndelivered);
  EXPECT_EQ(f.provider_status, "delivery_failed");
  EXPECT_EQ(f.error_code, "40008");
  EXPECT_EQ(f.error_message, "Undeliverable: The carrier did not accept it.");

  auto missing = parse_status_response(
      response(404, R"({"errors":[{"code":"10005","title":"Resource not found"}]})"), 0);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, FailureKind::kPermanent);
  EXPECT_EQ(missing.error().code, "10005");
}

TEST(TelnyxWire, HealthRequestReadsTheProfile) {
  EXPECT_EQ(build_health_request(config()).url,
            std::string("https://api.telnyx.com/v2/messaging_profiles/") + kProfile);
  auto c = make_config(settings({{"api_key", "KEYabc"}}), "http://gw");
  const HttpRequest h = build_health_request(*c);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.url, "https://api.telnyx.com/v2/messaging_profiles?page%5Bsize%5D=1");
}

// ---- the connector against a fake Telnyx
// ---------------------------------------------------------

class TelnyxConnectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<TelnyxConnector> connector(int timeout_ms = 2000, int64_t max_concurrency = 4) {
    TelnyxConfig c = config(fake_.base_url() + "/");
    c.timeout_ms = timeout_ms;
    c.max_concurrency = max_concurrency;
    return std::make_unique<TelnyxConnector>(c, *http_, clock_);
  }
  FakeProvider fake_;
  std::unique_ptr<HttpClient> http_ = make_curl_client();
  ManualClock clock_;
};

TEST_F(TelnyxConnectorTest, SendsExactRequestAndParsesAcceptance) {
  fake_.push({200, kSendResponse});
  Message m = sms();
  m.media_urls = {"https://x.test/a.png"};
  auto r = connector()->send(m, "msg_1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "40385f64-5717-4562-b3fc-2c963f66afa6");
  ASSERT_EQ(fake_.request_count(), 1u);
  const auto req = fake_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v2/messages");
  EXPECT_EQ(req.header("authorization"), "Bearer KEY0123_abc");
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(json::parse(req.body), (json{{"from", "+18445550001"},
                                         {"to", "+18665550001"},
                                         {"text", "Hello, World!"},
                                         {"media_urls", {"https://x.test/a.png"}},
                                         {"type", "MMS"},
                                         {"messaging_profile_id", kProfile},
                                         {"webhook_url", "https://gw.example.com/webhooks/tx"}}));
}

}  // namespace
}  // namespace sb::providers::telnyx
