// Telnyx webhooks: Ed25519 signatures (keys generated here with OpenSSL EVP) and event reading.
//
// Sources:
//  - payloads: Telnyx OpenAPI spec (team-telnyx/openapi, openapi/spec3.json) examples, as copied to
//    /work/shared/reference/payloads/telnyx-message.received.json and telnyx-message.sent.json;
//    the finalized/delivered variants below change only what the spec says changes (event_type,
//    to[].status, errors[]).
//  - signature: https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks
//    (telnyx-signature-ed25519 over "<telnyx-timestamp>|<body>", public key from the portal).
#include <gtest/gtest.h>

#include "providers/registry.h"
#include "providers/webhook.h"
#include "support/webhook_signing.h"

namespace sb::providers {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;
constexpr int64_t kNowS = kNow / 1000;

using test::Ed25519Key;  // OpenSSL EVP key pair, signing like Telnyx does

// openapi/spec3.json, message.received example.
const std::string kReceived = R"({
  "data": {
    "record_type": "event",
    "id": "bf6307bd-884d-4c1f-b6ea-c62b8c495d3c",
    "event_type": "message.received",
    "occurred_at": "2019-01-23T18:10:02.574Z",
    "payload": {
      "record_type": "message",
      "direction": "inbound",
      "id": "7ee4241c-f127-47e5-9c34-3aac291f8058",
      "type": "SMS",
      "messaging_profile_id": "0f512bda-ae1e-4597-8e11-e5f5686b97d3",
      "from": {"phone_number": "+18665550001", "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"},
      "to": [{"phone_number": "+18445550001", "status": "delivered", "carrier": "TELNYX LLC", "line_type": "VoIP"}],
      "cc": [],
      "text": "Hello, World!",
      "subject": "From Telnyx!",
      "media": [],
      "encoding": "GSM-7",
      "parts": 1,
      "received_at": "2019-01-23T18:10:02.574Z",
      "sent_at": null,
      "completed_at": null,
      "valid_until": null,
      "errors": []
    }
  }
})";

// The same inbound event as an MMS with two media (payload.media[] {url, content_type, sha256,
// size} as in the spec's Message schema).
const std::string kReceivedMms = R"({
  "data": {
    "record_type": "event",
    "id": "c7d0a1e2-1111-4c1f-b6ea-c62b8c495d3c",
    "event_type": "message.received",
    "occurred_at": "2019-01-23T18:10:02.574Z",
    "payload": {
      "direction": "inbound",
      "id": "8ee4241c-f127-47e5-9c34-3aac291f8058",
      "type": "MMS",
      "from": {"phone_number": "+18665550001"},
      "to": [{"phone_number": "+18445550001", "status": "delivered"}],
      "text": null,
      "media": [
        {"url": "https://media.telnyx.com/a.jpg", "content_type": "image/jpeg", "sha256": null, "size": 10240},
        {"url": "https://media.telnyx.com/b.png", "content_type": null, "sha256": null, "size": null}
      ],
      "parts": 1,
      "errors": []
    }
  }
})";

// openapi/spec3.json, message.sent example (to[].status "queued"), with `event_type`, status and
// errors varied per case.
std::string status_event(const std::string& event_type, const std::string& id,
                         const std::string& status, const std::string& errors = "[]") {
  return R"({
  "data": {
    "record_type": "event",
    "id": ")" + id + R"(",
    "event_type": ")" + event_type + R"(",
    "occurred_at": "2019-01-23T18:10:02.574Z",
    "payload": {
      "record_type": "message",
      "direction": "outbound",
      "id": "40385f64-5717-4562-b3fc-2c963f66afa6",
      "type": "MMS",
      "from": {"phone_number": "+18445550001", "carrier": "TELNYX LLC", "line_type": "VoIP"},
      "to": [{"phone_number": "+18665550001", "status": ")" + status + R"(", "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"}],
      "cc": [],
      "text": "Hello, World!",
      "media": [{"url": "https://pbs.twimg.com/profile_images/1142168442042118144/AW3F4fFD_400x400.png", "content_type": null, "sha256": null, "size": null}],
      "encoding": "GSM-7",
      "parts": 1,
      "errors": )" + errors + R"(
    }
  },
  "meta": {"attempt": 1, "delivered_to": "https://www.example.com/hooks"}
})";
}

