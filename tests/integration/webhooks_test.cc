// Provider webhooks through the real binary over loopback HTTP: signed inbound messages from
// every provider land on the account owning the `to` number (and nowhere else), replays are
// stored once, forgeries are refused with nothing stored, status callbacks (also ones that beat
// the send response) move our messages, VoiceMeUp's split MMS parts are merged durably, and the
// config's verification switches behave as documented.
//
// Payloads are the documented ones the unit tests use (tests/unit/providers/*_webhook_test.cc,
// sources cited there), with only the numbers/ids changed where a test needs distinct ones.
// Signatures: sb::twilio_signature (pinned to Twilio's published vectors by the unit tests)
// and tests/support/webhook_signing (OpenSSL Ed25519 for Telnyx, HMAC-SHA256 for Sinch).
#include <gtest/gtest.h>

#include <strings.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <vector>

#include "core/twilio_signature.h"
#include "providers/transport/http_util.h"
#include "providers/twilio/twilio_webhook.h"
#include "support/fake_provider.h"
#include "support/gateway.h"
#include "support/webhook_signing.h"

namespace sb::test {
namespace {

using nlohmann::json;
using sb::FormFields;
using namespace std::chrono_literals;

constexpr char kPublicUrl[] = "https://sms.example.test";
constexpr char kAccountSid[] = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kTwilioToken[] = "0123456789abcdef0123456789abcdef";
constexpr char kSignalWireKey[] = "PSK_signing_key_0123456789";
constexpr char kSinchSecret[] = "sinch-callback-secret";
constexpr char kVmuSecret[] = "s3cret-path-0123456789";

// Our numbers, one per connector, all owned by account acme.
constexpr char kTwNumber[] = "+14155552671";
constexpr char kSwNumber[] = "+14155552672";
constexpr char kTelnyxNumber[] = "+18445550001";
constexpr char kSinchNumber[] = "+13185551234";
constexpr char kVmuNumber[] = "+14184805945";
// A number nobody configured.
constexpr char kUnknownNumber[] = "+14155559999";

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One webhook request as a provider would send it.
struct Hook {
  std::string path;  // /webhooks/...
  std::string body;
  Headers headers;
};

// ---- Twilio / SignalWire LaML (form-encoded) ------------------------------------------------

// Twilio docs "Messaging webhooks: the request" (inbound SMS), To/From/sid as given.
FormFields twilio_sms(const std::string& sid, const std::string& from, const std::string& to,
                      const std::string& body = "Hello from my phone") {
  return {{"ToCountry", "US"},   {"ToState", "CA"},        {"SmsMessageSid", sid},
          {"NumMedia", "0"},     {"ToCity", "SAN FRANCISCO"}, {"FromZip", "94105"},
          {"SmsSid", sid},       {"FromState", "CA"},      {"SmsStatus", "received"},
          {"FromCity", "SAN FRANCISCO"}, {"Body", body},   {"FromCountry", "US"},
          {"To", to},            {"ToZip", "94105"},       {"NumSegments", "1"},
          {"MessageSid", sid},   {"AccountSid", kAccountSid}, {"From", from},
          {"ApiVersion", "2010-04-01"}};
}

// Twilio docs: an inbound MMS with two media (MediaUrl{i}, MediaContentType{i}).
constexpr char kTwilioMmsSid[] = "MMc781610ec0b3400c9e0cab8e757da937";
const std::string kTwilioMedia0 =
    "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/"
    "MMc781610ec0b3400c9e0cab8e757da937/Media/ME1";
const std::string kTwilioMedia1 =
    "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/"
    "MMc781610ec0b3400c9e0cab8e757da937/Media/ME2";
FormFields twilio_mms(const std::string& from, const std::string& to) {
  return {{"MessageSid", kTwilioMmsSid}, {"SmsSid", kTwilioMmsSid},
          {"AccountSid", kAccountSid},   {"From", from},
          {"To", to},                    {"Body", ""},
          {"NumMedia", "2"},             {"NumSegments", "1"},
          {"MediaContentType0", "image/jpeg"}, {"MediaUrl0", kTwilioMedia0},
          {"MediaContentType1", "image/png"},  {"MediaUrl1", kTwilioMedia1},
          {"SmsStatus", "received"},     {"ApiVersion", "2010-04-01"}};
}

// Twilio docs "Track the message status of outbound messages": a status callback.
FormFields twilio_status(const std::string& sid, const std::string& status,
                         const std::string& from, const std::string& to) {
  return {{"MessageSid", sid},  {"MessageStatus", status}, {"SmsSid", sid},
          {"SmsStatus", status}, {"AccountSid", kAccountSid}, {"From", from},
          {"To", to},           {"ApiVersion", "2010-04-01"}};
}

// Signed like Twilio (and SignalWire's LaML) do: over our public URL + the path called.
Hook form_hook(const std::string& path, const FormFields& fields, const std::string& key,
               const std::string& header) {
  Hook h;
  h.path = path;
  h.body = sb::form_encode(fields);
  h.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
               {header, sb::twilio_signature(key, kPublicUrl + path, fields)}};
  return h;
}
Hook twilio_hook(const FormFields& f, const std::string& key = kTwilioToken) {
  return form_hook("/webhooks/tw", f, key, "X-Twilio-Signature");
}
Hook signalwire_hook(const FormFields& f, const std::string& key = kSignalWireKey) {
  return form_hook("/webhooks/sw", f, key, "X-SignalWire-Signature");
}

// ---- Telnyx ---------------------------------------------------------------------------------

// openapi/spec3.json message.received example (event id, message id, numbers substitutable).
std::string telnyx_sms(const std::string& event_id = "bf6307bd-884d-4c1f-b6ea-c62b8c495d3c",
                       const std::string& to = kTelnyxNumber) {
  return R"({
  "data": {
    "record_type": "event",
    "id": ")" + event_id + R"(",
    "event_type": "message.received",
    "occurred_at": "2019-01-23T18:10:02.574Z",
    "payload": {
      "record_type": "message",
      "direction": "inbound",
      "id": "7ee4241c-f127-47e5-9c34-3aac291f8058",
      "type": "SMS",
      "messaging_profile_id": "0f512bda-ae1e-4597-8e11-e5f5686b97d3",
      "from": {"phone_number": "+18665550001", "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"},
      "to": [{"phone_number": ")" + to + R"(", "status": "delivered", "carrier": "TELNYX LLC", "line_type": "VoIP"}],
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
}

// The same event as an MMS with two media (from another sender so it threads apart).
const std::string kTelnyxMms = R"({
  "data": {
    "record_type": "event",
    "id": "c7d0a1e2-1111-4c1f-b6ea-c62b8c495d3c",
    "event_type": "message.received",
    "occurred_at": "2019-01-23T18:10:02.574Z",
    "payload": {
      "direction": "inbound",
      "id": "8ee4241c-f127-47e5-9c34-3aac291f8058",
      "type": "MMS",
      "from": {"phone_number": "+18665550002"},
      "to": [{"phone_number": "+18445550001", "status": "delivered"}],
      "text": null,
      "media": [
        {"url": "https://media.telnyx.com/a.jpg", "content_type": "image/jpeg", "sha256": null, "size": 10240},
        {"url": "https://media.telnyx.com/b.png", "content_type": "image/png", "sha256": null, "size": null}
      ],
      "parts": 1,
      "errors": []
    }
  }
})";

// ---- Sinch ----------------------------------------------------------------------------------

std::string sinch_text(const std::string& to = "13185551234") {
  return R"({
  "type": "mo_text",
  "id": "01FC66621XXXXX119Z8PMV1QPQ",
  "from": "16051234567",
  "to": ")" + to + R"(",
  "body": "Hello, how are you?",
  "operator_id": "35000",
  "received_at": "2022-08-24T14:15:22Z"
})";
}

