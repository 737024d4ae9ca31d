// VoiceMeUp connector: the pure wire functions from documented payloads, then the connector
// against the fake provider (exact requests, multi-request messages and their resumption; the
// failure classes and what every connector shares are in connector_contract_test.cc).
//
// Sources for the shapes. VoiceMeUp publishes no OpenAPI spec or official SDK; what is used:
// - Request (POST /api/v1.1/json/queue_sms, form fields username, auth_token, source_number,
//   destination_number, message, attachment; numbers without '+'; one attachment per request) and
//   success body: ../shared/reference/providers.md "VoiceMeUp", matching the roomkit SDK's
//   VoiceMeUp provider (roomkit/providers/voicemeup/sms.py, _send_message / _parse_response).
// - `response_messages.message` as a list or a single object, and the error body shape with
//   codes "duplicate_entry" / "permission_refused": roomkit's tests
//   (tests/test_providers/test_voicemeup.py, _success_response / _error_response).
// - Error codes beyond those two are not published; "invalid_destination_number" below is a
//   stand-in in the same shape, and the HTTP statuses (401, 429, 500) are generic HTTP failures.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/grapheme.h"
#include "core/segments.h"
#include "providers/transport/curl_client.h"
#include "providers/transport/http_util.h"
#include "providers/voicemeup/voicemeup_connector.h"
#include "support/fake_provider.h"
#include "voicemeup_payloads.h"

namespace sb::providers::voicemeup {
namespace {

using test::FakeProvider;
using test::FakeReply;

using test_payloads::error_body;
using test_payloads::success_body;

Options test_options(const std::string& base_url = "https://clients.voicemeup.com") {
  Options o;
  o.id = "vmu";
  o.base_url = base_url;
  o.username = "acme-api";
  o.auth_token = "tok_123";
  o.timeout_ms = 2000;
  o.max_concurrency = 4;
  return o;
}

Message sms(std::string body) {
  Message m;
  m.id = "msg_1";
  m.from = "+15145551234";
  m.to = "+15145559999";
  m.body = std::move(body);
  return m;
}

std::string concat(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& p : v) s += p;
  return s;
}

int utf16_len(std::string_view s) {
  int n = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n += len == 4 ? 2 : 1;
    i += len;
  }
  return n;
}

// ---- Settings ----

ConnectorSettings settings(std::map<std::string, std::string> values) {
  ConnectorSettings s;
  s.id = "vmu";
  s.provider = "voicemeup";
  s.values = std::move(values);
  return s;
}

TEST(VoiceMeUpSettings, DefaultsAndChecks) {
  auto o = options_from_settings(settings({{"username", "u"}, {"auth_token", "t"}}));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->base_url, "https://clients.voicemeup.com");

  auto s = settings({{"username", "u"}, {"auth_token", "t"}});
  s.base_url = "https://dev-clients.voicemeup.com/";
  o = options_from_settings(s);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->base_url, "https://dev-clients.voicemeup.com");  // trailing slash dropped

  s.base_url = "ftp://x";
  o = options_from_settings(s);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().field, "connectors[vmu].base_url");

  o = options_from_settings(settings({{"username", "u"}, {"auth_token", "t o k"}}));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().field, "connectors[vmu].auth_token");
  EXPECT_NE(o.error().message.find("connectors[vmu].auth_token"), std::string::npos);

  o = options_from_settings(
      settings({{"username", "u"}, {"auth_token", "t"}, {"webhook_secret", "short"}}));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().field, "connectors[vmu].webhook_secret");
  o = options_from_settings(settings(
      {{"username", "u"}, {"auth_token", "t"}, {"webhook_secret", "a-long_enough.secret~42"}}));
  EXPECT_TRUE(o);
}

// ---- Splitting and planning ----

TEST(VoiceMeUpSplit, ShortBodyIsOnePieceAndEmptyIsNone) {
  EXPECT_EQ(split_text("hello"), std::vector<std::string>{"hello"});
  EXPECT_TRUE(split_text("").empty());
  const std::string exactly(1000, 'a');
  EXPECT_EQ(split_text(exactly).size(), 1u);
}

TEST(VoiceMeUpSplit, LongGsmBodyIsCutOnSegmentBoundaries) {
  std::string body;
  for (int i = 0; body.size() < 2500; ++i) body += "word" + std::to_string(i) + " ";
  body.resize(2500);
  const auto pieces = split_text(body);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(concat(pieces), body);
  // 6 concatenated GSM-7 segments of 153 septets fit in 1000 characters; 7 would not.
  EXPECT_EQ(pieces[0].size(), 918u);
  EXPECT_EQ(pieces[1].size(), 918u);
  EXPECT_EQ(pieces[2].size(), 664u);
  // Segment-aligned pieces cost no more segments than the body as one message.
  int segments = 0;
  for (const auto& p : pieces) segments += analyze_segments(p).segments;
  EXPECT_EQ(segments, analyze_segments(body).segments);
}