WebhookRequest signed_request(const Ed25519Key& key, std::string body, int64_t ts = kNowS) {
  WebhookRequest r;
  r.url = "https://sms.example.com/webhooks/telnyx-main";
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"}};
  for (auto& h : test::telnyx_signature_headers(key, r.body, ts)) r.headers.push_back(std::move(h));
  return r;
}

WebhookSecrets secrets_for(const Ed25519Key& key) {
  WebhookSecrets s;
  s.provider = "telnyx";
  s.public_key = key.public_key_base64();
  return s;
}

TEST(TelnyxSignature, AcceptsGenuine) {
  Ed25519Key key;
  EXPECT_TRUE(verify_webhook(secrets_for(key), signed_request(key, kReceived), kNow).ok());
  // Within tolerance either side.
  EXPECT_TRUE(verify_webhook(secrets_for(key), signed_request(key, kReceived, kNowS - 299), kNow).ok());
  EXPECT_TRUE(verify_webhook(secrets_for(key), signed_request(key, kReceived, kNowS + 299), kNow).ok());
}

TEST(TelnyxSignature, Rejections) {
  Ed25519Key key;
  Ed25519Key other;
  const WebhookRequest good = signed_request(key, kReceived);
  struct Case {
    std::string name;
    WebhookSecrets secrets;
    WebhookRequest req;
    std::string message_part;
  };
  std::vector<Case> cases;
  {
    WebhookRequest r = good;
    r.body.replace(r.body.find("Hello"), 5, "Howdy");
    cases.push_back({"tampered body", secrets_for(key), r, "bad signature"});
  }
  cases.push_back({"wrong key", secrets_for(other), good, "bad signature"});
  cases.push_back({"stale", secrets_for(key), signed_request(key, kReceived, kNowS - 301), "stale"});
  cases.push_back({"future", secrets_for(key), signed_request(key, kReceived, kNowS + 301), "stale"});
  {
    // Timestamp changed after signing (replay with a fresh timestamp).
    WebhookRequest r = signed_request(key, kReceived, kNowS - 1000);
    for (auto& [k, v] : r.headers) {
      if (k == "telnyx-timestamp") v = std::to_string(kNowS);
    }
    cases.push_back({"re-stamped", secrets_for(key), r, "bad signature"});
  }
  {
    WebhookRequest r = good;
    std::erase_if(r.headers, [](const auto& h) { return h.first == "telnyx-signature-ed25519"; });
    cases.push_back({"missing signature", secrets_for(key), r, "missing header telnyx-signature-ed25519"});
  }
  {
    WebhookRequest r = good;
    std::erase_if(r.headers, [](const auto& h) { return h.first == "telnyx-timestamp"; });
    cases.push_back({"missing timestamp", secrets_for(key), r, "missing header telnyx-timestamp"});
  }
  {
    WebhookRequest r = good;
    for (auto& [k, v] : r.headers) {
      if (k == "telnyx-signature-ed25519") v = "not base64!";
    }
    cases.push_back({"garbage signature", secrets_for(key), r, "bad signature"});
  }
  WebhookSecrets none;
  none.provider = "telnyx";
  cases.push_back({"no public key", none, good, "not configured: public_key"});
  WebhookSecrets junk = none;
  junk.public_key = "c2hvcnQ=";
  cases.push_back({"short public key", junk, good, "not configured: public_key"});
  for (const auto& c : cases) {
    auto res = verify_webhook(c.secrets, c.req, kNow);
    ASSERT_FALSE(res.ok()) << c.name;
    EXPECT_EQ(res.error().code, "webhook_unverified") << c.name;
    EXPECT_NE(res.error().message.find(c.message_part), std::string::npos)
        << c.name << ": " << res.error().message;
  }
}

TEST(TelnyxParse, InboundSms) {
  WebhookRequest r;
  r.body = kReceived;
  auto ev = parse_webhook("telnyx", r, kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kInbound);
  EXPECT_EQ(ev->event_type, "message.received");
  EXPECT_EQ(ev->dedupe_key, "bf6307bd-884d-4c1f-b6ea-c62b8c495d3c");
  EXPECT_EQ(ev->inbound.provider_message_id, "7ee4241c-f127-47e5-9c34-3aac291f8058");
  EXPECT_EQ(ev->inbound.from, "+18665550001");
  EXPECT_EQ(ev->inbound.to, "+18445550001");
  EXPECT_EQ(ev->inbound.body, "Hello, World!");
  EXPECT_EQ(ev->inbound.segments, 1);
  EXPECT_EQ(ev->inbound.received_at, *parse_rfc3339("2019-01-23T18:10:02.574Z"));
  EXPECT_TRUE(ev->inbound.media.empty());
  EXPECT_EQ(webhook_reply("telnyx", r).body, "{}");
  EXPECT_EQ(webhook_reply("telnyx", r).content_type, "application/json");
}

