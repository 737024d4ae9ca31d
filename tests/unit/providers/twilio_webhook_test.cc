// Twilio and SignalWire webhooks: signatures (Twilio's published vectors), reading of inbound
// messages and status callbacks, replies.
//
// Sources:
//  - signature vectors: twilio-python tests/unit/test_request_validator.py (token "12345", URL
//    https://mycompany.com/myapp.php?foo=1&bar=2; RSOYDt4T1cUTdK1PDd93/VVr8B8= for the five
//    params; IK+Dwps556ElfBT0I3Rgjkr1wJU= for the repeated-Digits params; kvajT1Ptam85bY51eRf/AJRuM3w=
//    and 0ZXoZLH/DfblKGATFgpif+LLRf4= for the :443 / :80 spellings; a9nBmqA0ju/hNViExpshrM61xv4=
//    for the bodySHA256 JSON body), the same vectors in twilio-node/twilio-csharp/twilio-php tests.
//  - inbound message parameters: https://www.twilio.com/docs/messaging/guides/webhook-request
//  - status callback parameters: https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
//  - SignalWire LaML webhooks: https://developer.signalwire.com/guides/signalwire-status-callbacks/
//    (Twilio-shaped form params); REST status callback JSON shape: /work/shared/reference/providers.md
#include "core/twilio_signature.h"
#include "providers/twilio/twilio_webhook.h"

#include <gtest/gtest.h>

#include "core/crypto.h"
#include "providers/registry.h"
#include "providers/transport/http_util.h"
#include "providers/webhook.h"