TEST(VoiceMeUpSplit, NeverTearsAGraphemeCluster) {
  // A ZWJ family (5 code points, 8 UTF-16 units) and a flag (2 regional indicators) between
  // letters: UCS-2, 67-unit segments, clusters that straddle naive cut points.
  const std::string family =
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  const std::string flag = "\xF0\x9F\x87\xA8\xF0\x9F\x87\xA6";
  std::string body;
  while (utf16_len(body) < 2600) body += "ab" + family + "c" + flag + "\xC3\xA9";
  const auto pieces = split_text(body);
  ASSERT_GE(pieces.size(), 3u);
  EXPECT_EQ(concat(pieces), body);
  size_t clusters = 0;
  for (const auto& p : pieces) {
    EXPECT_LE(utf16_len(p), kMaxPartCharacters);
    clusters += grapheme::count(p);
  }
  EXPECT_EQ(clusters, grapheme::count(body));  // no cluster was split across pieces
}

TEST(VoiceMeUpSplit, AClusterLongerThanAPieceIsTheOnlyThingCutInside) {
  std::string zalgo = "a";
  for (int i = 0; i < 30; ++i) zalgo += "\xCC\x81";  // U+0301 combining acute, 30 times
  const auto pieces = split_text(zalgo, 10);
  EXPECT_EQ(concat(pieces), zalgo);
  for (const auto& p : pieces) EXPECT_LE(utf16_len(p), 10);
}

TEST(VoiceMeUpPlan, MediaOnePerRequestWithTheTextOnTheFirst) {
  Message m = sms("look");
  m.media_urls = {"https://m.example/a.jpg", "https://m.example/b.png", "https://m.example/c.gif"};
  EXPECT_EQ(plan_requests(m), (std::vector<Part>{{"look", "https://m.example/a.jpg"},
                                                 {"", "https://m.example/b.png"},
                                                 {"", "https://m.example/c.gif"}}));
  m.body.clear();
  m.media_urls.resize(1);
  EXPECT_EQ(plan_requests(m), (std::vector<Part>{{"", "https://m.example/a.jpg"}}));
  m.body = std::string(2500, 'x');
  m.media_urls = {"https://m.example/a.jpg", "https://m.example/b.png"};
  const auto parts = plan_requests(m);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].attachment, "https://m.example/a.jpg");
  EXPECT_EQ(parts[1].attachment, "https://m.example/b.png");
  EXPECT_EQ(parts[2].attachment, "");
  EXPECT_EQ(parts[0].text + parts[1].text + parts[2].text, m.body);
}

// ---- Request building ----

TEST(VoiceMeUpWire, BuildsTheDocumentedQueueSmsForm) {
  Message m = sms("Hi & bye = 100%");
  const HttpRequest r = build_send_request(test_options(), m, {"Hi & bye = 100%", ""});
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://clients.voicemeup.com/api/v1.1/json/queue_sms");
  EXPECT_EQ(r.timeout_ms, 2000);
  EXPECT_NE(std::find(r.headers.begin(), r.headers.end(),
                      std::pair<std::string, std::string>{"Content-Type",
                                                          "application/x-www-form-urlencoded"}),
            r.headers.end());
  EXPECT_EQ(form_decode(r.body), (FormFields{{"username", "acme-api"},
                                             {"auth_token", "tok_123"},
                                             {"source_number", "15145551234"},
                                             {"destination_number", "15145559999"},
                                             {"message", "Hi & bye = 100%"}}));
  const HttpRequest mms = build_send_request(test_options(), m, {"", "https://m.example/a.jpg"});
  EXPECT_EQ(form_decode(mms.body), (FormFields{{"username", "acme-api"},
                                               {"auth_token", "tok_123"},
                                               {"source_number", "15145551234"},
                                               {"destination_number", "15145559999"},
                                               {"attachment", "https://m.example/a.jpg"}}));
}

// ---- Response parsing ----

HttpResponse reply(int status, std::string body, Headers h = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(h);
  return r;
}

TEST(VoiceMeUpWire, ParsesSuccessAsListOrSingleObject) {
  auto r = parse_send_response(reply(200, success_body("ce650cb8-1c2d-a751-d397-31b901ec4efd")), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "ce650cb8-1c2d-a751-d397-31b901ec4efd");
  EXPECT_EQ(r->provider_status, "queued");
  r = parse_send_response(
      reply(200, R"({"response_details":{"response_status":"success","response_messages":)"
                 R"({"message":{"code":"queued_sms_hash","_content":"h-1"}}}})"),
      0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "h-1");
}