TEST(TelnyxParse, InboundMmsWithSeveralMedia) {
  WebhookRequest r;
  r.body = kReceivedMms;
  auto ev = parse_webhook("telnyx", r, kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kInbound);
  EXPECT_EQ(ev->inbound.body, "");
  ASSERT_EQ(ev->inbound.media.size(), 2u);
  EXPECT_EQ(ev->inbound.media[0].url, "https://media.telnyx.com/a.jpg");
  EXPECT_EQ(ev->inbound.media[0].content_type, "image/jpeg");
  EXPECT_EQ(ev->inbound.media[0].size, 10240);
  EXPECT_EQ(ev->inbound.media[1].content_type, "");
  EXPECT_FALSE(ev->inbound.media[1].size.has_value());
  // No received_at in the payload: the event's occurred_at.
  EXPECT_EQ(ev->inbound.received_at, *parse_rfc3339("2019-01-23T18:10:02.574Z"));
}

// Found by fuzz/telnyx_webhook.cc (input in fuzz/regressions/telnyx_webhook): a negative media
// size went through to the message, and a negative or huge `parts` became its segment count.
TEST(TelnyxParse, NegativeOrHugeCountsAreUnknown) {
  const auto replaced = [](std::string s, std::string_view from, std::string_view to) {
    return s.replace(s.find(from), from.size(), to);
  };
  std::string body = replaced(kReceivedMms, "\"size\": 10240", "\"size\": -10240");
  body = replaced(body, "\"parts\": 1", "\"parts\": -3");
  WebhookRequest r;
  r.body = body;
  auto ev = parse_webhook("telnyx", r, kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  ASSERT_EQ(ev->inbound.media.size(), 2u);
  EXPECT_FALSE(ev->inbound.media[0].size.has_value());
  EXPECT_EQ(ev->inbound.segments, 0);
  r.body = replaced(body, "\"parts\": -3", "\"parts\": 4294967297");
  ev = parse_webhook("telnyx", r, kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->inbound.segments, 0);
}

TEST(TelnyxParse, StatusEventsNeverInbound) {
  struct Case {
    std::string event_type;
    std::string status;
    Status want;
  };
  const std::vector<Case> cases = {
      {"message.sent", "queued", Status::kSending},
      {"message.sent", "sending", Status::kSending},
      {"message.sent", "sent", Status::kSent},
      {"message.finalized", "delivered", Status::kDelivered},
      {"message.finalized", "sending_failed", Status::kFailed},
      {"message.finalized", "delivery_failed", Status::kUndelivered},
      {"message.finalized", "delivery_unconfirmed", Status::kSent},
      {"message.finalized", "expired", Status::kExpired},
  };
  int n = 0;
  for (const auto& c : cases) {
    WebhookRequest r;
    r.body = status_event(c.event_type, "evt-" + std::to_string(n++), c.status);
    auto ev = parse_webhook("telnyx", r, kNow);
    ASSERT_TRUE(ev.ok()) << ev.error().message;
    EXPECT_EQ(ev->kind, WebhookEvent::Kind::kStatus) << c.status;
    ASSERT_EQ(ev->statuses.size(), 1u);
    EXPECT_EQ(ev->statuses[0].provider_message_id, "40385f64-5717-4562-b3fc-2c963f66afa6");
    EXPECT_EQ(ev->statuses[0].status, c.want) << c.status;
    EXPECT_EQ(ev->statuses[0].provider_status, c.status);
    EXPECT_EQ(ev->statuses[0].recipient, "+18665550001");
    EXPECT_EQ(ev->statuses[0].at, *parse_rfc3339("2019-01-23T18:10:02.574Z"));
  }
}

TEST(TelnyxParse, OneReportPerRecipientAndErrors) {
  std::string body = status_event(
      "message.finalized", "evt-multi", "delivery_failed",
      R"([{"code": "40300", "title": "Blocked as spam", "detail": "Message blocked by carrier"}])");
  // Add a second recipient that was delivered.
  const std::string second =
      R"(, {"phone_number": "+18665550002", "status": "delivered", "carrier": "X", "line_type": "Wireless"}])";
  const size_t end_of_to = body.find("}],", body.find("\"to\""));
  body.replace(end_of_to, 2, "}" + second);
  WebhookRequest r;
  r.body = body;
  auto ev = parse_webhook("telnyx", r, kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  ASSERT_EQ(ev->statuses.size(), 2u);
  EXPECT_EQ(ev->statuses[0].recipient, "+18665550001");
  EXPECT_EQ(ev->statuses[0].status, Status::kUndelivered);
  EXPECT_EQ(ev->statuses[0].error_code, "40300");
  EXPECT_EQ(ev->statuses[0].error_message, "Blocked as spam: Message blocked by carrier");
  EXPECT_EQ(ev->statuses[1].recipient, "+18665550002");
  EXPECT_EQ(ev->statuses[1].status, Status::kDelivered);
  EXPECT_EQ(ev->statuses[1].error_code, "");
}

TEST(TelnyxParse, DedupeKeyIsTheEventId) {
  WebhookRequest a, b, c;
  a.body = status_event("message.sent", "evt-1", "sent");
  b.body = a.body;  // Telnyx's retry: same event id (meta.attempt differs, ignored)
  b.body.replace(b.body.find("\"attempt\": 1"), 12, "\"attempt\": 2");
  c.body = status_event("message.finalized", "evt-2", "delivered");
  auto ea = parse_webhook("telnyx", a, kNow);
  auto eb = parse_webhook("telnyx", b, kNow);
  auto ec = parse_webhook("telnyx", c, kNow);
  ASSERT_TRUE(ea.ok() && eb.ok() && ec.ok());
  EXPECT_EQ(ea->dedupe_key, eb->dedupe_key);
  EXPECT_NE(ea->dedupe_key, ec->dedupe_key);
}

TEST(TelnyxParse, OtherEventsIgnored) {
  WebhookRequest r;
  r.body = R"({"data":{"id":"e1","event_type":"number_order.complete","payload":{}}})";
  auto ev = parse_webhook("telnyx", r, kNow);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kIgnored);
  EXPECT_EQ(ev->dedupe_key, "e1");
}

TEST(TelnyxParse, Malformed) {
  struct Case {
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"not json", "body"},
      {"[1,2]", "body"},
      {R"({"data": 5})", "data"},
      {R"({"data": {"id": "e", "payload": {}}})", "data.event_type"},
      {R"({"data": {"event_type": "message.received", "payload": {}}})", "data.id"},
      {R"({"data": {"id": "e", "event_type": "message.received"}})", "data.payload"},
      {R"({"data": {"id": "e", "event_type": "message.received", "payload": {"id": "m", "to": [{"phone_number": "+1"}]}}})",
       "data.payload.from"},
      {R"({"data": {"id": "e", "event_type": "message.received", "payload": {"id": "m", "from": {"phone_number": "+1"}, "to": [{"phone_number": "+2"}], "text": 5}}})",
       "data.payload.text"},
      {R"({"data": {"id": "e", "event_type": "message.received", "payload": {"id": "m", "from": {"phone_number": "+1"}, "to": [{"phone_number": "+2"}], "media": [{"content_type": "image/png"}]}}})",
       "data.payload.media[0].url"},
      {R"({"data": {"id": "e", "event_type": "message.sent", "payload": {"id": "m", "to": []}}})",
       "data.payload.to"},
      {R"({"data": {"id": "e", "event_type": "message.sent", "payload": {"id": "m", "to": [{"phone_number": "+2"}]}}})",
       "data.payload.to[0].status"},
      // Invalid UTF-8 inside a JSON string.
      {"{\"data\": {\"id\": \"e\", \"event_type\": \"message.received\", \"payload\": {\"text\": \"caf\xC3\"}}}",
       "body"},
  };
  for (const auto& c : cases) {
    WebhookRequest r;
    r.body = c.body;
    auto ev = parse_webhook("telnyx", r, kNow);
    ASSERT_FALSE(ev.ok()) << c.body;
    EXPECT_EQ(ev.error().code, "invalid_webhook") << c.body;
    EXPECT_EQ(ev.error().field, c.field) << c.body;
  }
}

}  // namespace
}  // namespace sb::providers