namespace sb::providers {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;
constexpr char kVectorUrl[] = "https://mycompany.com/myapp.php?foo=1&bar=2";
const FormFields kVectorParams = {{"CallSid", "CA1234567890ABCDE"},
                                  {"Caller", "+14158675309"},
                                  {"Digits", "1234"},
                                  {"From", "+14158675309"},
                                  {"To", "+18005551212"}};

WebhookRequest form_request(std::string url, const FormFields& fields) {
  WebhookRequest r;
  r.url = std::move(url);
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r.body = form_encode(fields);
  return r;
}

WebhookSecrets twilio_secrets(std::string key = "12345") {
  WebhookSecrets s;
  s.provider = "twilio";
  s.signing_key = std::move(key);
  return s;
}

WebhookRequest signed_twilio(std::string url, const FormFields& fields,
                             std::string key = "12345",
                             std::string header = "X-Twilio-Signature") {
  WebhookRequest r = form_request(url, fields);
  r.headers.emplace_back(std::move(header), sb::twilio_signature(key, url, fields));
  return r;
}

// ---- published vectors ----------------------------------------------------------------------

TEST(TwilioSignature, PublishedVectors) {
  EXPECT_EQ(sb::twilio_signature("12345", kVectorUrl, kVectorParams),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  const FormFields dup = {{"Sid", "CA123"}, {"SidAccount", "AC123"}, {"Digits", "5678"},
                          {"Digits", "1234"}, {"Digits", "1234"}};
  EXPECT_EQ(sb::twilio_signature("12345", kVectorUrl, dup), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
}

TEST(TwilioSignature, VerifiesPublishedVectorRequest) {
  WebhookRequest r = form_request(kVectorUrl, kVectorParams);
  r.headers.emplace_back("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  EXPECT_TRUE(verify_webhook(twilio_secrets(), r, kNow).ok());
  // Parameter order in the body does not matter.
  FormFields reversed(kVectorParams.rbegin(), kVectorParams.rend());
  r.body = form_encode(reversed);
  EXPECT_TRUE(verify_webhook(twilio_secrets(), r, kNow).ok());
  // Header names are case-insensitive.
  r.headers = {{"x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8="}};
  EXPECT_TRUE(verify_webhook(twilio_secrets(), r, kNow).ok());
}

TEST(TwilioSignature, DefaultPortSpellings) {
  struct Case {
    std::string url;
    std::string signature;
  };
  const std::vector<Case> cases = {
      // Signed with :443 added; we were called without it.
      {kVectorUrl, "kvajT1Ptam85bY51eRf/AJRuM3w="},
      // Signed with :80 added to the http URL.
      {"http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="},
      // Signed without the port; we were called with :443.
      {"https://mycompany.com:443/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
  };
  for (const auto& c : cases) {
    WebhookRequest r = form_request(c.url, kVectorParams);
    r.headers.emplace_back("X-Twilio-Signature", c.signature);
    EXPECT_TRUE(verify_webhook(twilio_secrets(), r, kNow).ok()) << c.url;
  }
  // A non-default port is part of the URL.
  WebhookRequest r = form_request("https://mycompany.com:8443/myapp.php?foo=1&bar=2", kVectorParams);
  r.headers.emplace_back("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  EXPECT_FALSE(verify_webhook(twilio_secrets(), r, kNow).ok());
}

TEST(TwilioSignature, JsonBodySha256Vector) {
  WebhookRequest r;
  r.url = std::string(kVectorUrl) +
          "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
  r.body = R"({"property": "value", "boolean": true})";
  r.headers = {{"Content-Type", "application/json"},
               {"X-Twilio-Signature", "a9nBmqA0ju/hNViExpshrM61xv4="}};
  EXPECT_TRUE(verify_webhook(twilio_secrets(), r, kNow).ok());
  // Body tampered: the URL's hash no longer matches.
  r.body = R"({"property": "value", "boolean": false})";
  auto bad = verify_webhook(twilio_secrets(), r, kNow);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "webhook_unverified");
}

TEST(TwilioSignature, Rejections) {
  const WebhookRequest good = signed_twilio(kVectorUrl, kVectorParams);
  ASSERT_TRUE(verify_webhook(twilio_secrets(), good, kNow).ok());

  struct Case {
    std::string name;
    WebhookSecrets secrets;
    WebhookRequest req;
    std::string message_part;
  };
  std::vector<Case> cases;
  {
    WebhookRequest r = good;
    r.body += "&Extra=1";
    cases.push_back({"tampered body", twilio_secrets(), r, "bad signature"});
  }
  cases.push_back({"wrong key", twilio_secrets("54321"), good, "bad signature"});
  {
    WebhookRequest r = good;
    r.url = "https://mycompany.com/myapp.php?foo=1&bar=3";
    cases.push_back({"other url", twilio_secrets(), r, "bad signature"});
  }
  {
    WebhookRequest r = good;
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    cases.push_back({"missing header", twilio_secrets(), r, "missing header X-Twilio-Signature"});
  }
  cases.push_back({"no token", twilio_secrets(""), good, "not configured: signing_key"});
  for (const auto& c : cases) {
    auto res = verify_webhook(c.secrets, c.req, kNow);
    ASSERT_FALSE(res.ok()) << c.name;
    EXPECT_EQ(res.error().code, "webhook_unverified") << c.name;
    EXPECT_NE(res.error().message.find(c.message_part), std::string::npos)
        << c.name << ": " << res.error().message;
  }
}

// ---- reading --------------------------------------------------------------------------------

// Twilio docs "Messaging webhooks: the request" (inbound SMS to a Twilio number).
const FormFields kInboundSms = {
    {"ToCountry", "US"},          {"ToState", "CA"},
    {"SmsMessageSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f"},
    {"NumMedia", "0"},            {"ToCity", "SAN FRANCISCO"},
    {"FromZip", "94105"},         {"SmsSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f"},
    {"FromState", "CA"},          {"SmsStatus", "received"},
    {"FromCity", "SAN FRANCISCO"}, {"Body", "Hello from my phone"},
    {"FromCountry", "US"},        {"To", "+14155552671"},
    {"ToZip", "94105"},           {"NumSegments", "1"},
    {"MessageSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f"},
    {"AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
    {"From", "+14155550100"},     {"ApiVersion", "2010-04-01"}};

// Twilio docs "Messaging webhooks": an inbound MMS with two media (MediaUrl{i},
// MediaContentType{i} for i < NumMedia).
const FormFields kInboundMms = {
    {"MessageSid", "MMc781610ec0b3400c9e0cab8e757da937"},
    {"SmsSid", "MMc781610ec0b3400c9e0cab8e757da937"},
    {"AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
    {"From", "+14155550100"},
    {"To", "+14155552671"},
    {"Body", ""},
    {"NumMedia", "2"},
    {"NumSegments", "1"},
    {"MediaContentType0", "image/jpeg"},
    {"MediaUrl0",
     "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/"
     "MMc781610ec0b3400c9e0cab8e757da937/Media/ME1"},
    {"MediaContentType1", "image/png"},
    {"MediaUrl1",
     "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/"
     "MMc781610ec0b3400c9e0cab8e757da937/Media/ME2"},
    {"SmsStatus", "received"},
    {"ApiVersion", "2010-04-01"}};

// Twilio docs "Track the message status of outbound messages": a status callback.
FormFields status_callback(std::string status, std::string error_code = "") {
  FormFields f = {{"MessageSid", "SM5b2bd0f5a1a84f4ebc11a2c3fd1b6e3a"},
                  {"MessageStatus", status},
                  {"SmsSid", "SM5b2bd0f5a1a84f4ebc11a2c3fd1b6e3a"},
                  {"SmsStatus", status},
                  {"AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
                  {"From", "+14155552671"},
                  {"To", "+14155550100"},
                  {"ApiVersion", "2010-04-01"}};
  if (!error_code.empty()) {
    f.emplace_back("ErrorCode", error_code);
    f.emplace_back("ErrorMessage", "Unreachable destination handset");
  }
  return f;
}

TEST(TwilioParse, InboundSms) {
  for (std::string provider : {"twilio", "signalwire"}) {
    auto ev = parse_webhook(provider, form_request("https://x/webhooks/t", kInboundSms), kNow);
    ASSERT_TRUE(ev.ok()) << ev.error().message;
    EXPECT_EQ(ev->kind, WebhookEvent::Kind::kInbound);
    EXPECT_EQ(ev->dedupe_key, "SM1f0e8ae6ade43cb3c0ce4525424e404f:received");
    EXPECT_EQ(ev->inbound.provider_message_id, "SM1f0e8ae6ade43cb3c0ce4525424e404f");
    EXPECT_EQ(ev->inbound.from, "+14155550100");
    EXPECT_EQ(ev->inbound.to, "+14155552671");
    EXPECT_EQ(ev->inbound.body, "Hello from my phone");
    EXPECT_EQ(ev->inbound.segments, 1);
    EXPECT_EQ(ev->inbound.received_at, kNow);
    EXPECT_TRUE(ev->inbound.media.empty());
    EXPECT_TRUE(ev->statuses.empty());
  }
}

TEST(TwilioParse, InboundMmsWithSeveralMedia) {
  auto ev = parse_webhook("twilio", form_request("https://x/w", kInboundMms), kNow);
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kInbound);
  ASSERT_EQ(ev->inbound.media.size(), 2u);
  EXPECT_EQ(ev->inbound.media[0].content_type, "image/jpeg");
  EXPECT_TRUE(ev->inbound.media[0].url.ends_with("/Media/ME1"));
  EXPECT_EQ(ev->inbound.media[1].content_type, "image/png");
  EXPECT_TRUE(ev->inbound.media[1].url.ends_with("/Media/ME2"));
  EXPECT_FALSE(ev->inbound.media[0].size.has_value());
}

TEST(TwilioParse, EveryStatusCallbackIsAStatusNeverInbound) {
  struct Case {
    std::string status;
    Status want;
  };
  const std::vector<Case> cases = {
      {"accepted", Status::kSending},   {"scheduled", Status::kSending},
      {"queued", Status::kSending},     {"sending", Status::kSending},
      {"sent", Status::kSent},          {"delivered", Status::kDelivered},
      {"read", Status::kDelivered},     {"undelivered", Status::kUndelivered},
      {"failed", Status::kFailed},      {"canceled", Status::kCanceled},
      {"partially_delivered", Status::kUndelivered},
  };
  for (const auto& c : cases) {
    auto ev = parse_webhook("twilio", form_request("https://x/w", status_callback(c.status)), kNow);
    ASSERT_TRUE(ev.ok()) << c.status << ": " << ev.error().message;
    EXPECT_EQ(ev->kind, WebhookEvent::Kind::kStatus) << c.status;
    ASSERT_EQ(ev->statuses.size(), 1u);
    const StatusReport& r = ev->statuses[0];
    EXPECT_EQ(r.provider_message_id, "SM5b2bd0f5a1a84f4ebc11a2c3fd1b6e3a");
    EXPECT_EQ(r.status, c.want) << c.status;
    EXPECT_EQ(r.provider_status, c.status);
    EXPECT_EQ(r.recipient, "+14155550100");
    EXPECT_EQ(r.at, kNow);
    EXPECT_EQ(ev->dedupe_key, "SM5b2bd0f5a1a84f4ebc11a2c3fd1b6e3a:" + c.status);
  }
}

TEST(TwilioParse, StatusCallbackWithBodyIsStillAStatus) {
  // Some callbacks echo Body; MessageStatus decides.
  FormFields f = status_callback("delivered");
  f.emplace_back("Body", "your code is 1234");
  auto ev = parse_webhook("twilio", form_request("https://x/w", f), kNow);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->kind, WebhookEvent::Kind::kStatus);
}

TEST(TwilioParse, FailedStatusKeepsError) {
  auto ev = parse_webhook("twilio", form_request("https://x/w", status_callback("undelivered", "30003")),
                          kNow);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->statuses.size(), 1u);
  EXPECT_EQ(ev->statuses[0].status, Status::kUndelivered);
  EXPECT_EQ(ev->statuses[0].error_code, "30003");
  EXPECT_EQ(ev->statuses[0].error_message, "Unreachable destination handset");
}

TEST(TwilioParse, DedupeKeysStableAcrossRetriesDistinctAcrossEvents) {
  auto a = parse_webhook("twilio", form_request("https://x/w", status_callback("sent")), kNow);
  auto b = parse_webhook("twilio", form_request("https://x/w", status_callback("sent")), kNow + 5000);
  auto c = parse_webhook("twilio", form_request("https://x/w", status_callback("delivered")), kNow);
  auto d = parse_webhook("twilio", form_request("https://x/w", kInboundSms), kNow);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(a->dedupe_key, b->dedupe_key);
  EXPECT_NE(a->dedupe_key, c->dedupe_key);
  EXPECT_NE(a->dedupe_key, d->dedupe_key);
}

TEST(TwilioParse, Malformed) {
  struct Case {
    std::string name;
    FormFields fields;
    std::string field;
  };
  FormFields no_sid = kInboundSms;
  std::erase_if(no_sid, [](const auto& kv) { return kv.first.find("Sid") != std::string::npos; });
  FormFields no_from = kInboundSms;
  std::erase_if(no_from, [](const auto& kv) { return kv.first == "From"; });
  FormFields bad_num_media = kInboundSms;
  for (auto& [k, v] : bad_num_media) {
    if (k == "NumMedia") v = "two";
  }
  FormFields missing_media = kInboundMms;
  std::erase_if(missing_media, [](const auto& kv) { return kv.first == "MediaUrl1"; });
  FormFields bad_utf8 = kInboundSms;
  for (auto& [k, v] : bad_utf8) {
    if (k == "Body") v = "caf\xC3";
  }
  FormFields neither = {{"MessageSid", "SM1"}, {"From", "+1"}, {"To", "+2"}};
  const std::vector<Case> cases = {
      {"no sid", no_sid, "MessageSid"},          {"no from", no_from, "From"},
      {"bad NumMedia", bad_num_media, "NumMedia"}, {"missing MediaUrl1", missing_media, "MediaUrl1"},
      {"invalid UTF-8", bad_utf8, "Body"},        {"no status no body", neither, "MessageStatus"},
  };
  for (const auto& c : cases) {
    auto ev = parse_webhook("twilio", form_request("https://x/w", c.fields), kNow);
    ASSERT_FALSE(ev.ok()) << c.name;
    EXPECT_EQ(ev.error().code, "invalid_webhook") << c.name;
    EXPECT_EQ(ev.error().field, c.field) << c.name;
  }
  WebhookRequest json_req;
  json_req.headers = {{"Content-Type", "application/json"}};
  json_req.body = "{}";
  EXPECT_FALSE(parse_webhook("twilio", json_req, kNow).ok());
}

// ---- SignalWire -----------------------------------------------------------------------------

WebhookSecrets signalwire_secrets(std::string key = "PSK_signing_key_0123456789") {
  WebhookSecrets s;
  s.provider = "signalwire";
  s.signing_key = std::move(key);
  return s;
}

TEST(SignalWireSignature, LamlFormEitherHeaderEitherValueOrder) {
  const std::string url = "https://example.com/webhooks/sw-main";
  const FormFields fields = {{"MessageSid", "d2f5a3b0-8d5a-4b8b-9b62-3f1f8d0b7c11"},
                             {"MessageStatus", "delivered"},
                             {"To", "+15551230000"},
                             {"Digits", "5678"},
                             {"Digits", "1234"}};
  const std::string key = signalwire_secrets().signing_key;
  for (std::string header : {"X-SignalWire-Signature", "X-Twilio-Signature"}) {
    WebhookRequest r = signed_twilio(url, fields, key, header);
    EXPECT_TRUE(verify_webhook(signalwire_secrets(), r, kNow).ok()) << header;
  }
  // SignalWire's SDK keeps repeated values in received order.
  WebhookRequest r = form_request(url, fields);
  r.headers.emplace_back("X-SignalWire-Signature",
                         sb::twilio_signature(key, url, fields, sb::TwilioParamOrder::kAsReceived));
  EXPECT_TRUE(verify_webhook(signalwire_secrets(), r, kNow).ok());
  // Twilio itself does not accept that layout.
  WebhookSecrets as_twilio = signalwire_secrets();
  as_twilio.provider = "twilio";
  r.headers = {{"X-Twilio-Signature", r.header("X-SignalWire-Signature")}};
  EXPECT_FALSE(verify_webhook(as_twilio, r, kNow).ok());
}

// providers.md: REST messaging status callback JSON {id, project_id, status, to, from, body,
// number_of_segments, timestamp, error_code, error_message}.
std::string rest_status(std::string status, std::string error_code = "") {
  return R"({"id":"b1c2d3e4-0000-4000-8000-000000000001","project_id":"p-123","status":")" +
         status + R"(","to":"+15551230000","from":"+15559870000","body":"hi",)" +
         R"("number_of_segments":1,"timestamp":"2024-05-01T12:00:01Z","error_code":)" +
         (error_code.empty() ? "null" : "\"" + error_code + "\"") +
         R"(,"error_message":)" + (error_code.empty() ? "null" : "\"Carrier rejected\"") + "}";
}

WebhookRequest signed_rest(std::string url, std::string body, std::string key) {
  WebhookRequest r;
  r.url = std::move(url);
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"},
               {"X-SignalWire-Signature", crypto::hex(crypto::hmac_sha1(key, r.url + r.body))}};
  return r;
}

TEST(SignalWireSignature, JsonWebhooks) {
  const std::string key = signalwire_secrets().signing_key;
  const WebhookRequest good = signed_rest("https://example.com/webhooks/sw?x=1", rest_status("sent"), key);
  EXPECT_TRUE(verify_webhook(signalwire_secrets(), good, kNow).ok());

  WebhookRequest tampered = good;
  tampered.body = rest_status("delivered");
  EXPECT_FALSE(verify_webhook(signalwire_secrets(), tampered, kNow).ok());
  EXPECT_FALSE(verify_webhook(signalwire_secrets("other"), good, kNow).ok());
  WebhookRequest unsigned_req = good;
  unsigned_req.headers = {{"Content-Type", "application/json"}};
  auto res = verify_webhook(signalwire_secrets(), unsigned_req, kNow);
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("missing header"), std::string::npos);
  res = verify_webhook(signalwire_secrets(""), good, kNow);
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("not configured: signing_key"), std::string::npos);
}

