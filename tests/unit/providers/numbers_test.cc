// Provider-side number management: the pure request builders and parsers of Twilio's
// (and SignalWire LaML's) IncomingPhoneNumbers and Telnyx's messaging numbers and profiles, then
// the connectors against a loopback fake that asserts the exact requests.
//
// Sources for shapes:
//  - Twilio: docs "IncomingPhoneNumber resource" (list GET .../IncomingPhoneNumbers.json with the
//    PhoneNumber filter and PageSize, update POST .../IncomingPhoneNumbers/{Sid}.json with SmsUrl,
//    SmsMethod, StatusCallback; properties sid, phone_number, capabilities {voice, sms, mms, fax};
//    list pages carry next_page_uri) and twilio-go rest/api/v2010 AccountsIncomingPhoneNumbersApi.
//  - SignalWire: Compatibility API "Update an IncomingPhoneNumber" (same parameters under
//    {space}/api/laml/2010-04-01/Accounts/{ProjectId}/IncomingPhoneNumbers/{Sid}.json).
//  - Telnyx: API reference "List phone numbers with messaging settings" (GET
//    /v2/phone_numbers/messaging, filter[phone_number], page[number]/page[size]; data[] with id,
//    phone_number, messaging_profile_id, type tollfree/longcode, features.sms/mms objects or null;
//    meta.total_pages/page_number), "Update the messaging profile and/or messaging product of a
//    phone number" (PATCH /v2/phone_numbers/{id}/messaging {messaging_profile_id}) and "Update a
//    messaging profile" (PATCH /v2/messaging_profiles/{id} {webhook_url, webhook_api_version}).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "providers/connector.h"
#include "providers/registry.h"
#include "providers/telnyx/telnyx_numbers.h"
#include "providers/transport/curl_client.h"
#include "providers/transport/http_util.h"
#include "providers/twilio/twilio_numbers.h"
#include "support/fake_provider.h"

namespace sb::providers {
namespace {

using nlohmann::json;

constexpr char kAccountSid[] = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kPnSid[] = "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kProfile[] = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
constexpr char kOtherProfile[] = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e";

twilio::TwilioApi twilio_api(const std::string& root) {
  twilio::TwilioApi api;
  api.api_root = root;
  api.account_sid = kAccountSid;
  api.username = kAccountSid;
  api.password = "your_auth_token";
  return api;
}

// One IncomingPhoneNumber as Twilio shows it (docs "IncomingPhoneNumber resource", trimmed).
json incoming(const std::string& number, const std::string& sid, bool sms, bool mms) {
  return {{"account_sid", kAccountSid},
          {"api_version", "2010-04-01"},
          {"capabilities", {{"voice", true}, {"sms", sms}, {"mms", mms}, {"fax", false}}},
          {"friendly_name", "(808) 925-5327"},
          {"phone_number", number},
          {"sid", sid},
          {"sms_method", "POST"},
          {"sms_url", ""},
          {"status_callback", ""},
          {"status_callback_method", "POST"}};
}

HttpResponse ok(const json& body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

// ----------------------------------------------------------------------------- Twilio wire

TEST(TwilioNumbersWire, LookupFiltersByTheExactNumber) {
  const auto req =
      twilio::build_number_lookup_request(twilio_api("https://api.twilio.com"), "+14155550100");
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url,
            "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
            "IncomingPhoneNumbers.json?PhoneNumber=%2B14155550100");
  EXPECT_EQ(req.body, "");
  bool auth = false;
  for (const auto& [k, v] : req.headers) {
    auth |= k == "Authorization" && v == basic_auth(kAccountSid, "your_auth_token");
  }
  EXPECT_TRUE(auth);
}

TEST(TwilioNumbersWire, UpdateSetsSmsUrlMethodAndStatusCallback) {
  const auto req = twilio::build_number_update_request(twilio_api("https://api.twilio.com"), kPnSid,
                                                       "https://sms.example.test/webhooks/tw",
                                                       "https://sms.example.test/webhooks/tw");
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url,
            "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
            "IncomingPhoneNumbers/PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json");
  const FormFields expected = {{"SmsUrl", "https://sms.example.test/webhooks/tw"},
                               {"SmsMethod", "POST"},
                               {"StatusCallback", "https://sms.example.test/webhooks/tw"}};
  EXPECT_EQ(form_decode(req.body), expected);
}

TEST(TwilioNumbersWire, ListPagesFollowNextPageUriOnTheSameOrigin) {
  const auto tw = twilio_api("https://api.twilio.com");
  EXPECT_EQ(twilio::build_number_list_request(tw).url,
            "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
            "IncomingPhoneNumbers.json?PageSize=1000");
  EXPECT_EQ(twilio::build_number_next_page_request(
                tw, "/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?PageSize=1000&Page=1")
                .url,
            "https://api.twilio.com/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?"
            "PageSize=1000&Page=1");
  // SignalWire's pages name the /api/laml prefix themselves.
  const auto sw = twilio_api("https://example.signalwire.com/api/laml");
  EXPECT_EQ(
      twilio::build_number_next_page_request(sw, "/api/laml/2010-04-01/Accounts/p/x.json").url,
      "https://example.signalwire.com/api/laml/2010-04-01/Accounts/p/x.json");
}

TEST(TwilioNumbersWire, ParsesCapabilitiesAndInfersType) {
  json page = {
      {"incoming_phone_numbers",
       json::array({incoming("+18089255327", kPnSid, false, true),
                    incoming("+18885550100", "PNbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", true, false)})},
      {"next_page_uri", nullptr},
      {"page", 0},
      {"page_size", 50}};
  auto r = twilio::parse_number_page(ok(page), "twilio");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->numbers.size(), 2u);
  EXPECT_EQ(r->numbers[0].number, "+18089255327");
  EXPECT_EQ(r->numbers[0].provider_id, kPnSid);
  EXPECT_FALSE(r->numbers[0].sms);
  EXPECT_TRUE(r->numbers[0].mms);
  EXPECT_EQ(r->numbers[0].type, "long_code");
  EXPECT_TRUE(r->numbers[1].sms);
  EXPECT_EQ(r->numbers[1].type, "toll_free");  // 888 is a NANP toll-free code
  EXPECT_EQ(r->next_page_uri, "");
}

