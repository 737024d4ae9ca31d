// Forward requests and app replies: signature vectors computed independently (Python's hmac
// module: hmac.new(b"sbsig_0123", b"1700000000.<signed>", hashlib.sha256).hexdigest()), the GET
// query string, the reply parser's accept/reject rules and the bounded excerpt.
#include "engine/forwarding.h"

#include <gtest/gtest.h>

namespace sb::engine {
namespace {

TEST(ForwardingTest, SignatureIsHmacSha256OfTimestampDotSignedPart) {
  EXPECT_EQ(signature_header("sbsig_0123", 1'700'000'000, R"({"id":"msg_1"})"),
            "t=1700000000,v1=4344aa2c11f6947cf908614547d35aef75eb15a5371bd6057971effe71471e88");
  EXPECT_EQ(signature_header("sbsig_0123", 1'700'000'000, "a=1&id=msg_1"),
            "t=1700000000,v1=017511f93ea1a19f9185fa72d5a111adc0c3554ebe1a5853cafb4c273ad1ba6e");
}

Delivery forward(const std::string& url, const std::string& method) {
  Delivery d;
  d.id = "dlv_1";
  d.kind = "forward";
  d.url = url;
  d.method = method;
  d.attempts = 2;
  return d;
}

std::string header(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

TEST(ForwardingTest, GetSignsTheWholeQueryStringAsSent) {
  auto r = forward_request(forward("https://app.example/in?a=1", "GET"), "id=msg_1", "sbsig_0123",
                           1'700'000'000, 5000);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, "https://app.example/in?a=1&id=msg_1");
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(header(r, "Switchboard-Signature"),
            "t=1700000000,v1=017511f93ea1a19f9185fa72d5a111adc0c3554ebe1a5853cafb4c273ad1ba6e");
  EXPECT_EQ(header(r, "Switchboard-Event"), "message.received");
  EXPECT_EQ(header(r, "Switchboard-Delivery"), "dlv_1");
  EXPECT_EQ(header(r, "Switchboard-Attempt"), "2");
  EXPECT_EQ(r.timeout_ms, 5000);

  auto bare = forward_request(forward("https://app.example/in", "GET"), "id=msg_1", "k", 1, 1);
  EXPECT_EQ(bare.url, "https://app.example/in?id=msg_1");
  auto post = forward_request(forward("https://app.example/in", "POST"), "{}", "k", 1, 1);
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.body, "{}");
  EXPECT_EQ(header(post, "Content-Type"), "application/json");
}

TEST(ForwardingTest, QueryCarriesTheMessageMediaAndContact) {
  Message m;
  m.id = "msg_1";
  m.direction = Direction::kInbound;
  m.status = Status::kReceived;
  m.from = "+14155550123";
  m.to = "+12025550100";
  m.body = "a b&c=d";
  m.segments = 1;
  m.conversation_id = "conv_1";
  m.media_urls = {"https://m.example/1.jpg"};
  m.media = {{"https://m.example/1.jpg", "image/jpeg", 10}};
  Contact c;
  c.id = "ct_1";
  c.name = "Ann";
  const std::string q = forward_query(m, c);
  EXPECT_NE(q.find("body=a%20b%26c%3Dd"), std::string::npos) << q;
  EXPECT_NE(q.find("from=%2B14155550123"), std::string::npos) << q;
  EXPECT_NE(q.find("num_media=1&media_url_0=https%3A%2F%2Fm.example%2F1.jpg&"
                   "media_content_type_0=image%2Fjpeg"),
            std::string::npos)
      << q;
  EXPECT_NE(q.find("contact_id=ct_1&contact_name=Ann"), std::string::npos) << q;
  EXPECT_EQ(forward_query(m, std::nullopt).find("contact_id"), std::string::npos);
  const auto j = forward_payload(m, c);
  EXPECT_EQ(j["id"], "msg_1");
  EXPECT_EQ(j["contact"]["name"], "Ann");
  EXPECT_TRUE(forward_payload(m, std::nullopt)["contact"].is_null());
}

TEST(ForwardingTest, AppRepliesAreReadStrictlyAndOnlyWhenAsked) {
  // No reply asked: nothing, no error.
  for (const char* body : {"", "{}", "OK", "[1]", R"({"reply": null})", R"({"ok": true})"}) {
    auto r = parse_app_reply(body);
    ASSERT_TRUE(r.ok()) << body;
    EXPECT_FALSE(r->has_value()) << body;
  }
  auto ok = parse_app_reply(R"({"reply": {"body": "Hi", "media_urls": ["https://x/1.png"]}})");
  ASSERT_TRUE(ok.ok() && ok->has_value());
  EXPECT_EQ((*ok)->body, "Hi");
  EXPECT_EQ((*ok)->media_urls, std::vector<std::string>{"https://x/1.png"});

  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"reply": "Hi"})", "reply"},
      {R"({"reply": {"body": 5}})", "reply.body"},
      {R"({"reply": {"body": "x", "to": "+1555"}})", "reply.to"},
      {R"({"reply": {"media_urls": "https://x"}})", "reply.media_urls"},
      {R"({"reply": {"media_urls": ["https://x", 3]}})", "reply.media_urls[1]"},
      {std::string(kMaxReplyBytes + 1, ' '), "reply"},
  };
  for (const auto& [body, field] : bad) {
    auto r = parse_app_reply(body);
    ASSERT_FALSE(r.ok()) << body.substr(0, 80);
    EXPECT_EQ(r.error().code, "invalid_reply");
    EXPECT_EQ(r.error().field, field);
  }
}

TEST(ForwardingTest, ExcerptIsBoundedOnACharacterBoundary) {
  EXPECT_EQ(excerpt("short"), "short");
  EXPECT_EQ(excerpt(std::string(600, 'a')).size(), kExcerptBytes);
  // "é" is two bytes: a cut through it backs up to before it.
  EXPECT_EQ(excerpt("abé", 3), "ab");
  EXPECT_EQ(excerpt("abé", 4), "abé");
}

TEST(ForwardingTest, ForwardsWaitForReHostedMediaButNotForever) {
  Message m;
  m.created_at = 1'700'000'000'000;
  const TimeMs soon = m.created_at + 1000;
  EXPECT_TRUE(ready_to_forward(m, soon));  // no media
  MediaItem provider_url;                  // not re-hosted (no id): nothing to wait for
  provider_url.url = "https://media.example/1.jpg";
  m.media = {provider_url};
  EXPECT_TRUE(ready_to_forward(m, soon));
  MediaItem pending;
  pending.id = "med_1";
  pending.state = "pending";
  MediaItem ready = pending;
  ready.state = "ready";
  MediaItem failed = pending;
  failed.state = "failed";
  m.media = {ready, pending};
  EXPECT_FALSE(ready_to_forward(m, soon));
  EXPECT_FALSE(ready_to_forward(m, m.created_at + kMaxMediaWaitMs - 1));
  EXPECT_TRUE(ready_to_forward(m, m.created_at + kMaxMediaWaitMs));  // stopped fetcher
  m.media = {ready, failed};  // a failure is an answer: forward with the error
  EXPECT_TRUE(ready_to_forward(m, soon));
}

}  // namespace
}  // namespace sb::engine