const std::string kSinchMedia = R"({
  "type": "mo_media",
  "id": "01FC66621XXXXX119Z8PMV1MMS",
  "from": "16051234568",
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

// ---- VoiceMeUp ------------------------------------------------------------------------------

std::string vmu_sms(const std::string& destination = "4184805945") {
  return R"({
  "sms_hash": "sms-hash-123",
  "direction": "inbound",
  "source_number": "14188050723",
  "destination_number": ")" + destination + R"(",
  "message": "Plain SMS",
  "datetime_transmission": "2026-01-28 14:00:00"
})";
}

// RoomKit's recorded split MMS: the text part (with its ".mms.html" wrapper), then the image.
std::string vmu_text_part(const std::string& transmitted = "2026-01-28 13:00:14",
                          const std::string& hash = "c3efc8a3-f901-52ac-9868-93f6e89d10f6") {
  return R"({
  "sms_log_id": "5237355",
  "sms_hash": ")" + hash + R"(",
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
  "datetime_transmission": ")" + transmitted + R"("
})";
}

std::string vmu_image_part(const std::string& transmitted = "2026-01-28 13:00:14",
                           const std::string& hash = "249fad7f-dc67-09bb-52d6-cd752856bae0") {
  return R"({
  "sms_log_id": "5237356",
  "sms_hash": ")" + hash + R"(",
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
  "datetime_transmission": ")" + transmitted + R"("
})";
}

Hook json_hook(const std::string& path, std::string body, Headers extra = {}) {
  Hook h;
  h.path = path;
  h.body = std::move(body);
  h.headers = {{"Content-Type", "application/json"}};
  for (auto& e : extra) h.headers.push_back(std::move(e));
  return h;
}
Hook vmu_hook(std::string body, const std::string& secret = kVmuSecret) {
  return json_hook("/webhooks/vmu/" + secret, std::move(body));
}
Hook sinch_hook(std::string body, const std::string& secret = kSinchSecret, int64_t ts = now_s()) {
  Headers sig = sinch_signature_headers(secret, body, ts);
  return json_hook("/webhooks/sinch", std::move(body), std::move(sig));
}

void drop_header(Hook& h, const std::string& name) {
  std::erase_if(h.headers, [&](const auto& kv) { return strcasecmp(kv.first.c_str(), name.c_str()) == 0; });
}

// The Twilio send reply (twilio-python's 201 example) with `sid` as the message SID.
std::string twilio_created(const std::string& sid) {
  return R"({"account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "api_version": "2010-04-01",
        "body": "hello", "date_created": "Thu, 30 Jul 2015 20:12:31 +0000", "date_sent": null,
        "date_updated": "Thu, 30 Jul 2015 20:12:31 +0000", "direction": "outbound-api",
        "error_code": null, "error_message": null, "from": "+14155552671",
        "messaging_service_sid": null, "num_media": "0", "num_segments": "1", "price": null,
        "price_unit": "USD", "sid": ")" +
         sid + R"(", "status": "queued", "to": "+14155550123",
        "uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/)" +
         sid + R"(.json"})";
}

// ---- fixture --------------------------------------------------------------------------------

class WebhooksTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !pg_admin_url()) {
      if (pg_required()) FAIL() << "SWITCHBOARD_TEST_PG_URL is required";
      GTEST_SKIP() << "no PostgreSQL (set SWITCHBOARD_TEST_PG_URL)";
    }
    fake_.set_responder([](const RecordedRequest& r) {
      if (r.method != "POST") return FakeReply{200, "{}"};  // health probes
      return FakeReply{201, twilio_created("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")};
    });
    gw_ = std::make_unique<TestGateway>(GetParam(), connectors_toml() + extra_toml(),
                                        "public_url = \"" + std::string(kPublicUrl) + "\"\n");
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }
  virtual std::string extra_toml() { return {}; }

  std::string connectors_toml() {
    const std::string base = "base_url = \"" + fake_.base_url() + "\"\ntimeout_ms = 10000\n";
    std::string t;
    t += "[[connectors]]\nid = \"tw\"\nprovider = \"twilio\"\n" + base + "account_sid = \"" +
         kAccountSid + "\"\nauth_token = \"" + kTwilioToken + "\"\n";
    t += "[[connectors]]\nid = \"sw\"\nprovider = \"signalwire\"\n" + base +
         "space_url = \"example.signalwire.com\"\n"
         "project_id = \"ea108133-d6b3-407c-9536-9fad8a929a6a\"\n"
         "api_token = \"PTda745ebXXXXXXXXXXXXXXXXXXXXXX\"\nsigning_key = \"" +
         kSignalWireKey + "\"\n";
    t += "[[connectors]]\nid = \"telnyx\"\nprovider = \"telnyx\"\n" + base +
         "api_key = \"KEY0123456789ABCDEF_test\"\npublic_key = \"" +
         telnyx_key_.public_key_base64() + "\"\n";
    t += "[[connectors]]\nid = \"sinch\"\nprovider = \"sinch\"\n" + base +
         "service_plan_id = \"00b2e1b0b8a94e5c9c4f6e0c3c7b1a11\"\napi_token = \"tok_sinch_test\"\n"
         "callback_secret = \"" + kSinchSecret + "\"\n";
    t += "[[connectors]]\nid = \"vmu\"\nprovider = \"voicemeup\"\n" + base +
         "username = \"acme-api\"\nauth_token = \"tok_123\"\nwebhook_secret = \"" + kVmuSecret +
         "\"\n";
    for (const auto& [number, connector] :
         std::vector<std::pair<std::string, std::string>>{{kTwNumber, "tw"},
                                                          {kSwNumber, "sw"},
                                                          {kTelnyxNumber, "telnyx"},
                                                          {kSinchNumber, "sinch"},
                                                          {kVmuNumber, "vmu"}}) {
      t += "[[numbers]]\nnumber = \"" + number + "\"\naccount = \"acme\"\nconnector = \"" +
           connector + "\"\n";
    }
    return t;
  }

  HttpResult post(const Hook& h) { return gw_->request("POST", h.path, "", h.body, h.headers); }

  json inbound(const std::string& key) {
    auto r = gw_->get("/v1/messages?direction=inbound&limit=100", key);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json["data"];
  }
  json conversations(const std::string& key) {
    auto r = gw_->get("/v1/conversations", key);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json["data"];
  }
  // The conversation between our number and a contact, or null.
  json conversation(const std::string& key, const std::string& ours, const std::string& theirs) {
    for (const auto& c : conversations(key)) {
      if (c["our_number"] == ours && c["contact"]["number"] == theirs) return c;
    }
    return nullptr;
  }
  json find_by_provider_id(const json& messages, const std::string& pid) {
    for (const auto& m : messages) {
      if (m["provider_message_id"] == pid) return m;
    }
    return nullptr;
  }

  // Runs SQL on the gateway's database through the client library; "" (and a failure) on error.
  std::string query_db(const std::string& sql) {
    std::ifstream cfg(gw_->config_path());
    std::string line, url;
    while (std::getline(cfg, line)) {
      if (line.rfind("url = \"", 0) == 0) url = line.substr(7, line.size() - 8);
    }
    try {
      return query_database(url, sql);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "query failed (" << url << "): " << e.what();
      return "";
    }
  }

  FakeProvider fake_;
  Ed25519Key telnyx_key_;
  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

Hook telnyx_hook(const Ed25519Key& key, std::string body, int64_t ts = now_s()) {
  Headers sig = telnyx_signature_headers(key, body, ts);
  return json_hook("/webhooks/telnyx", std::move(body), std::move(sig));
}

struct InboundCase {
  std::string name;
  Hook hook;
  int status;          // the provider's expected 2xx
  bool twiml;          // Twilio/SignalWire: text/xml <Response/>
  std::string from, to, body, connector, provider_message_id;
  std::vector<std::pair<std::string, std::string>> media;  // url, content type
};

std::vector<InboundCase> every_provider_inbound(const Ed25519Key& telnyx_key) {
  std::vector<InboundCase> v;
  v.push_back({"twilio sms", twilio_hook(twilio_sms("SM1f0e8ae6ade43cb3c0ce4525424e404f",
                                                    "+14155550100", kTwNumber)),
               200, true, "+14155550100", kTwNumber, "Hello from my phone", "tw",
               "SM1f0e8ae6ade43cb3c0ce4525424e404f", {}});
  v.push_back({"twilio mms", twilio_hook(twilio_mms("+14155550102", kTwNumber)), 200, true,
               "+14155550102", kTwNumber, "", "tw", kTwilioMmsSid,
               {{kTwilioMedia0, "image/jpeg"}, {kTwilioMedia1, "image/png"}}});
  v.push_back({"signalwire laml sms",
               signalwire_hook(twilio_sms("d2f5a3b0-8d5a-4b8b-9b62-3f1f8d0b7c11", "+14155550101",
                                          kSwNumber, "Hi from SignalWire")),
               200, true, "+14155550101", kSwNumber, "Hi from SignalWire", "sw",
               "d2f5a3b0-8d5a-4b8b-9b62-3f1f8d0b7c11", {}});
  v.push_back({"telnyx sms", telnyx_hook(telnyx_key, telnyx_sms()), 200, false, "+18665550001",
               kTelnyxNumber, "Hello, World!", "telnyx", "7ee4241c-f127-47e5-9c34-3aac291f8058",
               {}});
  v.push_back({"telnyx mms", telnyx_hook(telnyx_key, kTelnyxMms), 200, false, "+18665550002",
               kTelnyxNumber, "", "telnyx", "8ee4241c-f127-47e5-9c34-3aac291f8058",
               {{"https://media.telnyx.com/a.jpg", "image/jpeg"},
                {"https://media.telnyx.com/b.png", "image/png"}}});
  v.push_back({"sinch mo_text", sinch_hook(sinch_text()), 200, false, "+16051234567",
               kSinchNumber, "Hello, how are you?", "sinch", "01FC66621XXXXX119Z8PMV1QPQ", {}});
  v.push_back({"sinch mo_media", sinch_hook(kSinchMedia), 200, false, "+16051234568",
               kSinchNumber, "Look at these", "sinch", "01FC66621XXXXX119Z8PMV1MMS",
               {{"https://mms.sinch.com/a.jpg", "image/jpeg"},
                {"https://mms.sinch.com/b.gif", "image/gif"}}});
  v.push_back({"voicemeup sms", vmu_hook(vmu_sms()), 200, false, "+14188050723", kVmuNumber,
               "Plain SMS", "vmu", "sms-hash-123", {}});
  return v;
}

// error.<field> of a JSON error reply, "" when the reply is not one.
std::string error_field(const json& j, const std::string& field) {
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return "";
  const json& e = j["error"];
  return e.contains(field) && e[field].is_string() ? e[field].get<std::string>() : "";
}

void expect_provider_reply(const HttpResult& r, const InboundCase& c) {
  EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
  if (c.twiml) {
    EXPECT_EQ(r.header("Content-Type").substr(0, 8), "text/xml") << c.name;
    EXPECT_NE(r.body.find("<Response/>"), std::string::npos) << c.name << ": " << r.body;
  }
}

void expect_unverified(const HttpResult& r, const std::string& name) {
  EXPECT_EQ(r.status, 403) << name << ": " << r.body;
  EXPECT_EQ(error_field(r.json, "code"), "webhook_unverified") << name << ": " << r.body;
}

// ---- 1. every provider's inbound message -----------------------------------------------------

