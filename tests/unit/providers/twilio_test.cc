// Twilio connector: pure wire functions against Twilio's documented payloads, then the connector
// against a loopback fake asserting the exact request and replaying Twilio's answers. What every
// connector shares (failure classes, timeouts, concurrency cap, health, status query) is in
// connector_contract_test.cc.
//
// Sources for shapes:
//  - request fields and paths: twilio-python twilio/rest/api/v2010/account/message/__init__.py
//    (MessageList.create: To, From, MessagingServiceSid, Body, MediaUrl (serialize.map: one
//    parameter per URL), StatusCallback, ValidityPeriod; MessageContext.fetch: GET
//    /Accounts/{account_sid}/Messages/{sid}.json), Twilio docs "Message resource".
//  - success bodies: twilio-python tests/integration/api/v2010/account/test_message.py
//    (test_create_response, 201; test_fetch_response, 200) and Twilio docs "Twilio API responses"
//    (the queued JSON message).
//  - error bodies: twilio-go client/error.go (TwilioRestError: code, message, more_info, status)
//    with codes from Twilio's error dictionary (21211, 21610, 20003, 20429, 14107, 20404).
//  - ValidityPeriod range 1..36000: Twilio errors 21624 / 90007.
//  - Standard API keys cannot read /Accounts: Twilio docs "API keys" (Key resource v1).
#include <gtest/gtest.h>

#include <algorithm>

#include "providers/registry.h"
#include "providers/transport/curl_client.h"
#include "providers/transport/http_util.h"
#include "providers/twilio/twilio_connector.h"
#include "providers/twilio/twilio_wire.h"
#include "support/fake_provider.h"

namespace sb::providers::twilio {
namespace {

using namespace std::chrono_literals;

constexpr char kAccountSid[] = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kAuthToken[] = "your_auth_token";
// base64("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:your_auth_token")
constexpr char kBasicToken[] =
    "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp5b3VyX2F1dGhfdG9rZW4=";
constexpr char kApiKeySid[] = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
// base64("SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb:key_secret")
constexpr char kBasicKey[] = "Basic U0tiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYjprZXlfc2VjcmV0";
constexpr char kServiceSid[] = "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr TimeMs kNow = 1'700'000'000'000;

// twilio-python tests/integration/api/v2010/account/test_message.py, test_create_response (201).
constexpr char kCreated[] = R"({
    "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "api_version": "2010-04-01",
    "body": "O Slash: \u00d8, PoP: \ud83d\udca9",
    "date_created": "Thu, 30 Jul 2015 20:12:31 +0000",
    "date_sent": "Thu, 30 Jul 2015 20:12:33 +0000",
    "date_updated": "Thu, 30 Jul 2015 20:12:33 +0000",
    "direction": "outbound-api",
    "error_code": null,
    "error_message": null,
    "from": "+14155552345",
    "messaging_service_sid": "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "num_media": "0",
    "num_segments": "1",
    "price": "-0.00750",
    "price_unit": "USD",
    "sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "status": "sent",
    "subresource_uris": {
        "media": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Media.json"
    },
    "to": "+14155552345",
    "uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"
})";

// Twilio docs "Twilio API responses", the JSON message (a fresh send is still queued).
constexpr char kQueued[] = R"({
    "sid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "date_created": "Fri, 13 Aug 2010 01:16:24 +0000",
    "date_updated": "Fri, 13 Aug 2010 01:16:24 +0000",
    "date_sent": null,
    "account_sid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "to": "+13455431221",
    "from": "+15104564545",
    "body": "A Test Message",
    "status": "queued",
    "flags": ["outbound"],
    "api_version": "2010-04-01",
    "price": null,
    "uri": "/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages/SM1f0e8ae6ade43cb3c0ce4525424e404f.json"
})";

// Error bodies in TwilioRestError's shape (twilio-go client/error.go).
constexpr char kInvalidTo[] =
    R"({"code": 21211, "message": "Invalid 'To' Phone Number: +1500555000", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})";
constexpr char kUnsubscribed[] =
    R"({"code": 21610, "message": "Attempt to send to unsubscribed recipient", "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400})";
constexpr char kAuthFailed[] =
    R"({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})";
constexpr char kTooMany[] =
    R"({"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429})";
