// SignalWire connector: LaML mode is Twilio's wire format at the space's /api/laml root (shared
// code, so these tests pin what differs: root, path segment, credentials, limits); REST mode is
// SignalWire's JSON messaging API. Then both against a loopback fake (what every connector shares
// is in connector_contract_test.cc).
//
// Sources for shapes:
//  - LaML: signalwire/docs specs/compatibility-api (_spec_.yaml servers
//    https://{space_name}.signalwire.com/api/laml/2010-04-01, basic_auth; messages/main.tsp
//    create/read on /Accounts/{AccountSid}/Messages; messages/models/requests.tsp fields To,
//    From, Body, MediaUrl, StatusCallback, ValidityPeriod (default 14400), MessagingServiceSid;
//    messages/models/core.tsp statuses; _shared/errors.tsp error bodies {code, message, more_info,
//    status} and {errors: [...]}; accounts/main.tsp: reading the Account needs the Management
//    scope, listing messages only Messaging). Message body: developer.signalwire.com
//    "compatibility-api/client-sdks/methods/messaging", "The Message Object" sample. Error 21217:
//    developer.signalwire.com "compatibility-api/rest/overview/error-codes".
//  - REST: SignalWire's published specs (signalwire/docs specs/signalwire-rest) hold no
//    messaging API; request/response shapes follow our reference notes
//    (shared/reference/providers.md: POST {space}/api/messaging/messages, Basic, JSON to, from,
//    body, media[] (<= 8), status_callback; 201 id, status, kind, number_of_segments; 422
//    {errors: [{type, code, message, attribute, url}]}, the error item shape SignalWire's REST
//    APIs share (specs/compatibility-api/_shared/errors.tsp CompatibilityTokenValidationError)).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "providers/registry.h"
#include "providers/signalwire/signalwire_connector.h"
#include "providers/signalwire/signalwire_rest.h"
#include "providers/transport/curl_client.h"
#include "providers/transport/http_util.h"
#include "providers/twilio/twilio_wire.h"
#include "support/fake_provider.h"

namespace sb::providers::signalwire {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kProject[] = "ea108133-d6b3-407c-9536-9fad8a929a6a";
constexpr char kToken[] = "PTda745ebXXXXXXXXXXXXXXXXXXXXXX";
// base64("ea108133-d6b3-407c-9536-9fad8a929a6a:PTda745ebXXXXXXXXXXXXXXXXXXXXXX")
constexpr char kBasic[] =
    "Basic "
    "ZWExMDgxMzMtZDZiMy00MDdjLTk1MzYtOWZhZDhhOTI5YTZhOlBUZGE3NDVlYlhYWFhYWFhYWFhYWFhYWFhYWFhYWFg=";
constexpr TimeMs kNow = 1'700'000'000'000;

// developer.signalwire.com, Compatibility API "Messages", The Message Object sample.
constexpr char kLamlMessage[] = R"({
  "account_sid": "ea108133-d6b3-407c-9536-9fad8a929a6a",
  "api_version": "2010-04-01",
  "body": "Hello World!",
  "num_segments": 1,
  "num_media": 1,
  "date_created": "Mon, 13 Aug 2018 21:38:46 +0000",
  "date_sent": null,
  "date_updated": "Mon, 13 Aug 2018 21:38:46 +0000",
  "direction": "outbound-api",
  "error_code": null,
  "error_message": null,
  "from": "+15551234567",
  "price": 0.005,
  "price_unit": "USD",
  "sid": "0a059168-ead0-41af-9d1f-343dae832527",
  "status": "queued",
  "to": "+15557654321",
  "messaging_service_sid": null,
  "uri": "/api/laml/2010-04-01/Accounts/ea108133-d6b3-407c-9536-9fad8a929a6a/Messages/0a059168-ead0-41af-9d1f-343dae832527",
  "subresource_uris": {
    "media": "/api/laml/2010-04-01/Accounts/ea108133-d6b3-407c-9536-9fad8a929a6a/Messages/0a059168-ead0-41af-9d1f-343dae832527/Media"
  }
})";

// specs/compatibility-api/_shared/errors.tsp CompatibilityErrorResponse, with 21217 from the
// Compatibility API error-code table.
constexpr char kLamlInvalidTo[] =
    R"({"code": 21217, "message": "A call or SMS is placed to a destination which does not represent a valid phone number", "more_info": "https://developer.signalwire.com/compatibility-api/reference/error-codes", "status": 400})";