TEST_P(WebhooksTest, EveryProvidersInboundMessageLandsOnTheOwnerOfTheNumberOnly) {
  const auto cases = every_provider_inbound(telnyx_key_);
  for (const auto& c : cases) expect_provider_reply(post(c.hook), c);

  const json messages = inbound(acme_);
  ASSERT_EQ(messages.size(), cases.size()) << messages.dump(1);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json m = find_by_provider_id(messages, c.provider_message_id);
    ASSERT_TRUE(m.is_object()) << messages.dump(1);
    EXPECT_EQ(m["account"], "acme");
    EXPECT_EQ(m["direction"], "inbound");
    EXPECT_EQ(m["status"], "received");
    EXPECT_EQ(m["from"], c.from);
    EXPECT_EQ(m["to"], c.to);
    EXPECT_EQ(m["body"], c.body);
    EXPECT_EQ(m["connector"], c.connector);
    // Media are re-hosted (docs/media.md): the message carries our URLs, never the provider's;
    // until fetched, the content type is the one the provider declared.
    ASSERT_EQ(m["media_urls"].size(), c.media.size()) << m.dump();
    EXPECT_EQ(m["channel"], c.media.empty() ? "sms" : "mms");
    if (c.media.empty()) {
      EXPECT_FALSE(m.contains("media")) << m.dump();
    } else {
      ASSERT_TRUE(m.contains("media")) << m.dump();
      ASSERT_EQ(m["media"].size(), c.media.size()) << m.dump();
      for (size_t i = 0; i < c.media.size(); ++i) {
        const std::string url = m["media"][i]["url"];
        EXPECT_EQ(url, std::string(kPublicUrl) + "/v1/media/" + m["media"][i]["id"].get<std::string>());
        EXPECT_EQ(m["media_urls"][i], url);
        EXPECT_EQ(m.dump().find(c.media[i].first), std::string::npos) << m.dump();
        EXPECT_EQ(m["media"][i]["content_type"], c.media[i].second);
      }
    }
    // Threaded: one conversation per (our number, sender), unread, previewing this message.
    const json conv = conversation(acme_, c.to, c.from);
    ASSERT_TRUE(conv.is_object()) << conversations(acme_).dump(1);
    EXPECT_EQ(m["conversation_id"], conv["id"]);
    EXPECT_EQ(conv["contact"]["name"], "Unknown");
    EXPECT_EQ(conv["unread_count"], 1);
    EXPECT_EQ(conv["message_count"], 1);
    EXPECT_EQ(conv["inbound_count"], 1);
    EXPECT_EQ(conv["last_message_id"], m["id"]);
    EXPECT_EQ(conv["last_message_preview"], c.body.empty() ? "[media]" : c.body);
    auto thread = gw_->get("/v1/conversations/" + conv["id"].get<std::string>() + "/messages",
                           acme_);
    ASSERT_EQ(thread.status, 200) << thread.body;
    ASSERT_EQ(thread.json["data"].size(), 1u);
    EXPECT_EQ(thread.json["data"][0]["id"], m["id"]);

    // Another account sees none of it.
    EXPECT_EQ(gw_->get("/v1/messages/" + m["id"].get<std::string>(), other_).status, 404);
    EXPECT_EQ(gw_->get("/v1/conversations/" + conv["id"].get<std::string>(), other_).status, 404);
  }
  EXPECT_EQ(conversations(acme_).size(), cases.size());
  EXPECT_TRUE(inbound(other_).empty());
  EXPECT_TRUE(conversations(other_).empty());
  // VoiceMeUp's path secret is its only credential: it never reaches the log.
  EXPECT_EQ(gw_->server_log().find(kVmuSecret), std::string::npos);
}

TEST_P(WebhooksTest, AlternativeSignatureHeadersAndTheStatusAlias) {
  // SignalWire's LaML webhooks may carry the Twilio-named header.
  auto r = post(form_hook("/webhooks/sw",
                          twilio_sms("e3f5a3b0-8d5a-4b8b-9b62-3f1f8d0b7c12", "+14155550101",
                                     kSwNumber, "via X-Twilio-Signature"),
                          kSignalWireKey, "X-Twilio-Signature"));
  EXPECT_EQ(r.status, 200) << r.body;
  // /webhooks/{connector}/status is signed over its own URL.
  r = post(form_hook("/webhooks/tw/status",
                     twilio_sms("SMdddddddddddddddddddddddddddddddd", "+14155550100", kTwNumber,
                                "via the status alias"),
                     kTwilioToken, "X-Twilio-Signature"));
  EXPECT_EQ(r.status, 200) << r.body;
  const json messages = inbound(acme_);
  ASSERT_EQ(messages.size(), 2u) << messages.dump(1);
  EXPECT_EQ(find_by_provider_id(messages, "e3f5a3b0-8d5a-4b8b-9b62-3f1f8d0b7c12")["body"],
            "via X-Twilio-Signature");
  EXPECT_EQ(find_by_provider_id(messages, "SMdddddddddddddddddddddddddddddddd")["body"],
            "via the status alias");
}

// ---- 2. replays ----------------------------------------------------------------------------

TEST_P(WebhooksTest, ReplayedWebhooksAreAcknowledgedAndStoredOnce) {
  const auto cases = every_provider_inbound(telnyx_key_);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    expect_provider_reply(post(c.hook), c);
    expect_provider_reply(post(c.hook), c);
    std::vector<std::future<HttpResult>> racing;
    for (int i = 0; i < 5; ++i) {
      racing.push_back(std::async(std::launch::async, [&] { return post(c.hook); }));
    }
    for (auto& f : racing) expect_provider_reply(f.get(), c);
  }
  const json messages = inbound(acme_);
  EXPECT_EQ(messages.size(), cases.size()) << messages.dump(1);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    int n = 0;
    for (const auto& m : messages) n += m["provider_message_id"] == c.provider_message_id;
    EXPECT_EQ(n, 1);
    const json conv = conversation(acme_, c.to, c.from);
    ASSERT_TRUE(conv.is_object());
    EXPECT_EQ(conv["unread_count"], 1);
    EXPECT_EQ(conv["message_count"], 1);
  }
}

// ---- 3. forgeries and bad requests ---------------------------------------------------------