TEST(TwilioNumbersWire, ErrorsKeepTheProvidersWords) {
  HttpResponse r;
  r.status = 401;
  r.body =
      R"({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})";
  auto page = twilio::parse_number_page(r, "twilio");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(numbers_error(page.error()).code, "provider_error");
  EXPECT_EQ(page.error().kind, FailureKind::kAuth);
  EXPECT_EQ(page.error().code, "20003");
  EXPECT_EQ(page.error().message, "twilio: listing numbers failed: HTTP 401: 20003 Authenticate");
  HttpResponse down;
  down.error = "Connection refused";
  auto upd = twilio::parse_number_update_response(down, "signalwire");
  ASSERT_FALSE(upd.ok());
  EXPECT_EQ(upd.error().kind, FailureKind::kTransient);
  EXPECT_EQ(upd.error().message,
            "signalwire: updating the number's webhooks failed: Connection refused");
  EXPECT_FALSE(twilio::parse_number_page(ok(json::object()), "twilio").ok());
}

TEST(TwilioNumbersWire, ConfigureLooksUpThenUpdates) {
  std::vector<HttpRequest> sent;
  auto send = [&](const HttpRequest& req) {
    sent.push_back(req);
    if (req.method == "GET") {
      return ok(
          {{"incoming_phone_numbers", json::array({incoming("+14155550100", kPnSid, true, true)})},
           {"next_page_uri", nullptr}});
    }
    return ok(incoming("+14155550100", kPnSid, true, true));
  };
  auto r = twilio::configure_number(twilio_api("https://api.twilio.com"), "twilio", "+14155550100",
                                    "https://h/webhooks/tw", "https://h/webhooks/tw", send);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[1].url.find("/IncomingPhoneNumbers/PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"),
            std::string::npos);
  ASSERT_EQ(r->provider_ids.size(), 1u);
  EXPECT_EQ(r->provider_ids[0],
            std::make_pair(std::string("phone_number_sid"), std::string(kPnSid)));

  // A number the account does not own: no update is attempted.
  sent.clear();
  auto none = twilio::configure_number(
      twilio_api("https://api.twilio.com"), "twilio", "+14155550199", "u", "u",
      [&](const HttpRequest& req) {
        sent.push_back(req);
        return ok({{"incoming_phone_numbers", json::array()}, {"next_page_uri", nullptr}});
      });
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(numbers_error(none.error()).code, "provider_error");
  EXPECT_EQ(none.error().kind, FailureKind::kPermanent);
  EXPECT_NE(none.error().message.find("has no such number"), std::string::npos);
  EXPECT_EQ(sent.size(), 1u);
}