TEST(VoiceMeUpWire, ClassifiesErrorsKeepingTheProvidersCode) {
  // VoiceMeUp answers errors with HTTP 200 and response_status "error".
  auto r = parse_send_response(reply(200, error_body("duplicate_entry", "SMS already queued")), 0);
  auto f = r.error();
  EXPECT_EQ(f.kind, FailureKind::kPermanent);
  EXPECT_EQ(f.code, "duplicate_entry");
  EXPECT_EQ(f.message, "SMS already queued");
  f = parse_send_response(reply(200, error_body("permission_refused", "")), 0).error();
  EXPECT_EQ(f.kind, FailureKind::kAuth);
  EXPECT_EQ(f.message, "permission_refused");
  // Non-2xx statuses decide first, the code refines a generic 4xx.
  f = parse_send_response(reply(400, error_body("invalid_destination_number", "bad number")), 0)
          .error();
  EXPECT_EQ(f.kind, FailureKind::kPermanent);
  EXPECT_EQ(f.code, "invalid_destination_number");
  f = parse_send_response(reply(400, error_body("invalid_auth_token", "")), 0).error();
  EXPECT_EQ(f.kind, FailureKind::kAuth);
  f = parse_send_response(reply(401, "Unauthorized"), 0).error();
  EXPECT_EQ(f.kind, FailureKind::kAuth);
  EXPECT_EQ(f.code, "http_401");
  f = parse_send_response(reply(429, "", {{"Retry-After", "3"}}), 0).error();
  EXPECT_EQ(f.kind, FailureKind::kRateLimited);
  EXPECT_EQ(*f.retry_after_ms, 3000);
  f = parse_send_response(reply(503, "<html>down</html>"), 0).error();
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  f = parse_send_response(reply(200, "<html>maintenance</html>"), 0).error();
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  EXPECT_EQ(f.code, "invalid_response");
  HttpResponse none;
  none.timed_out = true;
  none.error = "Operation timed out";
  f = parse_send_response(none, 0).error();
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  EXPECT_EQ(f.code, "timeout");
}

TEST(VoiceMeUpWire, ErrorCodeWords) {
  EXPECT_EQ(classify_error_code("insufficient_balance"), FailureKind::kAuth);
  EXPECT_EQ(classify_error_code("rate_limit_exceeded"), FailureKind::kRateLimited);
  EXPECT_EQ(classify_error_code("internal_error"), FailureKind::kTransient);
  EXPECT_EQ(classify_error_code("invalid_source_number"), FailureKind::kPermanent);
}

// ---- Connector against the fake provider ----

class VoiceMeUpConnectorTest : public ::testing::Test {
 protected:
  VoiceMeUpConnectorTest() : http_(make_curl_client()) {}
  std::unique_ptr<VoiceMeUpConnector> connector(int timeout_ms = 2000, int concurrency = 4) {
    Options o = test_options(fake_.base_url());
    o.timeout_ms = timeout_ms;
    o.max_concurrency = concurrency;
    return std::make_unique<VoiceMeUpConnector>(o, clock_, *http_);
  }
  FormFields form(size_t i) { return form_decode(fake_.requests().at(i).body); }
  static std::string field(const FormFields& f, const std::string& key) {
    for (const auto& [k, v] : f) {
      if (k == key) return v;
    }
    return "<absent>";
  }