TEST_P(WebhooksTest, ForgedWebhooksAreRefusedAndNothingIsStored) {
  const FormFields sms = twilio_sms("SM1f0e8ae6ade43cb3c0ce4525424e404f", "+14155550100",
                                    kTwNumber);
  {
    Hook h = twilio_hook(sms);
    FormFields tampered = sms;
    for (auto& [k, v] : tampered) {
      if (k == "Body") v = "Send me the codes";
    }
    h.body = sb::form_encode(tampered);
    expect_unverified(post(h), "twilio tampered body");
  }
  expect_unverified(post(twilio_hook(sms, "fedcba9876543210fedcba9876543210")), "twilio wrong key");
  {
    Hook h = twilio_hook(sms);
    drop_header(h, "X-Twilio-Signature");
    expect_unverified(post(h), "twilio missing signature");
  }
  {
    // Signed for /webhooks/tw, called with a query the provider never signed.
    Hook h = twilio_hook(sms);
    h.path += "?extra=1";
    expect_unverified(post(h), "twilio other url");
  }
  expect_unverified(post(signalwire_hook(twilio_sms("d2f5a3b0-8d5a-4b8b-9b62-3f1f8d0b7c11",
                                                    "+14155550101", kSwNumber),
                                         "PSK_not_the_key")),
                    "signalwire wrong key");
  {
    Hook h = telnyx_hook(telnyx_key_, telnyx_sms());
    h.body.replace(h.body.find("Hello, World!"), 13, "Hello, Mallory");
    expect_unverified(post(h), "telnyx tampered body");
  }
  {
    Ed25519Key other_key;
    expect_unverified(post(telnyx_hook(other_key, telnyx_sms())), "telnyx wrong key");
  }
  {
    Hook h = telnyx_hook(telnyx_key_, telnyx_sms());
    drop_header(h, "telnyx-signature-ed25519");
    expect_unverified(post(h), "telnyx missing signature");
  }
  {
    auto r = post(telnyx_hook(telnyx_key_, telnyx_sms(), now_s() - 600));
    expect_unverified(r, "telnyx stale timestamp");
    EXPECT_NE(error_field(r.json, "message").find("stale"), std::string::npos)
        << r.body;
  }
  expect_unverified(post(sinch_hook(sinch_text(), "not-the-secret")), "sinch wrong secret");
  {
    Hook h = sinch_hook(sinch_text());
    drop_header(h, "x-sinch-webhook-signature");
    expect_unverified(post(h), "sinch missing signature");
  }
  expect_unverified(post(vmu_hook(vmu_sms(), "wrong-path-secret-0123")), "voicemeup wrong secret");
  expect_unverified(post(json_hook("/webhooks/vmu", vmu_sms())), "voicemeup no secret");

  EXPECT_TRUE(inbound(acme_).empty());
  EXPECT_TRUE(conversations(acme_).empty());
  EXPECT_TRUE(inbound(other_).empty());
  EXPECT_EQ(query_db("SELECT COUNT(*) FROM webhook_events"), "0");
}

TEST_P(WebhooksTest, UnknownConnectorIs404AndUnreadableBodyIs400) {
  auto r = post(json_hook("/webhooks/nope", telnyx_sms()));
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(error_field(r.json, "code"), "not_found") << r.body;

  // Genuinely signed, but not JSON.
  r = post(telnyx_hook(telnyx_key_, "{\"data\": {not json"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_field(r.json, "code"), "invalid_webhook") << r.body;
  // Signed JSON missing the sender.
  json no_from = json::parse(telnyx_sms());
  no_from["data"]["payload"].erase("from");
  r = post(telnyx_hook(telnyx_key_, no_from.dump()));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_field(r.json, "code"), "invalid_webhook") << r.body;
  EXPECT_EQ(error_field(r.json, "field"), "data.payload.from") << r.body;

  EXPECT_TRUE(inbound(acme_).empty());
}

// ---- 4. a message for a number nobody owns --------------------------------------------------

TEST_P(WebhooksTest, InboundForAnUnknownNumberIsAcknowledgedButRoutedNowhere) {
  const Hook tw = twilio_hook(twilio_sms("SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "+14155550100",
                                         kUnknownNumber));
  for (int i = 0; i < 2; ++i) {  // a provider retry is kept once
    auto r = post(tw);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("<Response/>"), std::string::npos) << r.body;
  }
  auto r = post(telnyx_hook(telnyx_key_, telnyx_sms("aa6307bd-884d-4c1f-b6ea-c62b8c495d3c",
                                                    kUnknownNumber)));
  EXPECT_EQ(r.status, 200) << r.body;

  EXPECT_TRUE(inbound(acme_).empty());
  EXPECT_TRUE(inbound(other_).empty());
  EXPECT_TRUE(conversations(acme_).empty());
  EXPECT_TRUE(conversations(other_).empty());
  const std::string rows =
      query_db("SELECT connector_id || ' ' || to_addr FROM unrouted_inbound ORDER BY connector_id");
  EXPECT_EQ(rows, "telnyx " + std::string(kUnknownNumber) + "\ntw " + kUnknownNumber);
  // Counted where an operator looks.
  auto ready = gw_->get("/readyz", "");
  EXPECT_EQ(ready.json["checks"]["webhooks"]["unrouted_inbound"], 2) << ready.body;
}

// ---- 5. status callbacks -------------------------------------------------------------------