TEST(TwilioNumbersWire, ListFollowsPagesAndRefusesForeignHosts) {
  int calls = 0;
  auto r = twilio::list_numbers(
      twilio_api("https://api.twilio.com"), "twilio", [&](const HttpRequest& req) {
        ++calls;
        if (calls == 1) {
          return ok({{"incoming_phone_numbers",
                      json::array({incoming("+14155550100", kPnSid, true, false)})},
                     {"next_page_uri", "/2010-04-01/next"}});
        }
        EXPECT_EQ(req.url, "https://api.twilio.com/2010-04-01/next");
        return ok(
            {{"incoming_phone_numbers", json::array({incoming("+14155550101", "PN2", true, true)})},
             {"next_page_uri", nullptr}});
      });
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].number, "+14155550101");
  auto foreign =
      twilio::list_numbers(twilio_api("https://api.twilio.com"), "twilio", [&](const HttpRequest&) {
        return ok({{"incoming_phone_numbers", json::array()},
                   {"next_page_uri", "https://evil.example/2010-04-01/next"}});
      });
  EXPECT_FALSE(foreign.ok());
}

// ----------------------------------------------------------------------------- Telnyx wire

telnyx::TelnyxConfig telnyx_config(const std::string& profile) {
  telnyx::TelnyxConfig c;
  c.id = "tx";
  c.base_url = "https://api.telnyx.com";
  c.api_key = "KEY0123456789";
  c.messaging_profile_id = profile;
  return c;
}

// One number of "List phone numbers with messaging settings" (the documented example).
json telnyx_number(const std::string& number, const std::string& id, const std::string& type,
                   const std::string& profile, bool mms) {
  json features = {{"sms",
                    {{"domestic_two_way", true},
                     {"international_inbound", true},
                     {"international_outbound", true}}},
                   {"mms", nullptr}};
  if (mms) features["mms"] = features["sms"];
  return {{"record_type", "messaging_settings"},
          {"id", id},
          {"phone_number", number},
          {"messaging_profile_id", profile.empty() ? json(nullptr) : json(profile)},
          {"country_code", "US"},
          {"type", type},
          {"traffic_type", "A2P"},
          {"messaging_product", "A2P"},
          {"features", features}};
}

TEST(TelnyxNumbersWire, RequestShapes) {
  const auto c = telnyx_config(kProfile);
  auto list = telnyx::build_number_list_request(c, 2);
  EXPECT_EQ(list.method, "GET");
  EXPECT_EQ(
      list.url,
      "https://api.telnyx.com/v2/phone_numbers/messaging?page%5Bnumber%5D=2&page%5Bsize%5D=250");
  auto lookup = telnyx::build_number_lookup_request(c, "+18005550001");
  EXPECT_EQ(
      lookup.url,
      "https://api.telnyx.com/v2/phone_numbers/messaging?filter%5Bphone_number%5D=%2B18005550001");
  auto assign = telnyx::build_assign_profile_request(c, "1293384261075731499", kProfile);
  EXPECT_EQ(assign.method, "PATCH");
  EXPECT_EQ(assign.url, "https://api.telnyx.com/v2/phone_numbers/1293384261075731499/messaging");
  EXPECT_EQ(json::parse(assign.body), json({{"messaging_profile_id", kProfile}}));
  auto profile = telnyx::build_profile_webhook_request(c, kProfile, "https://h/webhooks/tx");
  EXPECT_EQ(profile.method, "PATCH");
  EXPECT_EQ(profile.url,
            "https://api.telnyx.com/v2/messaging_profiles/3fa85f64-5717-4562-b3fc-2c963f66afa6");
  EXPECT_EQ(json::parse(profile.body),
            json({{"webhook_url", "https://h/webhooks/tx"}, {"webhook_api_version", "2"}}));
  bool bearer = false, content_type = false;
  for (const auto& [k, v] : profile.headers) {
    bearer |= k == "Authorization" && v == "Bearer KEY0123456789";
    content_type |= k == "Content-Type" && v == "application/json";
  }
  EXPECT_TRUE(bearer);
  EXPECT_TRUE(content_type);
}

