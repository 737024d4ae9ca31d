// Sinch SMS callbacks: HMAC and Basic authentication, MO messages and delivery reports.
//
// Sources:
//  - inbound shapes: https://developers.sinch.com/docs/sms/api-reference/sms/tag/Inbounds/
//    (MOText {type, id, from, to, body, received_at, operator_id}; MOMedia body {subject, message,
//    media[{url, content_type, status, code}]} as in sinch-sdk-python MOMediaBody / MOMediaItem).
//  - delivery reports: https://developers.sinch.com/docs/sms/api-reference/sms/tag/Delivery-reports/
//    (recipient_delivery_report_sms {at, batch_id, code, recipient, status, ...};
//    delivery_report_sms {batch_id, statuses[{code, count, recipients, status}], total_message_count}).
//  - callback signing: /work/shared/reference/providers.md (x-sinch-webhook-signature headers);
//    Basic: https://developers.sinch.com/docs/sms/api-reference/sms/tag/Webhooks/
#include <gtest/gtest.h>

#include "core/crypto.h"
#include "providers/registry.h"
#include "providers/webhook.h"
#include "support/webhook_signing.h"

namespace sb::providers {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;
constexpr int64_t kNowS = kNow / 1000;
constexpr char kSecret[] = "sinch-callback-secret";

const std::string kMoText = R"({
  "type": "mo_text",
  "id": "01FC66621XXXXX119Z8PMV1QPQ",
  "from": "16051234567",
  "to": "13185551234",
  "body": "Hello, how are you?",
  "operator_id": "35000",
  "received_at": "2022-08-24T14:15:22Z"
})";

const std::string kMoMedia = R"({
  "type": "mo_media",
  "id": "01FC66621XXXXX119Z8PMV1MMS",
  "from": "16051234567",
  "to": "13185551234",
  "received_at": "2022-08-24T14:15:22Z",
  "body": {
    "subject": "Photos",
    "message": "Look at these",
    "media": [
      {"url": "https://mms.sinch.com/a.jpg", "content_type": "image/jpeg", "status": "Uploaded", "code": 0},
      {"url": "https://mms.sinch.com/b.gif", "content_type": "image/gif", "status": "Uploaded", "code": 0},
      {"content_type": "video/mp4", "status": "Failed", "code": 1}
    ]
  }
})";

std::string recipient_report(const std::string& status, int code,
                             const std::string& type = "recipient_delivery_report_sms") {
  return R"({"at": "2022-08-24T14:15:22Z", "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
    "client_reference": "msg_123", "code": )" +
         std::to_string(code) + R"(, "operator_status_at": "2022-08-24T14:15:20Z",
    "recipient": "15551231234", "status": ")" +
         status + R"(", "type": ")" + type + R"("})";
}

const std::string kBatchReport = R"({
  "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
  "statuses": [
    {"code": 0, "count": 2, "recipients": ["15551231234", "15551231235"], "status": "Delivered"},
    {"code": 402, "count": 1, "recipients": ["15551231236"], "status": "Failed"},
    {"code": 401, "count": 3, "status": "Dispatched"}
  ],
  "total_message_count": 6,
  "type": "delivery_report_sms"
})";

WebhookRequest json_request(std::string body) {
  WebhookRequest r;
  r.url = "https://sms.example.com/webhooks/sinch-main";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = std::move(body);
  return r;
}

WebhookRequest hmac_signed(std::string body, int64_t ts = kNowS, std::string secret = kSecret) {
  WebhookRequest r = json_request(std::move(body));
  for (auto& h : test::sinch_signature_headers(secret, r.body, ts)) r.headers.push_back(std::move(h));
  return r;
}

WebhookSecrets hmac_secrets() {
  WebhookSecrets s;
  s.provider = "sinch";
  s.hmac_secret = kSecret;
  return s;
}

WebhookSecrets basic_secrets() {
  WebhookSecrets s;
  s.provider = "sinch";
  s.basic_username = "sinch";
  s.basic_password = "s3cret";
  return s;
}

void expect_rejected(const WebhookSecrets& s, const WebhookRequest& r, const std::string& part,
                     const std::string& name) {
  auto res = verify_webhook(s, r, kNow);
  ASSERT_FALSE(res.ok()) << name;
  EXPECT_EQ(res.error().code, "webhook_unverified") << name;
  EXPECT_NE(res.error().message.find(part), std::string::npos) << name << ": " << res.error().message;
}