constexpr char kLamlAuth[] =
    R"({"code": 20003, "message": "Authentication failed", "more_info": "https://developer.signalwire.com/compatibility-api/reference/errors", "status": 401})";

constexpr char kRestCreated[] = R"({
  "id": "8e1b7a3c-5b1d-4e9e-9d4c-2f6b9f0c1a11",
  "from": "+15551234567",
  "to": "+15557654321",
  "body": "Hello World!",
  "status": "queued",
  "kind": "sms",
  "number_of_segments": 1,
  "media": []
})";
constexpr char kRestInvalid[] = R"({"errors": [{"type": "validation_error",
  "code": "invalid_parameter", "message": "To is not a valid phone number",
  "attribute": "to", "url": "https://developer.signalwire.com/rest/overview/error-codes#invalid_parameter"}]})";

Message test_message() {
  Message m;
  m.id = "msg_1";
  m.from = "+15551234567";
  m.to = "+15557654321";
  m.body = "Hello World!";
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

TEST(SignalWireLaml, TwilioRequestAtTheSpacesLamlRootWithProjectCredentials) {
  const auto api = laml_api("https://example.signalwire.com", kProject, kToken,
                            "https://gw.example.com/webhooks/sw", 5000);
  Message m = test_message();
  m.media_urls = {"https://x.test/a.png", "https://x.test/b.png"};
  m.validity_period_s = 86'400;
  const HttpRequest req = twilio::build_send_request(api, m, kNow);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://example.signalwire.com/api/laml/2010-04-01/Accounts/" +
                         std::string(kProject) + "/Messages.json");
  EXPECT_EQ(header(req, "Authorization"), kBasic);
  EXPECT_EQ(header(req, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(req.timeout_ms, 5000);
  EXPECT_EQ(form_decode(req.body),
            (FormFields{{"To", "+15557654321"},
                        {"From", "+15551234567"},
                        {"Body", "Hello World!"},
                        {"MediaUrl", "https://x.test/a.png"},
                        {"MediaUrl", "https://x.test/b.png"},
                        {"StatusCallback", "https://gw.example.com/webhooks/sw"},
                        {"ValidityPeriod", "14400"}}));  // SignalWire's cap

  const HttpRequest status =
      twilio::build_status_request(api, "0a059168-ead0-41af-9d1f-343dae832527");
  EXPECT_EQ(status.url, "https://example.signalwire.com/api/laml/2010-04-01/Accounts/" +
                            std::string(kProject) +
                            "/Messages/0a059168-ead0-41af-9d1f-343dae832527.json");
}

TEST(SignalWireLaml, ParsesSignalWiresMessageAndErrors) {
  auto r = twilio::parse_send_response(response(201, kLamlMessage), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "0a059168-ead0-41af-9d1f-343dae832527");
  EXPECT_EQ(r->provider_status, "queued");

  auto f = failure(twilio::parse_send_response(response(400, kLamlInvalidTo), kNow));
  EXPECT_EQ(f.kind, FailureKind::kPermanent);
  EXPECT_EQ(f.code, "21217");
  EXPECT_EQ(f.message,
            "A call or SMS is placed to a destination which does not represent a valid phone "
            "number");
  f = failure(twilio::parse_send_response(response(401, kLamlAuth), kNow));
  EXPECT_EQ(f.kind, FailureKind::kAuth);
  EXPECT_EQ(f.code, "20003");
  // CompatibilityErrorArrayResponse.
  f = failure(twilio::parse_send_response(
      response(400, R"({"errors": [{"code": "30010", "message": "Maxprice exceeded"}]})"), kNow));
  EXPECT_EQ(f.code, "30010");
  EXPECT_EQ(f.message, "Maxprice exceeded");

  auto q = twilio::parse_status_response(response(200, kLamlMessage), kNow);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->status, Status::kSending);  // queued
}

TEST(SignalWireRest, RequestIsJsonWithMediaArrayAndCallback) {
  RestApi api{"https://example.signalwire.com", kProject, kToken,
              "https://gw.example.com/webhooks/sw", 5000};
  Message m = test_message();
  m.media_urls = {"https://x.test/a.png"};
  const HttpRequest req = build_send_request(api, m);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://example.signalwire.com/api/messaging/messages");
  EXPECT_EQ(header(req, "Authorization"), kBasic);
  EXPECT_EQ(header(req, "Content-Type"), "application/json");
  EXPECT_EQ(req.timeout_ms, 5000);
  EXPECT_EQ(json::parse(req.body),
            (json{{"to", "+15557654321"},
                  {"from", "+15551234567"},
                  {"body", "Hello World!"},
                  {"media", {"https://x.test/a.png"}},
                  {"status_callback", "https://gw.example.com/webhooks/sw"}}));
  m.body.clear();
  m.media_urls.clear();
  m.validity_period_s = 60;  // no such field in the REST API: not sent
  const json sparse = json::parse(build_send_request(api, m).body);
  EXPECT_FALSE(sparse.contains("body"));
  EXPECT_FALSE(sparse.contains("media"));
  EXPECT_EQ(sparse.size(), 3u);
}

TEST(SignalWireRest, ParsesCreatedAndClassifiesErrors) {
  auto r = parse_send_response(response(201, kRestCreated), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "8e1b7a3c-5b1d-4e9e-9d4c-2f6b9f0c1a11");
  EXPECT_EQ(r->provider_status, "queued");

  auto f = failure(parse_send_response(response(422, kRestInvalid), kNow));
  EXPECT_EQ(f.kind, FailureKind::kPermanent);
  EXPECT_EQ(f.code, "invalid_parameter");
  EXPECT_EQ(f.message, "To is not a valid phone number");
  f = failure(parse_send_response(response(401, R"({"errors": [{"code": "unauthorized",
      "message": "Unauthorized"}]})"),
                                  kNow));
  EXPECT_EQ(f.kind, FailureKind::kAuth);
  f = failure(parse_send_response(response(429, "", {{"Retry-After", "4"}}), kNow));
  EXPECT_EQ(f.kind, FailureKind::kRateLimited);
  EXPECT_EQ(f.retry_after_ms, 4000);
  f = failure(parse_send_response(response(503, "upstream down"), kNow));
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  f = failure(parse_send_response(response(404, R"({"errors": [{"code": "not_found",
      "message": "Not Found"}]})"),
                                  kNow));
  EXPECT_EQ(f.kind, FailureKind::kAuth);  // no REST messaging API at this root: configuration
}