TEST(TelnyxNumbersWire, ParsesTheDocumentedList) {
  json body = {
      {"data", json::array({telnyx_number("+18005550001", "1293384261075731499", "tollfree",
                                          kProfile, false),
                            telnyx_number("+13125550002", "42", "longcode", "", true)})},
      {"meta", {{"total_pages", 3}, {"total_results", 55}, {"page_number", 2}, {"page_size", 25}}}};
  auto r = telnyx::parse_number_list(ok(body));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->numbers.size(), 2u);
  EXPECT_EQ(r->numbers[0].owned.number, "+18005550001");
  EXPECT_EQ(r->numbers[0].owned.provider_id, "1293384261075731499");
  EXPECT_EQ(r->numbers[0].owned.type, "toll_free");
  EXPECT_TRUE(r->numbers[0].owned.sms);
  EXPECT_FALSE(r->numbers[0].owned.mms);
  EXPECT_EQ(r->numbers[0].messaging_profile_id, kProfile);
  EXPECT_EQ(r->numbers[1].owned.type, "long_code");
  EXPECT_TRUE(r->numbers[1].owned.mms);
  EXPECT_EQ(r->numbers[1].messaging_profile_id, "");
  EXPECT_EQ(r->total_pages, 3);
  EXPECT_EQ(r->page_number, 2);

  HttpResponse err;
  err.status = 401;
  err.body =
      R"({"errors": [{"code": "10009", "title": "Authentication failed", "detail": "The API key is invalid."}]})";
  auto failed = telnyx::parse_number_list(err);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(numbers_error(failed.error()).code, "provider_error");
  EXPECT_EQ(failed.error().kind, FailureKind::kAuth);
  EXPECT_EQ(failed.error().message,
            "telnyx: listing numbers failed: HTTP 401: 10009 Authentication failed: The API key "
            "is invalid.");
}

TEST(TelnyxNumbersWire, ConfigureAssignsTheConnectorsProfileThenSetsItsWebhook) {
  std::vector<HttpRequest> sent;
  auto send = [&](const HttpRequest& req) {
    sent.push_back(req);
    if (req.method == "GET") {
      return ok({{"data", json::array({telnyx_number("+13125550002", "42", "longcode",
                                                     kOtherProfile, true)})},
                 {"meta", {{"total_pages", 1}, {"page_number", 1}}}});
    }
    return ok({{"data", json::object()}});
  };
  auto r = telnyx::configure_number(telnyx_config(kProfile), "+13125550002",
                                    "https://h/webhooks/tx", "https://h/webhooks/tx", send);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].url, "https://api.telnyx.com/v2/phone_numbers/42/messaging");
  EXPECT_EQ(sent[2].url,
            "https://api.telnyx.com/v2/messaging_profiles/3fa85f64-5717-4562-b3fc-2c963f66afa6");
  const std::vector<std::pair<std::string, std::string>> ids = {{"phone_number_id", "42"},
                                                                {"messaging_profile_id", kProfile}};
  EXPECT_EQ(r->provider_ids, ids);

  // Without a configured profile, the number's own profile is updated (no assignment).
  sent.clear();
  auto own = telnyx::configure_number(telnyx_config(""), "+13125550002", "u", "u", send);
  ASSERT_TRUE(own.ok()) << own.error().message;
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].url,
            std::string("https://api.telnyx.com/v2/messaging_profiles/") + kOtherProfile);

  // Neither: an error naming the missing setting, nothing changed.
  sent.clear();
  auto neither = telnyx::configure_number(
      telnyx_config(""), "+13125550002", "u", "u", [&](const HttpRequest& req) {
        sent.push_back(req);
        return ok(
            {{"data", json::array({telnyx_number("+13125550002", "42", "longcode", "", false)})}});
      });
  ASSERT_FALSE(neither.ok());
  EXPECT_NE(neither.error().message.find("messaging_profile_id"), std::string::npos);
  EXPECT_EQ(sent.size(), 1u);
}

TEST(TelnyxNumbersWire, ListReadsEveryPage) {
  int calls = 0;
  auto r = telnyx::list_numbers(telnyx_config(""), [&](const HttpRequest& req) {
    ++calls;
    EXPECT_NE(req.url.find("page%5Bnumber%5D=" + std::to_string(calls)), std::string::npos);
    return ok({{"data", json::array({telnyx_number("+1312555000" + std::to_string(calls),
                                                   std::to_string(calls), "longcode", "", false)})},
               {"meta", {{"total_pages", 2}, {"page_number", calls}}}});
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].number, "+13125550002");
}

// ------------------------------------------------------------------ connectors and defaults

TEST(NumberTypes, InferredFromDigits) {
  EXPECT_EQ(infer_number_type("+18005550100"), "toll_free");
  EXPECT_EQ(infer_number_type("+18335550100"), "toll_free");
  EXPECT_EQ(infer_number_type("+14155550100"), "long_code");
  EXPECT_EQ(infer_number_type("+448005550100"), "long_code");
  EXPECT_EQ(infer_number_type("12345"), "short_code");
}

}  // namespace
}  // namespace sb::providers