constexpr char kNotFound[] =
    R"({"code": 20404, "message": "The requested resource /2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMdeadbeefdeadbeefdeadbeefdeadbeef.json was not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404})";

TwilioApi test_api() {
  TwilioApi api;
  api.api_root = "https://api.twilio.com";
  api.account_sid = kAccountSid;
  api.username = kAccountSid;
  api.password = kAuthToken;
  api.status_callback = "https://gw.example.com/webhooks/tw";
  api.timeout_ms = 4000;
  return api;
}

Message test_message() {
  Message m;
  m.id = "msg_1";
  m.from = "+12025550100";
  m.to = "+14155550123";
  m.body = "Hello & welcome: 100% +1";
  m.created_at = kNow;
  return m;
}

HttpResponse response(int status, std::string body, Headers headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string header(const HttpRequest& req, std::string_view name) {
  HttpResponse r;
  r.headers = req.headers;
  return r.header(name);
}

const SendFailure& failure(const SendResult& r) {
  EXPECT_FALSE(r.ok());
  return r.error();
}

// ---- pure functions ---------------------------------------------------------------------------

TEST(TwilioWire, SmsRequestIsTheDocumentedFormPost) {
  Message m = test_message();
  m.validity_period_s = 600;
  const HttpRequest req = build_send_request(test_api(), m, kNow);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://api.twilio.com/2010-04-01/Accounts/" + std::string(kAccountSid) +
                         "/Messages.json");
  EXPECT_EQ(header(req, "Authorization"), kBasicToken);
  EXPECT_EQ(header(req, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(req.timeout_ms, 4000);
  EXPECT_EQ(form_decode(req.body),
            (FormFields{{"To", "+14155550123"},
                        {"From", "+12025550100"},
                        {"Body", "Hello & welcome: 100% +1"},
                        {"StatusCallback", "https://gw.example.com/webhooks/tw"},
                        {"ValidityPeriod", "600"}}));
  // '+' must be escaped, or Twilio reads a space and rejects the number.
  EXPECT_NE(req.body.find("To=%2B14155550123"), std::string::npos) << req.body;
}

TEST(TwilioWire, MmsRepeatsMediaUrlAndCarriesTheMessagingService) {
  TwilioApi api = test_api();
  api.messaging_service_sid = kServiceSid;
  Message m = test_message();
  m.body.clear();
  m.media_urls = {"https://x.test/a.png", "https://x.test/b.jpg?x=1&y=2"};
  const HttpRequest req = build_send_request(api, m, kNow);
  EXPECT_EQ(form_decode(req.body),
            (FormFields{{"To", "+14155550123"},
                        {"From", "+12025550100"},
                        {"MessagingServiceSid", kServiceSid},
                        {"MediaUrl", "https://x.test/a.png"},
                        {"MediaUrl", "https://x.test/b.jpg?x=1&y=2"},
                        {"StatusCallback", "https://gw.example.com/webhooks/tw"}}));
}

// MaxPrice and SmartEncoded: Twilio's Message resource create parameters
// (twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
TEST(TwilioWire, PerMessageMaxPriceAndSmartEncodingArePassedThrough) {
  Message m = test_message();
  m.max_price = "0.0075";
  m.smart_encoding = true;
  EXPECT_EQ(form_decode(build_send_request(test_api(), m, kNow).body),
            (FormFields{{"To", "+14155550123"},
                        {"From", "+12025550100"},
                        {"Body", "Hello & welcome: 100% +1"},
                        {"StatusCallback", "https://gw.example.com/webhooks/tw"},
                        {"MaxPrice", "0.0075"},
                        {"SmartEncoded", "true"}}));
  m.smart_encoding = false;
  m.max_price.clear();
  auto fields = form_decode(build_send_request(test_api(), m, kNow).body);
  EXPECT_EQ(fields.back(), (std::pair<std::string, std::string>{"SmartEncoded", "false"}));
  // SignalWire's LaML takes MaxPrice but not SmartEncoded (the gateway encodes the body itself).
  TwilioApi laml = test_api();
  laml.smart_encoded_param = false;
  m.smart_encoding = true;
  m.max_price = "0.05";
  fields = form_decode(build_send_request(laml, m, kNow).body);
  EXPECT_EQ(fields.back(), (std::pair<std::string, std::string>{"MaxPrice", "0.05"}));
  for (const auto& [k, _] : fields) EXPECT_NE(k, "SmartEncoded");
}

TEST(TwilioWire, ValidityPeriodIsWhatIsLeftAndWithinTwiliosRange) {
  auto validity = [](int64_t period_s, TimeMs now) {
    Message m = test_message();
    m.validity_period_s = period_s;
    for (const auto& [k, v] : form_decode(build_send_request(test_api(), m, now).body)) {
      if (k == "ValidityPeriod") return v;
    }
    return std::string("absent");
  };
  EXPECT_EQ(validity(600, kNow + 120'500), "480");  // a retry 2 minutes later
  EXPECT_EQ(validity(86'400, kNow), "36000");       // Twilio's ceiling (error 21624/90007)
  EXPECT_EQ(validity(60, kNow + 3'600'000), "1");   // never 0 or negative
  Message m = test_message();
  EXPECT_EQ(form_decode(build_send_request(test_api(), m, kNow).body).size(), 4u);  // none sent
}

TEST(TwilioWire, ParsesCreatedMessage) {
  auto r = parse_send_response(response(201, kCreated), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(r->provider_status, "sent");
  r = parse_send_response(response(201, kQueued), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "SM1f0e8ae6ade43cb3c0ce4525424e404f");
  EXPECT_EQ(r->provider_status, "queued");
}

TEST(TwilioWire, ClassifiesFailuresKeepingTwiliosCodeAndMessage) {
  auto f = failure(parse_send_response(response(400, kInvalidTo), kNow));
  EXPECT_EQ(f.kind, FailureKind::kPermanent);
  EXPECT_EQ(f.code, "21211");
  EXPECT_EQ(f.message, "Invalid 'To' Phone Number: +1500555000");

  EXPECT_FALSE(f.recipient_opted_out);

  f = failure(parse_send_response(response(400, kUnsubscribed), kNow));
  EXPECT_EQ(f.kind, FailureKind::kPermanent);
  EXPECT_EQ(f.code, "21610");
  EXPECT_TRUE(f.recipient_opted_out);  // the dispatcher records an opt-out
  EXPECT_FALSE(f.sender_refused);

  // A refusal of the From number, not of the message: a pooled message moves to another sender.
  for (const char* code : {"21601", "21606", "21611", "21659", "21661"}) {
    f = failure(parse_send_response(
        response(400, std::string(R"({"code": )") + code +
                          R"(, "message": "From refused", "more_info": "", "status": 400})"),
        kNow));
    EXPECT_EQ(f.code, code);
    EXPECT_TRUE(f.sender_refused) << code;
  }
  f = failure(parse_send_response(response(400, kInvalidTo), kNow));
  EXPECT_FALSE(f.sender_refused);

  f = failure(parse_send_response(response(401, kAuthFailed), kNow));
  EXPECT_EQ(f.kind, FailureKind::kAuth);
  EXPECT_EQ(f.code, "20003");
  EXPECT_EQ(f.message, "Authenticate");

  f = failure(parse_send_response(response(429, kTooMany, {{"Retry-After", "3"}}), kNow));
  EXPECT_EQ(f.kind, FailureKind::kRateLimited);
  EXPECT_EQ(f.code, "20429");
  ASSERT_TRUE(f.retry_after_ms);
  EXPECT_EQ(*f.retry_after_ms, 3000);

  // Twilio's per-sender throttle comes back as a 400 with 14107: still a rate limit.
  f = failure(parse_send_response(
      response(400, R"({"code": 14107, "message": "SMS send rate limit exceeded", "status": 400})"),
      kNow));
  EXPECT_EQ(f.kind, FailureKind::kRateLimited);
  EXPECT_EQ(f.code, "14107");

  // An unreadable 5xx (a load balancer's page) is transient, named by its HTTP status.
  f = failure(parse_send_response(response(502, "<html>Bad Gateway</html>"), kNow));
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  EXPECT_EQ(f.code, "http_502");

  f = failure(parse_send_response(
      response(500, R"({"code": 20500, "message": "Internal Server Error", "status": 500})"),
      kNow));
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  EXPECT_EQ(f.code, "20500");

  // 404 on the Messages list: the Account SID in the path is wrong, i.e. configuration.
  f = failure(parse_send_response(response(404, kNotFound), kNow));
  EXPECT_EQ(f.kind, FailureKind::kAuth);
  EXPECT_EQ(f.code, "20404");

  HttpResponse timed_out;
  timed_out.timed_out = true;
  timed_out.error = "Operation timed out after 4000 milliseconds";
  f = failure(parse_send_response(timed_out, kNow));
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  EXPECT_EQ(f.code, "timeout");

  f = failure(parse_send_response(response(201, "{}"), kNow));
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  EXPECT_EQ(f.code, "invalid_response");
}

TEST(TwilioWire, StatusQueryRequestAndParse) {
  const HttpRequest req = build_status_request(test_api(), "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "https://api.twilio.com/2010-04-01/Accounts/" + std::string(kAccountSid) +
                         "/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json");
  EXPECT_EQ(header(req, "Authorization"), kBasicToken);
  EXPECT_TRUE(req.body.empty());

  // test_fetch_response carries the same body as test_create_response.
  auto out = parse_status_response(response(200, kCreated), kNow);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, Status::kSent);
  EXPECT_EQ(out->provider_status, "sent");
  EXPECT_EQ(out->error_code, "");

  out = parse_status_response(
      response(200, R"({"sid": "SMx", "status": "undelivered", "error_code": 30003,
                        "error_message": "Unreachable destination handset"})"),
      kNow);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, Status::kUndelivered);
  EXPECT_EQ(out->error_code, "30003");
  EXPECT_EQ(out->error_message, "Unreachable destination handset");

  // Unknown to Twilio: it never created the message, a permanent answer.
  out = parse_status_response(response(404, kNotFound), kNow);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, FailureKind::kPermanent);
  EXPECT_EQ(out.error().code, "20404");
}

// Redaction. Twilio: DELETE on the Message instance answers 204 (twilio-python
// MessageContext.delete); error 20009 "Cannot delete this resource before it is complete"
// (twilio.com/docs/api/errors/20009: wait and retry). Body redaction: POST Body="" on the
// instance ("To redact a message-body from a post-flight message record, post to the message
// instance resource with an empty body", Twilio OpenAPI update_message), which SignalWire's
// LaML API also documents ("Update a message").
TEST(TwilioWire, RedactionRequestsAndOutcomes) {
  HttpRequest del = build_delete_request(test_api(), "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(del.method, "DELETE");
  EXPECT_EQ(del.url, "https://api.twilio.com/2010-04-01/Accounts/" + std::string(kAccountSid) +
                         "/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json");
  EXPECT_EQ(header(del, "Authorization"), kBasicToken);
  EXPECT_TRUE(del.body.empty());

  HttpRequest blank = build_redact_body_request(test_api(), "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(blank.method, "POST");
  EXPECT_EQ(blank.url, del.url);
  EXPECT_EQ(header(blank, "Authorization"), kBasicToken);
  EXPECT_EQ(header(blank, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(blank.body, "Body=");

  EXPECT_TRUE(parse_redact_response(response(204, ""), kNow));
  EXPECT_TRUE(parse_redact_response(response(200, kCreated), kNow));
  // Already gone at Twilio: nothing left to erase.
  EXPECT_TRUE(parse_redact_response(response(404, kNotFound), kNow));
  auto busy = parse_redact_response(
      response(400, R"({"code": 20009, "message": "Cannot delete this resource before it is complete", "more_info": "https://www.twilio.com/docs/errors/20009", "status": 400})"),
      kNow);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().kind, FailureKind::kTransient);
  EXPECT_EQ(busy.error().code, "20009");
  auto auth = parse_redact_response(
      response(401, R"({"code": 20003, "message": "Authenticate", "status": 401})"), kNow);
  ASSERT_FALSE(auth);
  EXPECT_EQ(auth.error().kind, FailureKind::kAuth);
  auto refused = parse_redact_response(
      response(400, R"({"code": 21999, "message": "Nope", "status": 400})"), kNow);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, FailureKind::kPermanent);
  auto down = parse_redact_response(response(503, ""), kNow);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, FailureKind::kTransient);
}

TEST(TwilioWire, MapsEveryDocumentedStatus) {
  // MessageInstance.Status (twilio-python) plus canceled / partially_delivered (MessageStatus in
  // @signalwire/compatibility-api lib/rest/api/v2010/account/message.d.ts, generated from
  // Twilio's definitions).
  const std::vector<std::pair<std::string, Status>> cases = {
      {"accepted", Status::kSending},
      {"scheduled", Status::kSending},
      {"queued", Status::kSending},
      {"sending", Status::kSending},
      {"sent", Status::kSent},
      {"delivered", Status::kDelivered},
      {"read", Status::kDelivered},
      {"undelivered", Status::kUndelivered},
      {"partially_delivered", Status::kUndelivered},
      {"failed", Status::kFailed},
      {"canceled", Status::kCanceled},
      {"something_new", Status::kSending},
  };
  for (const auto& [s, want] : cases) EXPECT_EQ(map_status(s), want) << s;
}

TEST(TwilioWire, HealthRequests) {
  HttpRequest req = build_account_request(test_api());
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url,
            "https://api.twilio.com/2010-04-01/Accounts/" + std::string(kAccountSid) + ".json");
  req = build_message_page_request(test_api());
  EXPECT_EQ(req.url, "https://api.twilio.com/2010-04-01/Accounts/" + std::string(kAccountSid) +
                         "/Messages.json?PageSize=1");
  EXPECT_TRUE(parse_health_response(response(200, "{}"), kNow));
  auto f = parse_health_response(response(401, kAuthFailed), kNow);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().kind, FailureKind::kAuth);
}

TEST(TwilioWire, ReadsEveryErrorBodyShape) {
  EXPECT_EQ(parse_error_body(kInvalidTo).code, "21211");
  const auto array = parse_error_body(
      R"({"errors": [{"code": "30010", "message": "Max price exceeded", "more_info": "x"}]})");
  EXPECT_EQ(array.code, "30010");
  EXPECT_EQ(array.message, "Max price exceeded");
  EXPECT_EQ(parse_error_body(R"({"errors": ["To is invalid"]})").message, "To is invalid");
  EXPECT_EQ(parse_error_body("not json").code, "");
}

// ---- configuration ----------------------------------------------------------------------------

ConnectorSettings settings(std::map<std::string, std::string> values, std::string base_url = {}) {
  ConnectorSettings s;
  s.id = "tw";
  s.provider = "twilio";
  s.base_url = std::move(base_url);
  s.timeout_ms = 2000;
  s.max_concurrency = 4;
  s.values = std::move(values);
  return s;
}

class TwilioConfig : public ::testing::Test {
 protected:
  std::string error_of(std::map<std::string, std::string> values, std::string base_url = {}) {
    auto made = make_connector(settings(std::move(values), std::move(base_url)), deps_);
    return made ? std::string("ok") : made.error().message;
  }
  ManualClock clock_;
  std::unique_ptr<HttpClient> http_ = make_curl_client();
  ConnectorDeps deps_{clock_, *http_, "https://gw.example.com/"};
};

TEST_F(TwilioConfig, NamesTheConnectorAndKeyOfEveryMistake) {
  EXPECT_EQ(error_of({{"account_sid", kAccountSid}, {"auth_token", kAuthToken}}), "ok");
  EXPECT_EQ(error_of({{"account_sid", kAccountSid},
                      {"api_key_sid", kApiKeySid},
                      {"api_key_secret", "key_secret"},
                      {"messaging_service_sid", kServiceSid}}),
            "ok");
  EXPECT_EQ(error_of({{"account_sid", "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, {"auth_token", "t"}}),
            "connectors[tw].account_sid: must be a Twilio Account SID (AC + 32 hex digits)");
  EXPECT_EQ(error_of({{"account_sid", "AC123"}, {"auth_token", "t"}}),
            "connectors[tw].account_sid: must be a Twilio Account SID (AC + 32 hex digits)");
  EXPECT_EQ(error_of({{"account_sid", kAccountSid}}),
            "connectors[tw].auth_token: is required (or api_key_sid + api_key_secret) for "
            "provider twilio");
  EXPECT_EQ(error_of({{"account_sid", kAccountSid}, {"api_key_sid", kApiKeySid}}),
            "connectors[tw].api_key_secret: api_key_sid and api_key_secret go together");
  EXPECT_EQ(error_of({{"account_sid", kAccountSid},
                      {"api_key_sid", "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
                      {"api_key_secret", "s"}}),
            "connectors[tw].api_key_sid: must be a Twilio API Key SID (SK + 32 hex digits)");
  EXPECT_EQ(error_of({{"account_sid", kAccountSid}, {"auth_token", "abc\n"}}),
            "connectors[tw].auth_token: must not contain whitespace");
  EXPECT_EQ(error_of({{"account_sid", kAccountSid},
                      {"auth_token", kAuthToken},
                      {"messaging_service_sid", "PN0123"}}),
            "connectors[tw].messaging_service_sid: must be a Messaging Service SID (MG + 32 hex "
            "digits)");
  EXPECT_EQ(error_of({{"account_sid", kAccountSid}, {"auth_token", kAuthToken}}, "api.twilio.com"),
            "connectors[tw].base_url: must be an http:// or https:// URL");
}

// ---- the connector against a fake Twilio ------------------------------------------------------

class TwilioConnectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Connector> make(std::map<std::string, std::string> values = {
                                      {"account_sid", kAccountSid}, {"auth_token", kAuthToken}}) {
    auto s = settings(std::move(values), fake_.base_url() + "/");
    s.timeout_ms = timeout_ms_;
    auto made = make_connector(s, deps_);
    EXPECT_TRUE(made) << made.error().message;
    return std::move(*made);
  }
  std::string messages_path() const {
    return "/2010-04-01/Accounts/" + std::string(kAccountSid) + "/Messages.json";
  }

  test::FakeProvider fake_;
  ManualClock clock_{kNow};
  std::unique_ptr<HttpClient> http_ = make_curl_client();
  ConnectorDeps deps_{clock_, *http_, "https://gw.example.com"};
  int64_t timeout_ms_ = 2000;
};

TEST_F(TwilioConnectorTest, SendsTheExactDocumentedRequestAndReadsThe201) {
  auto c = make();
  fake_.push({201, kQueued});
  Message m = test_message();
  m.media_urls = {"https://x.test/a.png", "https://x.test/b.png"};
  m.validity_period_s = 3600;
  auto r = c->send(m, "msg_1");
  ASSERT_TRUE(r.ok()) << failure(r).message;
  EXPECT_EQ(r->provider_message_id, "SM1f0e8ae6ade43cb3c0ce4525424e404f");
  EXPECT_EQ(r->provider_status, "queued");

  auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, messages_path());
  EXPECT_EQ(reqs[0].header("authorization"), kBasicToken);
  EXPECT_EQ(reqs[0].header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(form_decode(reqs[0].body),
            (FormFields{{"To", "+14155550123"},
                        {"From", "+12025550100"},
                        {"Body", "Hello & welcome: 100% +1"},
                        {"MediaUrl", "https://x.test/a.png"},
                        {"MediaUrl", "https://x.test/b.png"},
                        {"StatusCallback", "https://gw.example.com/webhooks/tw"},
                        {"ValidityPeriod", "3600"}}));
}

TEST_F(TwilioConnectorTest, ApiKeyAuthenticatesWithTheKeyAndSendsTheService) {
  auto c = make({{"account_sid", kAccountSid},
                 {"api_key_sid", kApiKeySid},
                 {"api_key_secret", "key_secret"},
                 {"messaging_service_sid", kServiceSid}});
  fake_.push({201, kCreated});
  ASSERT_TRUE(c->send(test_message(), "k"));
  auto req = fake_.requests().at(0);
  EXPECT_EQ(req.target, messages_path());  // the account path stays the Account SID
  EXPECT_EQ(req.header("authorization"), kBasicKey);
  EXPECT_EQ(form_decode(req.body).at(2),
            (std::pair<std::string, std::string>{"MessagingServiceSid", kServiceSid}));
}

// Standard and restricted API keys may not read /Accounts: with a key the probe is the message
// list (the Auth Token's account probe is in connector_contract_test.cc).
TEST_F(TwilioConnectorTest, WithAnApiKeyTheHealthCheckReadsTheMessageList) {
  auto keyed = make({{"account_sid", kAccountSid},
                     {"api_key_sid", kApiKeySid},
                     {"api_key_secret", "key_secret"}});
  fake_.push({200, R"({"messages": [], "next_page_uri": null})"});
  EXPECT_TRUE(keyed->health_check());
  EXPECT_EQ(fake_.requests().back().target, messages_path() + "?PageSize=1");
  EXPECT_EQ(fake_.requests().back().header("authorization"), kBasicKey);
}

// Counts requests in flight to prove the cap without timing guesses.
}  // namespace
}  // namespace sb::providers::twilio