TEST(SignalWireRest, RefusesMoreMediaThanTheRestApiTakes) {
  Message m = test_message();
  m.media_urls.assign(8, "https://x.test/a.png");
  EXPECT_TRUE(check_rest_message(m));
  m.media_urls.push_back("https://x.test/9.png");
  auto f = check_rest_message(m);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().kind, FailureKind::kPermanent);
  EXPECT_EQ(f.error().code, "too_many_media");
}

TEST(SignalWireRest, MapsStatuses) {
  EXPECT_EQ(map_status("queued"), Status::kSending);
  EXPECT_EQ(map_status("initiated"), Status::kSending);
  EXPECT_EQ(map_status("sent"), Status::kSent);
  EXPECT_EQ(map_status("delivered"), Status::kDelivered);
  EXPECT_EQ(map_status("read"), Status::kDelivered);
  EXPECT_EQ(map_status("undelivered"), Status::kUndelivered);
  EXPECT_EQ(map_status("failed"), Status::kFailed);
}

// ---- configuration ----------------------------------------------------------------------------

ConnectorSettings settings(std::map<std::string, std::string> values, std::string base_url = {}) {
  ConnectorSettings s;
  s.id = "sw";
  s.provider = "signalwire";
  s.base_url = std::move(base_url);
  s.timeout_ms = 2000;
  s.max_concurrency = 4;
  s.values = std::move(values);
  return s;
}

std::map<std::string, std::string> good_values(std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> v = {
      {"space_url", "example.signalwire.com"}, {"project_id", kProject}, {"api_token", kToken}};
  for (auto& [k, val] : extra) v[k] = val;
  return v;
}

class SignalWireConfig : public ::testing::Test {
 protected:
  std::string error_of(std::map<std::string, std::string> values) {
    auto made = make_connector(settings(std::move(values)), deps_);
    return made ? std::string("ok") : made.error().message;
  }
  ManualClock clock_;
  std::unique_ptr<HttpClient> http_ = make_curl_client();
  ConnectorDeps deps_{clock_, *http_, "https://gw.example.com"};
};