TEST(SinchAuth, Hmac) {
  const WebhookRequest good = hmac_signed(kMoText);
  EXPECT_TRUE(verify_webhook(hmac_secrets(), good, kNow).ok());

  WebhookRequest tampered = good;
  tampered.body.replace(tampered.body.find("Hello"), 5, "Howdy");
  expect_rejected(hmac_secrets(), tampered, "bad signature", "tampered");
  expect_rejected(hmac_secrets(), hmac_signed(kMoText, kNowS, "wrong"), "bad signature", "wrong key");
  expect_rejected(hmac_secrets(), hmac_signed(kMoText, kNowS - 301), "stale", "stale");
  for (std::string h : {"x-sinch-webhook-signature", "x-sinch-webhook-signature-nonce",
                        "x-sinch-webhook-signature-timestamp"}) {
    WebhookRequest r = good;
    std::erase_if(r.headers, [&](const auto& kv) { return kv.first == h; });
    expect_rejected(hmac_secrets(), r, "missing header " + h, h);
  }
  WebhookRequest other_alg = good;
  for (auto& [k, v] : other_alg.headers) {
    if (k == "x-sinch-webhook-signature-algorithm") v = "HmacSHA1";
  }
  expect_rejected(hmac_secrets(), other_alg, "algorithm", "algorithm");
  // HMAC configured: Basic credentials alone do not pass.
  WebhookRequest basic = json_request(kMoText);
  basic.headers.emplace_back("Authorization", "Basic " + crypto::base64("sinch:s3cret"));
  expect_rejected(hmac_secrets(), basic, "missing header", "basic instead of hmac");
}

TEST(SinchAuth, Basic) {
  WebhookRequest r = json_request(kMoText);
  r.headers.emplace_back("Authorization", "Basic " + crypto::base64("sinch:s3cret"));
  EXPECT_TRUE(verify_webhook(basic_secrets(), r, kNow).ok());
  WebhookRequest wrong = json_request(kMoText);
  wrong.headers.emplace_back("Authorization", "Basic " + crypto::base64("sinch:guess"));
  expect_rejected(basic_secrets(), wrong, "bad credentials", "wrong password");
  WebhookRequest bearer = json_request(kMoText);
  bearer.headers.emplace_back("Authorization", "Bearer abc");
  expect_rejected(basic_secrets(), bearer, "not Basic", "bearer");
  expect_rejected(basic_secrets(), json_request(kMoText), "missing header Authorization", "none");
}

TEST(SinchParse, MoText) {
  auto ev = parse_webhook("sinch", json_request(kMoText), kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kInbound);
  EXPECT_EQ(ev->event_type, "mo_text");
  EXPECT_EQ(ev->dedupe_key, "01FC66621XXXXX119Z8PMV1QPQ");
  EXPECT_EQ(ev->inbound.provider_message_id, "01FC66621XXXXX119Z8PMV1QPQ");
  EXPECT_EQ(ev->inbound.from, "+16051234567");
  EXPECT_EQ(ev->inbound.to, "+13185551234");
  EXPECT_EQ(ev->inbound.body, "Hello, how are you?");
  EXPECT_EQ(ev->inbound.received_at, *parse_rfc3339("2022-08-24T14:15:22Z"));
  EXPECT_EQ(webhook_reply("sinch", json_request(kMoText)).body, "{}");
}

TEST(SinchParse, ShortCodesStayAsTheyAre) {
  std::string body = kMoText;
  body.replace(body.find("13185551234"), 11, "55123");
  auto ev = parse_webhook("sinch", json_request(body), kNow);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->inbound.to, "55123");
}

TEST(SinchParse, MoMediaWithSeveralMedia) {
  auto ev = parse_webhook("sinch", json_request(kMoMedia), kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kInbound);
  EXPECT_EQ(ev->inbound.body, "Look at these");
  // The item Sinch failed to fetch (no url) is left out.
  ASSERT_EQ(ev->inbound.media.size(), 2u);
  EXPECT_EQ(ev->inbound.media[0].url, "https://mms.sinch.com/a.jpg");
  EXPECT_EQ(ev->inbound.media[0].content_type, "image/jpeg");
  EXPECT_EQ(ev->inbound.media[1].content_type, "image/gif");
}

TEST(SinchParse, RecipientReportsNeverInbound) {
  struct Case {
    std::string status;
    int code;
    Status want;
  };
  const std::vector<Case> cases = {
      {"Queued", 400, Status::kSending},     {"Dispatched", 401, Status::kSent},
      {"Delivered", 0, Status::kDelivered},  {"Failed", 402, Status::kUndelivered},
      {"Deleted", 410, Status::kUndelivered}, {"Rejected", 403, Status::kFailed},
      {"Aborted", 404, Status::kFailed},     {"Cancelled", 406, Status::kCanceled},
      {"Expired", 405, Status::kExpired},    {"Unknown", 407, Status::kSent},
  };
  for (std::string type : {"recipient_delivery_report_sms", "recipient_delivery_report_mms"}) {
    for (const auto& c : cases) {
      auto ev = parse_webhook("sinch", json_request(recipient_report(c.status, c.code, type)), kNow);
      ASSERT_TRUE(ev.ok()) << ev.error().message;
      EXPECT_EQ(ev->kind, WebhookEvent::Kind::kStatus) << c.status;
      ASSERT_EQ(ev->statuses.size(), 1u);
      const StatusReport& r = ev->statuses[0];
      EXPECT_EQ(r.provider_message_id, "01FC66621XXXXX119Z8PMV1QPQ");
      EXPECT_EQ(r.recipient, "+15551231234");
      EXPECT_EQ(r.status, c.want) << c.status;
      EXPECT_EQ(r.provider_status, c.status);
      EXPECT_EQ(r.at, *parse_rfc3339("2022-08-24T14:15:22Z"));
      EXPECT_EQ(ev->dedupe_key, "01FC66621XXXXX119Z8PMV1QPQ:15551231234:" + c.status + ":" +
                                    std::to_string(c.code));
      if (c.want == Status::kUndelivered || c.want == Status::kFailed ||
          c.want == Status::kExpired) {
        EXPECT_EQ(r.error_code, std::to_string(c.code));
      } else {
        EXPECT_EQ(r.error_code, "");
      }
    }
  }
}