  ManualClock clock_;
  FakeProvider fake_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(VoiceMeUpConnectorTest, SendsTheExactRequestAndReturnsTheHash) {
  fake_.push({200, success_body("c3efc8a3-f901-52ac-9868-93f6e89d10f6")});
  auto c = connector();
  auto r = c->send(sms("Hello from Switchboard"), "msg_1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->provider_message_id, "c3efc8a3-f901-52ac-9868-93f6e89d10f6");
  EXPECT_EQ(r->provider_status, "queued");
  ASSERT_EQ(fake_.request_count(), 1u);
  const auto req = fake_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/api/v1.1/json/queue_sms");  // nothing in the query string
  EXPECT_EQ(req.header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(req.header("authorization"), "");  // credentials are form fields
  EXPECT_EQ(form_decode(req.body), (FormFields{{"username", "acme-api"},
                                               {"auth_token", "tok_123"},
                                               {"source_number", "15145551234"},
                                               {"destination_number", "15145559999"},
                                               {"message", "Hello from Switchboard"}}));
  EXPECT_EQ(req.body.find("%2B"), std::string::npos);  // no '+' on the numbers
}

TEST_F(VoiceMeUpConnectorTest, A2500CharacterBodyIsThreeRequestsOneMessage) {
  std::string body;
  for (int i = 0; body.size() < 2500; ++i)
    body += "part of a long text " + std::to_string(i) + ". ";
  body.resize(2500);
  fake_.push({200, success_body("h1")});
  fake_.push({200, success_body("h2")});
  fake_.push({200, success_body("h3")});
  auto c = connector();
  auto r = c->send(sms(body), "long");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->provider_message_id, "h1");
  EXPECT_EQ(r->provider_status, "queued parts=h1,h2,h3");
  ASSERT_EQ(fake_.request_count(), 3u);
  std::string joined;
  for (size_t i = 0; i < 3; ++i) {
    const auto f = form(i);
    EXPECT_EQ(field(f, "destination_number"), "15145559999");
    EXPECT_EQ(field(f, "attachment"), "<absent>");
    EXPECT_LE(field(f, "message").size(), 1000u);
    joined += field(f, "message");
  }
  EXPECT_EQ(joined, body);
}

TEST_F(VoiceMeUpConnectorTest, ThreeMediaUrlsAreThreeRequests) {
  Message m = sms("Photos");
  m.media_urls = {"https://m.example/1.jpg", "https://m.example/2.jpg", "https://m.example/3.jpg"};
  fake_.push({200, success_body("m1")});
  fake_.push({200, success_body("m2")});
  fake_.push({200, success_body("m3")});
  auto r = connector()->send(m, "mms");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "m1");
  ASSERT_EQ(fake_.request_count(), 3u);
  EXPECT_EQ(form(0), (FormFields{{"username", "acme-api"},
                                 {"auth_token", "tok_123"},
                                 {"source_number", "15145551234"},
                                 {"destination_number", "15145559999"},
                                 {"message", "Photos"},
                                 {"attachment", "https://m.example/1.jpg"}}));
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(field(form(i), "message"), "<absent>");
    EXPECT_EQ(field(form(i), "attachment"), m.media_urls[i]);
  }
}

TEST_F(VoiceMeUpConnectorTest, ARetryResumesAfterTheLastAcceptedRequest) {
  Message m = sms("x");
  m.media_urls = {"https://m.example/1.jpg", "https://m.example/2.jpg", "https://m.example/3.jpg"};
  auto c = connector();
  fake_.push({200, success_body("m1")});
  fake_.push({503, "busy", "text/plain"});
  auto f = c->send(m, "resume").error();
  EXPECT_EQ(f.kind, FailureKind::kTransient);
  EXPECT_NE(f.message.find("m1"), std::string::npos) << f.message;
  ASSERT_EQ(fake_.request_count(), 2u);

  fake_.push({200, success_body("m2")});
  fake_.push({200, success_body("m3")});
  auto r = c->send(m, "resume");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "m1");
  EXPECT_EQ(r->provider_status, "queued parts=m1,m2,m3");
  ASSERT_EQ(fake_.request_count(), 4u);  // image 1 was not sent twice
  EXPECT_EQ(field(form(2), "attachment"), "https://m.example/2.jpg");
  EXPECT_EQ(field(form(3), "attachment"), "https://m.example/3.jpg");

  // A finished key answers again without sending (the outcome's write was lost, say).
  r = c->send(m, "resume");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider_message_id, "m1");
  EXPECT_EQ(fake_.request_count(), 4u);
}

TEST_F(VoiceMeUpConnectorTest, APermanentFailureMidwaySaysWhatWasAlreadyQueued) {
  Message m = sms("x");
  m.media_urls = {"https://m.example/1.jpg", "https://m.example/huge.mov"};
  fake_.push({200, success_body("m1")});
  fake_.push({200, error_body("invalid_attachment", "Attachment too large")});
  auto f = connector()->send(m, "perm").error();
  EXPECT_EQ(f.kind, FailureKind::kPermanent);
  EXPECT_EQ(f.code, "invalid_attachment");
  EXPECT_NE(f.message.find("Attachment too large"), std::string::npos);
  EXPECT_NE(f.message.find("queued as m1"), std::string::npos) << f.message;
}

TEST_F(VoiceMeUpConnectorTest, ForgetsOldProgress) {
  auto c = connector();
  fake_.push({200, success_body("a")});
  ASSERT_TRUE(c->send(sms("a"), "old").ok());
  EXPECT_EQ(c->tracked_keys(), 1u);
  clock_.advance(kFinishedKeyTtlMs + 120'000);
  fake_.push({200, success_body("b")});
  ASSERT_TRUE(c->send(sms("b"), "new").ok());
  EXPECT_EQ(c->tracked_keys(), 1u);  // "old" was pruned
}

}  // namespace
}  // namespace sb::providers::voicemeup
