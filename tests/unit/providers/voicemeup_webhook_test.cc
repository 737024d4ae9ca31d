// VoiceMeUp webhooks: secret path segment + allow-list, plain SMS, split MMS text/image parts.
//
// Sources: VoiceMeUp publishes no webhook reference; the payloads are the real VoiceMeUp MMS/SMS
// webhooks recorded in RoomKit's tests (roomkit tests/test_providers/test_voicemeup.py:
// "Real VoiceMeUp MMS payload format", _make_mms_html_payload, _make_mms_image_payload,
// _make_sms_payload) and the field list in /work/shared/reference/providers.md.
#include <gtest/gtest.h>

#include "providers/registry.h"
#include "providers/webhook.h"

namespace sb::providers {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;

// First part of a split MMS: the text plus the ".mms.html" wrapper.
const std::string kTextPart = R"({
  "sms_log_id": "5237355",
  "sms_hash": "c3efc8a3-f901-52ac-9868-93f6e89d10f6",
  "datetime": "2026-01-28 13:00:16",
  "date": "2026-01-28",
  "time": "13:00:14",
  "direction": "inbound",
  "source_number": "14188050723",
  "destination_number": "14184805945",
  "message": "Look at this photo!",
  "attachment": "https://clients.voicemeup.com/file/c3efc8a3.mms.html",
  "attachment_size": "343",
  "attachment_mime_type": "text/html",
  "datetime_transmission": "2026-01-28 13:00:14"
})";

// Second part: the image, no text.
const std::string kImagePart = R"({
  "sms_log_id": "5237356",
  "sms_hash": "249fad7f-dc67-09bb-52d6-cd752856bae0",
  "datetime": "2026-01-28 13:00:17",
  "date": "2026-01-28",
  "time": "13:00:14",
  "direction": "inbound",
  "source_number": "14188050723",
  "destination_number": "14184805945",
  "message": "",
  "attachment": "https://clients.voicemeup.com/file/249fad7f.mms.jpg",
  "attachment_size": "93002",
  "attachment_mime_type": "image/jpeg",
  "datetime_transmission": "2026-01-28 13:00:14"
})";

const std::string kSms = R"({
  "sms_hash": "sms-hash-123",
  "direction": "inbound",
  "source_number": "14188050723",
  "destination_number": "4184805945",
  "message": "Plain SMS",
  "datetime_transmission": "2026-01-28 14:00:00"
})";

WebhookRequest request(std::string body, std::string path_secret = "s3cret-path-0123456789",
                       std::string remote = "203.0.113.7") {
  WebhookRequest r;
  r.url = "https://sms.example.com/webhooks/vmu/" + path_secret;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = std::move(body);
  r.path_secret = std::move(path_secret);
  r.remote_addr = std::move(remote);
  return r;
}

WebhookSecrets secrets() {
  WebhookSecrets s;
  s.provider = "voicemeup";
  s.path_secret = "s3cret-path-0123456789";
  return s;
}

TEST(VoiceMeUpAuth, SecretAndAllowList) {
  EXPECT_TRUE(verify_webhook(secrets(), request(kSms), kNow).ok());
  struct Case {
    std::string name;
    WebhookSecrets s;
    WebhookRequest r;
    std::string part;
  };
  WebhookSecrets listed = secrets();
  listed.allow_ips = {"198.51.100.1", "203.0.113.7"};
  EXPECT_TRUE(verify_webhook(listed, request(kSms), kNow).ok());
  WebhookSecrets empty = secrets();
  empty.path_secret = "";
  const std::vector<Case> cases = {
      {"wrong secret", secrets(), request(kSms, "s3cret-path-0123456780"), "bad path secret"},
      {"no secret", secrets(), request(kSms, ""), "bad path secret"},
      {"not configured", empty, request(kSms, ""), "not configured: path_secret"},
      {"address not listed", listed, request(kSms, "s3cret-path-0123456789", "192.0.2.1"),
       "address not allowed"},
      {"address unknown", listed, request(kSms, "s3cret-path-0123456789", ""),
       "address not allowed"},
  };
  for (const auto& c : cases) {
    auto res = verify_webhook(c.s, c.r, kNow);
    ASSERT_FALSE(res.ok()) << c.name;
    EXPECT_EQ(res.error().code, "webhook_unverified");
    EXPECT_NE(res.error().message.find(c.part), std::string::npos) << c.name << ": " << res.error().message;
  }
}