TEST(SinchParse, BatchReportOnePerRecipient) {
  auto ev = parse_webhook("sinch", json_request(kBatchReport), kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kStatus);
  ASSERT_EQ(ev->statuses.size(), 4u);
  EXPECT_EQ(ev->statuses[0].recipient, "+15551231234");
  EXPECT_EQ(ev->statuses[0].status, Status::kDelivered);
  EXPECT_EQ(ev->statuses[1].recipient, "+15551231235");
  EXPECT_EQ(ev->statuses[2].recipient, "+15551231236");
  EXPECT_EQ(ev->statuses[2].status, Status::kUndelivered);
  EXPECT_EQ(ev->statuses[2].error_code, "402");
  EXPECT_EQ(ev->statuses[3].recipient, "");  // a summary entry without recipients
  EXPECT_EQ(ev->statuses[3].status, Status::kSent);
  for (const auto& r : ev->statuses) EXPECT_EQ(r.provider_message_id, "01FC66621XXXXX119Z8PMV1QPQ");
  // Same report again: same key; a later summary with new counts: another key.
  auto again = parse_webhook("sinch", json_request(kBatchReport), kNow + 1000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->dedupe_key, ev->dedupe_key);
  std::string later = kBatchReport;
  later.replace(later.find("\"count\": 3"), 10, "\"count\": 2");
  auto other = parse_webhook("sinch", json_request(later), kNow);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->dedupe_key, ev->dedupe_key);
}

TEST(SinchParse, EmptyBatchReportIsIgnored) {
  // A summary whose statuses array is empty reports nothing: acknowledged, no status recorded
  // (found by fuzz/sinch_webhook).
  auto ev = parse_webhook(
      "sinch",
      json_request(R"({"type": "delivery_report_sms", "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
                       "statuses": []})"),
      kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kIgnored);
  EXPECT_TRUE(ev->statuses.empty());
  EXPECT_FALSE(ev->dedupe_key.empty());
}

TEST(SinchParse, DedupeKeysDistinctAcrossEvents) {
  auto a = parse_webhook("sinch", json_request(recipient_report("Dispatched", 401)), kNow);
  auto b = parse_webhook("sinch", json_request(recipient_report("Delivered", 0)), kNow);
  auto c = parse_webhook("sinch", json_request(recipient_report("Dispatched", 401)), kNow + 9);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_NE(a->dedupe_key, b->dedupe_key);
  EXPECT_EQ(a->dedupe_key, c->dedupe_key);
}

TEST(SinchParse, Malformed) {
  struct Case {
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"{not json", "body"},
      {R"({"id": "x"})", "type"},
      {R"({"type": "mo_text", "from": "1", "to": "2", "body": "x"})", "id"},
      {R"({"type": "mo_text", "id": "x", "to": "2", "body": "x"})", "from"},
      {R"({"type": "mo_text", "id": "x", "from": "1", "to": "2"})", "body"},
      {R"({"type": "mo_text", "id": "x", "from": "1", "to": "2", "body": ["x"]})", "body"},
      {R"({"type": "mo_media", "id": "x", "from": "1", "to": "2", "body": "x"})", "body"},
      {R"({"type": "recipient_delivery_report_sms", "recipient": "1", "status": "Delivered"})",
       "batch_id"},
      {R"({"type": "recipient_delivery_report_sms", "batch_id": "b", "recipient": "1"})", "status"},
      {R"({"type": "delivery_report_sms", "batch_id": "b"})", "statuses"},
      {R"({"type": "delivery_report_sms", "batch_id": "b", "statuses": [{"code": 0}]})",
       "statuses[0].status"},
      {"{\"type\": \"mo_text\", \"id\": \"x\", \"from\": \"1\", \"to\": \"2\", \"body\": \"\xFF\"}",
       "body"},
  };
  for (const auto& c : cases) {
    auto ev = parse_webhook("sinch", json_request(c.body), kNow);
    ASSERT_FALSE(ev.ok()) << c.body;
    EXPECT_EQ(ev.error().code, "invalid_webhook") << c.body;
    EXPECT_EQ(ev.error().field, c.field) << c.body;
  }
}

}  // namespace
}  // namespace sb::providers