TEST_P(WebhooksTest, StatusCallbacksMoveTheMessageAndALateSentIsNotApplied) {
  constexpr char kSid[] = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  constexpr char kTo[] = "+14155550123";
  auto sent = gw_->post_json("/v1/messages", acme_,
                             {{"to", kTo}, {"from", kTwNumber}, {"body", "hello"}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  ASSERT_EQ(sent.json["connector"], "tw");
  const std::string id = sent.json["id"];
  json m = gw_->wait_for_status(id, acme_, "sent");
  ASSERT_EQ(m["status"], "sent") << m.dump();
  ASSERT_EQ(m["provider_message_id"], kSid);

  // Twilio was told to call back the URL the signatures are checked against.
  bool told = false;
  for (const auto& req : fake_.requests()) {
    for (const auto& [k, v] : sb::form_decode(req.body)) {
      if (k == "StatusCallback") told = v == std::string(kPublicUrl) + "/webhooks/tw";
    }
  }
  EXPECT_TRUE(told);

  const Hook delivered = twilio_hook(twilio_status(kSid, "delivered", kTwNumber, kTo));
  auto r = post(delivered);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<Response/>"), std::string::npos) << r.body;
  EXPECT_EQ(gw_->get("/v1/messages/" + id, acme_).json["status"], "delivered");

  const Hook late_sent = twilio_hook(twilio_status(kSid, "sent", kTwNumber, kTo));
  EXPECT_EQ(post(late_sent).status, 200);
  EXPECT_EQ(post(delivered).status, 200);  // a retry of the first callback: stored once

  m = gw_->get("/v1/messages/" + id, acme_).json;
  EXPECT_EQ(m["status"], "delivered") << m.dump(1);
  int delivered_events = 0, late = 0;
  for (const auto& e : m["events"]) {
    if (e["provider_status"] == "delivered") {
      ++delivered_events;
      EXPECT_EQ(e["status"], "delivered");
      EXPECT_TRUE(e["applied"].get<bool>());
      EXPECT_EQ(e.value("raw_payload", ""), delivered.body) << e.dump();
    }
    if (e["provider_status"] == "sent" && e.contains("raw_payload")) {
      ++late;
      EXPECT_EQ(e["status"], "sent");
      EXPECT_FALSE(e["applied"].get<bool>()) << e.dump();
      EXPECT_EQ(e["raw_payload"], late_sent.body);
    }
  }
  EXPECT_EQ(delivered_events, 1) << m.dump(1);
  EXPECT_EQ(late, 1) << m.dump(1);
  // An inbound listing shows none of this.
  EXPECT_TRUE(inbound(acme_).empty());
}

TEST_P(WebhooksTest, ACallbackThatBeatsTheSendResponseIsAppliedOnceTheSidIsKnown) {
  const std::string kSid = "SMcccccccccccccccccccccccccccccccc";
  constexpr char kTo[] = "+14155550124";
  std::promise<void> release;
  std::shared_future<void> hold = release.get_future().share();
  fake_.set_responder([hold, kSid](const RecordedRequest& r) {
    if (r.method != "POST") return FakeReply{200, "{}"};
    FakeReply reply{201, twilio_created(kSid)};
    reply.hold = hold;  // Twilio "still answering" the send
    return reply;
  });
  auto posts = [&] {
    size_t n = 0;
    for (const auto& r : fake_.requests()) n += r.method == "POST";
    return n;
  };
  auto sent = gw_->post_json("/v1/messages", acme_,
                             {{"to", kTo}, {"from", kTwNumber}, {"body", "hello"}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = sent.json["id"];
  ASSERT_TRUE(wait_until([&] { return posts() >= 1; }, 10s));

  const Hook delivered = twilio_hook(twilio_status(kSid, "delivered", kTwNumber, kTo));
  auto r = post(delivered);
  EXPECT_EQ(r.status, 200) << r.body;
  json m = gw_->get("/v1/messages/" + id, acme_).json;
  EXPECT_EQ(m["status"], "sending") << m.dump(1);
  EXPECT_TRUE(m["provider_message_id"].is_null()) << m.dump(1);
  release.set_value();

  m = gw_->wait_for_status(id, acme_, "delivered");
  ASSERT_EQ(m["status"], "delivered") << m.dump(1);
  EXPECT_EQ(m["provider_message_id"], kSid);
  bool found = false;
  for (const auto& e : m["events"]) {
    if (e["provider_status"] == "delivered") {
      found = true;
      EXPECT_TRUE(e["applied"].get<bool>());
      EXPECT_EQ(e.value("raw_payload", ""), delivered.body);
    }
  }
  EXPECT_TRUE(found) << m.dump(1);
  EXPECT_EQ(query_db("SELECT COUNT(*) FROM orphan_statuses"), "0");
  EXPECT_EQ(posts(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Webhooks, WebhooksTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

// ---- 6. VoiceMeUp split MMS ------------------------------------------------------------------

class WebhooksSplitMmsTest : public WebhooksTest {
 protected:
  std::string extra_toml() override {
    return "[webhooks]\nmms_timeout_ms = 1500\nmms_settle_ms = 200\n";
  }

  // Waits until acme has `n` inbound messages; returns them.
  json wait_for_inbound(size_t n, std::chrono::milliseconds timeout = 15s) {
    json out;
    wait_until(
        [&] {
          out = inbound(acme_);
          return out.size() >= n;
        },
        timeout);
    return out;
  }

  void expect_merged(const json& m) {
    EXPECT_EQ(m["from"], "+14188050723");
    EXPECT_EQ(m["to"], kVmuNumber);
    EXPECT_EQ(m["connector"], "vmu");
    EXPECT_EQ(m["status"], "received");
    EXPECT_EQ(m["body"], "Look at this photo!");
    // Re-hosted (docs/media.md): our URL in the message, the provider's in the media row.
    ASSERT_EQ(m["media_urls"].size(), 1u) << m.dump();
    EXPECT_EQ(query_db("SELECT source_url FROM media WHERE message_id = '" +
                       m["id"].get<std::string>() + "'"),
              "https://clients.voicemeup.com/file/249fad7f.mms.jpg");
    ASSERT_TRUE(m.contains("media")) << m.dump();
    EXPECT_EQ(m["media"][0]["url"], m["media_urls"][0]);
    ASSERT_EQ(m["media"].size(), 1u) << m.dump();
    EXPECT_EQ(m["media"][0]["content_type"], "image/jpeg");
    EXPECT_EQ(m["media"][0]["size"], 93002);
  }
};

TEST_P(WebhooksSplitMmsTest, TextAndImagePartsBecomeOneMessage) {
  EXPECT_EQ(post(vmu_hook(vmu_text_part())).status, 200);
  EXPECT_EQ(post(vmu_hook(vmu_image_part())).status, 200);
  EXPECT_EQ(post(vmu_hook(vmu_image_part())).status, 200);  // a retry: not a second image
  const json messages = wait_for_inbound(1);
  ASSERT_EQ(messages.size(), 1u) << messages.dump(1);
  expect_merged(messages[0]);
  // The group is consumed in the transaction that stored the message: nothing else will come.
  EXPECT_EQ(query_db("SELECT COUNT(*) FROM inbound_parts"), "0");
  EXPECT_EQ(inbound(acme_).size(), 1u);
  const json conv = conversation(acme_, kVmuNumber, "+14188050723");
  ASSERT_TRUE(conv.is_object());
  EXPECT_EQ(conv["unread_count"], 1);
  EXPECT_EQ(conv["last_message_preview"], "Look at this photo!");
}

TEST_P(WebhooksSplitMmsTest, ImagesBeforeOrBesideTheTextJoinIt) {
  // Image first, then a second image, then the text: one message with both images.
  std::string second = vmu_image_part("2026-01-28 13:10:00", "second-image-hash");
  second.replace(second.find("249fad7f.mms.jpg"), 16, "5a5a5a5a.mms.png");
  second.replace(second.find("image/jpeg"), 10, "image/png");
  EXPECT_EQ(post(vmu_hook(vmu_image_part("2026-01-28 13:10:00", "first-image-hash"))).status, 200);
  EXPECT_EQ(post(vmu_hook(second)).status, 200);
  EXPECT_EQ(post(vmu_hook(vmu_text_part("2026-01-28 13:10:00", "text-last-hash"))).status, 200);
  // Another group's parts posted at the same time.
  auto text = std::async(std::launch::async, [&] {
    return post(vmu_hook(vmu_text_part("2026-01-28 13:20:00", "race-text-hash"))).status;
  });
  auto image = std::async(std::launch::async, [&] {
    return post(vmu_hook(vmu_image_part("2026-01-28 13:20:00", "race-image-hash"))).status;
  });
  EXPECT_EQ(text.get(), 200);
  EXPECT_EQ(image.get(), 200);

  const json messages = wait_for_inbound(2);
  ASSERT_EQ(messages.size(), 2u) << messages.dump(1);
  const json late_text = find_by_provider_id(messages, "text-last-hash");
  ASSERT_TRUE(late_text.is_object()) << messages.dump(1);
  EXPECT_EQ(late_text["body"], "Look at this photo!");
  ASSERT_EQ(late_text["media_urls"].size(), 2u) << late_text.dump();
  EXPECT_EQ(query_db("SELECT source_url FROM media WHERE message_id = '" +
                     late_text["id"].get<std::string>() + "' ORDER BY position"),
            "https://clients.voicemeup.com/file/249fad7f.mms.jpg\n"
            "https://clients.voicemeup.com/file/5a5a5a5a.mms.png");
  ASSERT_TRUE(late_text.contains("media"));
  EXPECT_EQ(late_text["media"][1]["content_type"], "image/png");
  const json raced = find_by_provider_id(messages, "race-text-hash");
  ASSERT_TRUE(raced.is_object()) << messages.dump(1);
  expect_merged(raced);
  EXPECT_EQ(query_db("SELECT COUNT(*) FROM inbound_parts"), "0");
  EXPECT_EQ(inbound(acme_).size(), 2u);
}

TEST_P(WebhooksSplitMmsTest, APartAloneIsDeliveredAfterTheTimeout) {
  const auto posted = std::chrono::steady_clock::now();
  EXPECT_EQ(post(vmu_hook(vmu_text_part("2026-01-28 13:05:00", "text-alone-hash"))).status, 200);
  EXPECT_EQ(post(vmu_hook(vmu_image_part("2026-01-28 13:06:00", "image-alone-hash"))).status, 200);
  EXPECT_TRUE(inbound(acme_).empty());  // both wait for the rest of their group

  const json messages = wait_for_inbound(2);
  const auto waited = std::chrono::steady_clock::now() - posted;
  ASSERT_EQ(messages.size(), 2u) << messages.dump(1);
  EXPECT_GE(waited, 1400ms);  // not before mms_timeout_ms (1500, minus clock granularity)
  const json text = find_by_provider_id(messages, "text-alone-hash");
  ASSERT_TRUE(text.is_object()) << messages.dump(1);
  EXPECT_EQ(text["body"], "Look at this photo!");
  EXPECT_EQ(text["media_urls"], json::array());  // the .mms.html wrapper is not media
  const json image = find_by_provider_id(messages, "image-alone-hash");
  ASSERT_TRUE(image.is_object()) << messages.dump(1);
  EXPECT_EQ(image["body"], "");
  ASSERT_EQ(image["media_urls"].size(), 1u) << image.dump();
  EXPECT_EQ(query_db("SELECT source_url FROM media WHERE message_id = '" +
                     image["id"].get<std::string>() + "'"),
            "https://clients.voicemeup.com/file/249fad7f.mms.jpg");
}

INSTANTIATE_TEST_SUITE_P(Webhooks, WebhooksSplitMmsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

// A long timeout, so the text part cannot time out alone while the gateway restarts: the merge
// after the restart must come from the durable buffer.
class WebhooksSplitMmsCrashTest : public WebhooksSplitMmsTest {
 protected:
  std::string extra_toml() override {
    return "[webhooks]\nmms_timeout_ms = 60000\nmms_settle_ms = 200\n";
  }
};

TEST_P(WebhooksSplitMmsCrashTest, TextPartSurvivesKillNine) {
  ASSERT_EQ(post(vmu_hook(vmu_text_part())).status, 200);
  gw_->kill9();
  gw_->start();
  EXPECT_TRUE(inbound(acme_).empty());
  ASSERT_EQ(post(vmu_hook(vmu_image_part())).status, 200);
  const json messages = wait_for_inbound(1);
  ASSERT_EQ(messages.size(), 1u) << messages.dump(1);
  expect_merged(messages[0]);
  EXPECT_EQ(messages[0]["provider_message_id"], "c3efc8a3-f901-52ac-9868-93f6e89d10f6");
  EXPECT_EQ(query_db("SELECT COUNT(*) FROM inbound_parts"), "0");
}

INSTANTIATE_TEST_SUITE_P(Webhooks, WebhooksSplitMmsCrashTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

// ---- 7. verification config ----------------------------------------------------------------

bool log_contains(const TestGateway& gw, const std::string& needle) {
  return wait_until([&] { return gw.server_log().find(needle) != std::string::npos; }, 5s);
}

TEST(WebhooksConfig, AConnectorWithoutVerificationMaterialRefusesItsWebhooks) {
  FakeProvider fake;
  fake.set_responder([](const RecordedRequest&) { return FakeReply{200, "{}"}; });
  const std::string base = "base_url = \"" + fake.base_url() + "\"\n";
  TestGateway gw(Backend::kSqlite,
                 "[[connectors]]\nid = \"tw-nokey\"\nprovider = \"twilio\"\n" + base +
                     "account_sid = \"" + kAccountSid +
                     "\"\napi_key_sid = \"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
                     "api_key_secret = \"key_secret_0123\"\n"
                     "[[connectors]]\nid = \"vmu-nokey\"\nprovider = \"voicemeup\"\n" + base +
                     "username = \"acme-api\"\nauth_token = \"tok_123\"\n"
                     "[[numbers]]\nnumber = \"" + kTwNumber +
                     "\"\naccount = \"acme\"\nconnector = \"tw-nokey\"\n"
                     "[[numbers]]\nnumber = \"" + kVmuNumber +
                     "\"\naccount = \"acme\"\nconnector = \"vmu-nokey\"\n",
                 "public_url = \"" + std::string(kPublicUrl) + "\"\n");
  const std::string acme = gw.create_key("acme");
  gw.start();
  EXPECT_TRUE(log_contains(gw, "connector tw-nokey has no auth_token")) << gw.server_log();
  EXPECT_TRUE(log_contains(gw, "connector vmu-nokey has no webhook_secret")) << gw.server_log();

  // Signed with the API key secret (the only secret it has): still refused.
  FormFields sms = twilio_sms("SM1f0e8ae6ade43cb3c0ce4525424e404f", "+14155550100", kTwNumber);
  auto r = gw.request("POST", "/webhooks/tw-nokey", "", sb::form_encode(sms),
                      {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"X-Twilio-Signature",
                        sb::twilio_signature(
                            "key_secret_0123", std::string(kPublicUrl) + "/webhooks/tw-nokey",
                            sms)}});
  expect_unverified(r, "twilio without auth_token");
  EXPECT_NE(error_field(r.json, "message").find("not configured"),
            std::string::npos)
      << r.body;
  for (const std::string path : {"/webhooks/vmu-nokey", "/webhooks/vmu-nokey/anything"}) {
    r = gw.request("POST", path, "", vmu_sms(), {{"Content-Type", "application/json"}});
    expect_unverified(r, "voicemeup without webhook_secret: " + path);
  }
  EXPECT_TRUE(gw.get("/v1/messages", acme).json["data"].empty());
}

TEST(WebhooksConfig, VoiceMeUpAllowListAndTelnyxToleranceAreHonoured) {
  FakeProvider fake;
  fake.set_responder([](const RecordedRequest&) { return FakeReply{200, "{}"}; });
  const std::string base = "base_url = \"" + fake.base_url() + "\"\n";
  Ed25519Key key;
  TestGateway gw(Backend::kSqlite,
                 "[[connectors]]\nid = \"vmu-far\"\nprovider = \"voicemeup\"\n" + base +
                     "username = \"acme-api\"\nauth_token = \"tok_123\"\nwebhook_secret = \"" +
                     kVmuSecret + "\"\nwebhook_allow_ips = \"203.0.113.7\"\n"
                     "[[connectors]]\nid = \"vmu-near\"\nprovider = \"voicemeup\"\n" + base +
                     "username = \"acme-api\"\nauth_token = \"tok_123\"\nwebhook_secret = \"" +
                     kVmuSecret + "\"\nwebhook_allow_ips = \"203.0.113.7, 127.0.0.1\"\n"
                     "[[connectors]]\nid = \"telnyx-lax\"\nprovider = \"telnyx\"\n" + base +
                     "api_key = \"KEY0123456789ABCDEF_test\"\npublic_key = \"" +
                     key.public_key_base64() + "\"\nwebhook_tolerance_s = 900\n"
                     "[[numbers]]\nnumber = \"" + kVmuNumber +
                     "\"\naccount = \"acme\"\nconnector = \"vmu-near\"\n"
                     "[[numbers]]\nnumber = \"" + kTelnyxNumber +
                     "\"\naccount = \"acme\"\nconnector = \"telnyx-lax\"\n",
                 "public_url = \"" + std::string(kPublicUrl) + "\"\n");
  const std::string acme = gw.create_key("acme");
  gw.start();
  const Headers json_ct = {{"Content-Type", "application/json"}};
  auto r = gw.request("POST", "/webhooks/vmu-far/" + std::string(kVmuSecret), "", vmu_sms(), json_ct);
  expect_unverified(r, "voicemeup from an address not allowed");
  EXPECT_NE(error_field(r.json, "message").find("address not allowed"), std::string::npos) << r.body;
  r = gw.request("POST", "/webhooks/vmu-near/" + std::string(kVmuSecret), "", vmu_sms(), json_ct);
  EXPECT_EQ(r.status, 200) << r.body;

  // 10 minutes old: stale at the default 300 s, fine at 900 s; 20 minutes is not.
  const std::string body = telnyx_sms();
  Headers h = json_ct;
  for (auto& kv : telnyx_signature_headers(key, body, now_s() - 600)) h.push_back(kv);
  r = gw.request("POST", "/webhooks/telnyx-lax", "", body, h);
  EXPECT_EQ(r.status, 200) << r.body;
  h = json_ct;
  for (auto& kv : telnyx_signature_headers(key, body, now_s() - 1200)) h.push_back(kv);
  expect_unverified(gw.request("POST", "/webhooks/telnyx-lax", "", body, h), "telnyx 20 min old");

  EXPECT_EQ(gw.get("/v1/messages?direction=inbound", acme).json["data"].size(), 2u);
}

TEST(WebhooksConfig, VerifyWebhooksFalseAcceptsUnsignedWebhooksAndSaysSo) {
  FakeProvider fake;
  fake.set_responder([](const RecordedRequest&) { return FakeReply{200, "{}"}; });
  TestGateway gw(Backend::kSqlite,
                 "[[connectors]]\nid = \"telnyx-open\"\nprovider = \"telnyx\"\nbase_url = \"" +
                     fake.base_url() +
                     "\"\napi_key = \"KEY0123456789ABCDEF_test\"\nverify_webhooks = false\n"
                     "[[numbers]]\nnumber = \"" + kTelnyxNumber +
                     "\"\naccount = \"acme\"\nconnector = \"telnyx-open\"\n",
                 "public_url = \"" + std::string(kPublicUrl) + "\"\n");
  const std::string acme = gw.create_key("acme");
  gw.start();
  EXPECT_TRUE(log_contains(gw, "signature verification is DISABLED for connector telnyx-open"))
      << gw.server_log();
  EXPECT_EQ(gw.server_log().find("connector telnyx-open has no"), std::string::npos)
      << gw.server_log();

  auto r = gw.request("POST", "/webhooks/telnyx-open", "", telnyx_sms(),
                      {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200) << r.body;
  auto list = gw.get("/v1/messages?direction=inbound", acme);
  ASSERT_EQ(list.json["data"].size(), 1u) << list.body;
  EXPECT_EQ(list.json["data"][0]["body"], "Hello, World!");
  EXPECT_EQ(list.json["data"][0]["connector"], "telnyx-open");
}

}  // namespace
}  // namespace sb::test