TEST(VoiceMeUpParse, PlainSms) {
  auto ev = parse_webhook("voicemeup", request(kSms), kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kInbound);
  EXPECT_EQ(ev->dedupe_key, "sms-hash-123");
  EXPECT_EQ(ev->inbound.provider_message_id, "sms-hash-123");
  EXPECT_EQ(ev->inbound.from, "+14188050723");
  EXPECT_EQ(ev->inbound.to, "+14184805945");  // 10 digits: NANP, +1 added
  EXPECT_EQ(ev->inbound.body, "Plain SMS");
  EXPECT_TRUE(ev->inbound.media.empty());
  EXPECT_FALSE(ev->part.has_value());
  // A local time without a zone is not trusted.
  EXPECT_EQ(ev->inbound.received_at, kNow);
  EXPECT_EQ(webhook_reply("voicemeup", request(kSms)).body, "{}");
}

TEST(VoiceMeUpParse, SplitMmsTextPart) {
  auto ev = parse_webhook("voicemeup", request(kTextPart), kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kInbound);
  EXPECT_EQ(ev->inbound.body, "Look at this photo!");
  EXPECT_TRUE(ev->inbound.media.empty());  // the .mms.html wrapper is not media
  ASSERT_TRUE(ev->part.has_value());
  EXPECT_TRUE(ev->part->text_part);
  EXPECT_EQ(ev->part->key, "14188050723:14184805945:2026-01-28 13:00:14");
  EXPECT_EQ(ev->dedupe_key, "c3efc8a3-f901-52ac-9868-93f6e89d10f6");
}

TEST(VoiceMeUpParse, SplitMmsImagePart) {
  auto ev = parse_webhook("voicemeup", request(kImagePart), kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->inbound.body, "");
  ASSERT_EQ(ev->inbound.media.size(), 1u);
  EXPECT_EQ(ev->inbound.media[0].url, "https://clients.voicemeup.com/file/249fad7f.mms.jpg");
  EXPECT_EQ(ev->inbound.media[0].content_type, "image/jpeg");
  EXPECT_EQ(ev->inbound.media[0].size, 93002);
  ASSERT_TRUE(ev->part.has_value());
  EXPECT_FALSE(ev->part->text_part);
  EXPECT_EQ(ev->part->key, "14188050723:14184805945:2026-01-28 13:00:14");
  EXPECT_EQ(ev->dedupe_key, "249fad7f-dc67-09bb-52d6-cd752856bae0");
}

TEST(VoiceMeUpParse, WrapperByContentTypeAndLegacyFieldNames) {
  // Older senders: attachment_url / attachment_type; text/html with ".mms." in the URL.
  const std::string body = R"({"sms_hash": "h1", "direction": "inbound",
    "source_number": "14188050723", "destination_number": "14184805945", "message": "Hi",
    "attachment_url": "https://clients.voicemeup.com/file/x.mms.htm?v=1",
    "attachment_type": "text/html; charset=utf-8", "datetime_transmission": "2026-01-28 13:00:14"})";
  auto ev = parse_webhook("voicemeup", request(body), kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_TRUE(ev->inbound.media.empty());
  ASSERT_TRUE(ev->part.has_value());
  EXPECT_TRUE(ev->part->text_part);

  // Text and a real image in one webhook: an ordinary MMS, no split part.
  const std::string whole = R"({"sms_hash": "h2", "direction": "inbound",
    "source_number": "14188050723", "destination_number": "14184805945", "message": "Caption",
    "attachment_url": "https://cdn.voicemeup.com/img.jpg", "attachment_type": "image/jpeg"})";
  auto ev2 = parse_webhook("voicemeup", request(whole), kNow);
  ASSERT_TRUE(ev2.ok()) << ev2.error().message;
  ASSERT_EQ(ev2->inbound.media.size(), 1u);
  EXPECT_EQ(ev2->inbound.media[0].content_type, "image/jpeg");
  EXPECT_FALSE(ev2->part.has_value());
}

TEST(VoiceMeUpParse, OutboundNeverInbound) {
  std::string body = kSms;
  body.replace(body.find("\"inbound\""), 9, "\"outbound\"");
  auto ev = parse_webhook("voicemeup", request(body), kNow);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kIgnored);
}

TEST(VoiceMeUpParse, Malformed) {
  struct Case {
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"{", "body"},
      {R"({"direction": "inbound", "source_number": "1", "destination_number": "2"})", "sms_hash"},
      {R"({"sms_hash": "h", "source_number": "1", "destination_number": "2"})", "direction"},
      {R"({"sms_hash": "h", "direction": "inbound", "destination_number": "2"})", "source_number"},
      {R"({"sms_hash": "h", "direction": "inbound", "source_number": "1"})", "destination_number"},
      {R"({"sms_hash": "h", "direction": "inbound", "source_number": "1", "destination_number": "2", "message": 7})",
       "message"},
  };
  for (const auto& c : cases) {
    auto ev = parse_webhook("voicemeup", request(c.body), kNow);
    ASSERT_FALSE(ev.ok()) << c.body;
    EXPECT_EQ(ev.error().code, "invalid_webhook");
    EXPECT_EQ(ev.error().field, c.field) << c.body;
  }
}

}  // namespace
}  // namespace sb::providers