TEST(SignalWireParse, RestStatusCallbacks) {
  struct Case {
    std::string status;
    Status want;
  };
  const std::vector<Case> cases = {{"queued", Status::kSending},     {"initiated", Status::kSending},
                                   {"sent", Status::kSent},          {"delivered", Status::kDelivered},
                                   {"read", Status::kDelivered},     {"undelivered", Status::kUndelivered},
                                   {"failed", Status::kFailed}};
  for (const auto& c : cases) {
    WebhookRequest r = signed_rest("https://x/w", rest_status(c.status, c.status == "failed" ? "30007" : ""), "k");
    auto ev = parse_webhook("signalwire", r, kNow);
    ASSERT_TRUE(ev.ok()) << ev.error().message;
    EXPECT_EQ(ev->kind, WebhookEvent::Kind::kStatus);
    EXPECT_EQ(ev->dedupe_key, "b1c2d3e4-0000-4000-8000-000000000001:" + c.status);
    ASSERT_EQ(ev->statuses.size(), 1u);
    EXPECT_EQ(ev->statuses[0].status, c.want) << c.status;
    EXPECT_EQ(ev->statuses[0].provider_status, c.status);
    EXPECT_EQ(ev->statuses[0].recipient, "+15551230000");
    EXPECT_EQ(ev->statuses[0].at, *parse_rfc3339("2024-05-01T12:00:01Z"));
    if (c.status == "failed") {
      EXPECT_EQ(ev->statuses[0].error_code, "30007");
      EXPECT_EQ(ev->statuses[0].error_message, "Carrier rejected");
    }
    // JSON webhooks are answered with JSON.
    EXPECT_EQ(webhook_reply("signalwire", r).content_type, "application/json");
  }
  WebhookRequest bad;
  bad.headers = {{"Content-Type", "application/json"}};
  for (std::string body : {"{", "[]", R"({"status":"sent"})", R"({"id":"x","status":["sent"]})"}) {
    bad.body = body;
    auto ev = parse_webhook("signalwire", bad, kNow);
    ASSERT_FALSE(ev.ok()) << body;
    EXPECT_EQ(ev.error().code, "invalid_webhook");
  }
}

TEST(WebhookRequestHeader, CaseInsensitiveAndEmptyWhenAbsent) {
  WebhookRequest r;
  r.headers = {{"Content-Type", "a"}, {"X-Thing", "b"}};
  EXPECT_EQ(r.header("content-type"), "a");
  EXPECT_EQ(r.header("X-THING"), "b");
  EXPECT_EQ(r.header("X-Other"), "");
}

}  // namespace
}  // namespace sb::providers