TEST_F(SignalWireConfig, NamesTheConnectorAndKeyOfEveryMistake) {
  EXPECT_EQ(error_of(good_values()), "ok");
  EXPECT_EQ(error_of(good_values({{"space_url", "https://example.signalwire.com/"},
                                  {"signing_key", "PSK_abc"},
                                  {"api", "rest"}})),
            "ok");
  EXPECT_EQ(error_of(good_values({{"project_id", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}})),
            "connectors[sw].project_id: must be the project id, a UUID like "
            "ea108133-d6b3-407c-9536-9fad8a929a6a");
  EXPECT_EQ(error_of(good_values({{"space_url", "https://example.signalwire.com/api/laml"}})),
            "connectors[sw].space_url: must be the space's host, e.g. example.signalwire.com");
  EXPECT_EQ(error_of(good_values({{"space_url", "ftp://example.signalwire.com"}})),
            "connectors[sw].space_url: must be an http:// or https:// URL");
  EXPECT_EQ(error_of(good_values({{"api", "relay"}})),
            "connectors[sw].api: must be \"laml\" or \"rest\"");
  EXPECT_EQ(error_of(good_values({{"api_token", "PT abc"}})),
            "connectors[sw].api_token: must not contain whitespace");
}

// ---- the connector against a fake SignalWire --------------------------------------------------

class SignalWireConnectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Connector> make(std::map<std::string, std::string> values = good_values()) {
    auto s = settings(std::move(values), fake_.base_url());
    s.timeout_ms = timeout_ms_;
    auto made = make_connector(s, deps_);
    EXPECT_TRUE(made) << made.error().message;
    return std::move(*made);
  }
  std::string laml_path(const std::string& rest) const {
    return "/api/laml/2010-04-01/Accounts/" + std::string(kProject) + rest;
  }

  test::FakeProvider fake_;
  ManualClock clock_{kNow};
  std::unique_ptr<HttpClient> http_ = make_curl_client();
  ConnectorDeps deps_{clock_, *http_, "https://gw.example.com"};
  int64_t timeout_ms_ = 2000;
};

TEST_F(SignalWireConnectorTest, LamlSendsTheExactRequestAndReadsThe201) {
  auto c = make();
  fake_.push({201, kLamlMessage});
  Message m = test_message();
  m.validity_period_s = 120;
  auto r = c->send(m, "msg_1");
  ASSERT_TRUE(r.ok()) << failure(r).message;
  EXPECT_EQ(r->provider_message_id, "0a059168-ead0-41af-9d1f-343dae832527");
  auto req = fake_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, laml_path("/Messages.json"));
  EXPECT_EQ(req.header("authorization"), kBasic);
  EXPECT_EQ(req.header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(form_decode(req.body),
            (FormFields{{"To", "+15557654321"},
                        {"From", "+15551234567"},
                        {"Body", "Hello World!"},
                        {"StatusCallback", "https://gw.example.com/webhooks/sw"},
                        {"ValidityPeriod", "120"}}));
}

TEST_F(SignalWireConnectorTest, RestSendsJsonAndReadsThe201) {
  auto c = make(good_values({{"api", "rest"}}));
  fake_.push({201, kRestCreated});
  Message m = test_message();
  m.media_urls = {"https://x.test/a.png", "https://x.test/b.png"};
  auto r = c->send(m, "msg_1");
  ASSERT_TRUE(r.ok()) << failure(r).message;
  EXPECT_EQ(r->provider_message_id, "8e1b7a3c-5b1d-4e9e-9d4c-2f6b9f0c1a11");
  auto req = fake_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/api/messaging/messages");
  EXPECT_EQ(req.header("authorization"), kBasic);
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(json::parse(req.body),
            (json{{"to", "+15557654321"},
                  {"from", "+15551234567"},
                  {"body", "Hello World!"},
                  {"media", {"https://x.test/a.png", "https://x.test/b.png"}},
                  {"status_callback", "https://gw.example.com/webhooks/sw"}}));

  fake_.push({422, kRestInvalid});
  auto f = failure(c->send(m, "msg_2"));
  EXPECT_EQ(f.kind, FailureKind::kPermanent);
  EXPECT_EQ(f.code, "invalid_parameter");

  m.media_urls.assign(9, "https://x.test/a.png");
  f = failure(c->send(m, "msg_3"));
  EXPECT_EQ(f.code, "too_many_media");
  EXPECT_EQ(fake_.request_count(), 2u);  // refused before any request
}

}  // namespace
}  // namespace sb::providers::signalwire
