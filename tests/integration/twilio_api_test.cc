// The Twilio-compatible API against the real binary: its credentials, Basic authentication and
// tenant isolation, Twilio's shapes for messages, pages and errors, and the official SDKs (npm
// `twilio` on Node, Debian's python3-twilio) driving it with only their base URL changed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/form.h"
#include "core/twilio_ids.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;

struct Credentials {
  std::string sid, token;
};

Credentials credentials(TestGateway& gw, const std::string& account,
                        const std::vector<std::string>& flags = {}) {
  std::vector<std::string> argv = {switchboard_bin(), "twilio-credentials", "--account", account,
                                   "--json", "--config", gw.config_path()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto r = run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error("twilio-credentials failed: " + r.out);
  const json j = json::parse(r.out.substr(r.out.rfind('{')));
  return {j.at("account_sid"), j.at("auth_token")};
}

Headers basic(const Credentials& c) {
  return {{"Authorization", "Basic " + crypto::base64(c.sid + ":" + c.token)}};
}

HttpResult call(TestGateway& gw, const std::string& method, const std::string& path,
                const Credentials& c, const std::string& form = {}) {
  Headers h = basic(c);
  if (!form.empty()) h.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return gw.request(method, path, "", form, h);
}

std::string messages_path(const Credentials& c) {
  return "/2010-04-01/Accounts/" + c.sid + "/Messages.json";
}

class TwilioApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    acme_key_ = gw_.create_key("acme");
    gw_.create_key("other");
    acme_ = credentials(gw_, "acme");
    other_ = credentials(gw_, "other");
    gw_.start();
  }
  TestGateway gw_{Backend::kSqlite};
  Credentials acme_, other_;
  std::string acme_key_;
};

TEST_F(TwilioApiTest, CredentialsAreStableAndRotateWithTheOldTokenAcceptedUntilDropped) {
  EXPECT_EQ(acme_.sid.size(), 34u);
  EXPECT_EQ(acme_.sid.substr(0, 2), "AC");
  EXPECT_EQ(credentials(gw_, "acme").token, acme_.token);  // printed again, not replaced
  EXPECT_NE(acme_.sid, other_.sid);
  const std::string account = "/2010-04-01/Accounts/" + acme_.sid + ".json";
  auto r = call(gw_, "GET", account, acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["sid"], acme_.sid);
  EXPECT_EQ(r.json["friendly_name"], "acme");
  EXPECT_TRUE(r.json["auth_token"].is_null());  // never served

  const Credentials rotated = credentials(gw_, "acme", {"--rotate"});
  EXPECT_EQ(rotated.sid, acme_.sid);
  EXPECT_NE(rotated.token, acme_.token);
  EXPECT_EQ(call(gw_, "GET", account, rotated).status, 200);
  EXPECT_EQ(call(gw_, "GET", account, acme_).status, 200);  // the previous token, until dropped
  credentials(gw_, "acme", {"--drop-previous"});
  gw_.terminate();  // a fresh process: no cached authentication
  gw_.start();
  EXPECT_EQ(call(gw_, "GET", account, rotated).status, 200);
  auto old = call(gw_, "GET", account, acme_);
  EXPECT_EQ(old.status, 401);
  EXPECT_EQ(old.json["code"], 20003);
  EXPECT_EQ(gw_.server_log().find(acme_.token), std::string::npos);  // tokens are never logged
  EXPECT_EQ(gw_.server_log().find(rotated.token), std::string::npos);
}

TEST_F(TwilioApiTest, NoCredentialsOrWrongOnesAre401AndAnotherAccountsSidIs404) {
  auto none = gw_.request("GET", messages_path(acme_), "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.json["code"], 20003);
  EXPECT_EQ(none.json["more_info"], "https://www.twilio.com/docs/errors/20003");
  EXPECT_EQ(none.json["status"], 401);
  auto wrong = call(gw_, "GET", messages_path(acme_), {acme_.sid, other_.token});
  EXPECT_EQ(wrong.status, 401);
  auto garbage = gw_.request("GET", messages_path(acme_), "", {},
                             {{"Authorization", "Basic %%%not-base64"}});
  EXPECT_EQ(garbage.status, 401);

  // acme sends one; other, with its own valid credentials, names acme's SID in the path.
  auto sent = call(gw_, "POST", messages_path(acme_), acme_,
                   "To=%2B14155550123&From=%2B12025550100&Body=secret");
  ASSERT_EQ(sent.status, 201) << sent.body;
  for (const std::string& path :
       {messages_path(acme_), "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" +
                                  sent.json["sid"].get<std::string>() + ".json"}) {
    auto r = call(gw_, "GET", path, other_);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.json["code"], 20404);
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
  }
  // Under its own SID, acme's message does not exist for other either.
  auto theirs = call(gw_, "GET",
                     "/2010-04-01/Accounts/" + other_.sid + "/Messages/" +
                         sent.json["sid"].get<std::string>() + ".json",
                     other_);
  EXPECT_EQ(theirs.status, 404);
}

TEST_F(TwilioApiTest, CreateReadsFormsAsBothSdksWriteThemAndAnswersInTwiliosShape) {
  // '+' for spaces (python-requests), %20 (Node's qs), repeated MediaUrl, True/true.
  auto r = call(gw_, "POST", messages_path(acme_), acme_,
                "To=%2B14155550123&From=%2B12025550100&Body=hello+there%20you&SmartEncoded=True"
                "&MediaUrl=https%3A%2F%2Fm.example.com%2Fa.png&MediaUrl=https%3A%2F%2Fm.example."
                "com%2Fb.png&Unknown=ignored");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json; charset=utf-8");
  const json& m = r.json;
  EXPECT_EQ(m["body"], "hello there you");
  EXPECT_EQ(m["num_media"], "2");
  EXPECT_EQ(m["num_segments"], "1");
  EXPECT_EQ(m["status"], "queued");
  EXPECT_EQ(m["direction"], "outbound-api");
  EXPECT_EQ(m["api_version"], "2010-04-01");
  EXPECT_EQ(m["account_sid"], acme_.sid);
  EXPECT_TRUE(m["error_code"].is_null());
  EXPECT_TRUE(m["date_sent"].is_null());
  EXPECT_TRUE(m["price"].is_null());
  const std::string sid = m["sid"];
  EXPECT_EQ(m["uri"], "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" + sid + ".json");
  EXPECT_EQ(m["subresource_uris"]["media"],
            "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" + sid + "/Media.json");
  // "Sun, 06 Dec 2026 10:00:00 +0000"
  const std::string created = m["date_created"];
  EXPECT_EQ(created.size(), 31u) << created;
  EXPECT_EQ(created.substr(created.size() - 6), " +0000");

  // The same message through /v1, by the id the SID encodes.
  auto fetched = call(gw_, "GET",
                      "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" + sid + ".json", acme_);
  ASSERT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.json["sid"], sid);
}

TEST_F(TwilioApiTest, BadInputGetsTwiliosCodes) {
  const auto post = [&](const std::string& form) {
    return call(gw_, "POST", messages_path(acme_), acme_, form);
  };
  struct Case {
    std::string form;
    int status;
    int code;
  };
  const std::vector<Case> cases = {
      {"From=%2B12025550100&Body=x", 400, 21604},                      // no To
      {"To=%2B14155550123&Body=x", 400, 21603},                        // no From
      {"To=12&From=%2B12025550100&Body=x", 400, 21211},                // invalid To
      {"To=%2B14155550123&From=%2B12025550199&Body=x", 400, 21606},    // another account's From
      {"To=%2B14155550123&From=%2B12025550100", 400, 21602},           // no Body or MediaUrl
      {"To=%2B14155550123&From=%2B12025550100&Body=" + std::string(1601, 'a'), 400, 21617},
      {"To=%2B14155550123&MessagingServiceSid=MG00000000000000000000000000000000&Body=x", 400,
       21705},
      {"To=%2B14155550123&From=%2B12025550100&Body=x&ScheduleType=fixed", 400, 35111},
      {"To=%2B14155550123&From=%2B12025550100&Body=x&ScheduleType=fixed&SendAt=tomorrow", 400,
       35114},
      {"To=%ZZ%2&From=%%&&&Body", 400, 21211},  // malformed escapes are read literally
  };
  for (const auto& c : cases) {
    auto r = post(c.form);
    EXPECT_EQ(r.status, c.status) << c.form << " -> " << r.body;
    EXPECT_EQ(r.json["code"], c.code) << c.form << " -> " << r.body;
    EXPECT_TRUE(r.json["message"].is_string());
  }
  std::vector<std::string> media;
  for (int i = 0; i < 11; ++i) media.push_back("MediaUrl=https%3A%2F%2Fm.example.com%2F" + std::to_string(i));
  std::string many = "To=%2B14155550123&From=%2B12025550100";
  for (const auto& m : media) many += "&" + m;
  EXPECT_EQ(post(many).json["code"], 21623);

  // Unknown SIDs are 404, never 500.
  for (const char* sid : {"SM0", "XX00000000000000000000000000000000", "%00", "..json"}) {
    auto r = call(gw_, "GET", "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" + std::string(sid) + ".json",
                  acme_);
    EXPECT_EQ(r.status, 404) << sid << ": " << r.body;
  }
  auto page = call(gw_, "GET", messages_path(acme_) + "?PageSize=0", acme_);
  EXPECT_EQ(page.status, 400);
  auto token = call(gw_, "GET", messages_path(acme_) + "?Page=1&PageToken=bogus", acme_);
  EXPECT_EQ(token.status, 400);
}

TEST_F(TwilioApiTest, PagesCarryTheirFiltersAndEndWithANullNextPage) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(call(gw_, "POST", messages_path(acme_), acme_,
                   "To=%2B14155550123&From=%2B12025550100&Body=n" + std::to_string(i))
                  .status,
              201);
  }
  ASSERT_EQ(call(gw_, "POST", messages_path(acme_), acme_,
                 "To=%2B14155550199&From=%2B12025550100&Body=elsewhere")
                .status,
            201);
  std::string next = messages_path(acme_) + "?To=%2B14155550123&PageSize=2";
  std::vector<std::string> bodies;
  int pages = 0;
  while (!next.empty()) {
    auto r = call(gw_, "GET", next, acme_);
    ASSERT_EQ(r.status, 200) << r.body;
    ++pages;
    // Exactly one key beside the paging ones (python-twilio requires it).
    int records = 0;
    for (const auto& [k, v] : r.json.items()) {
      if (v.is_array()) ++records;
    }
    EXPECT_EQ(records, 1);
    EXPECT_EQ(r.json["page_size"], 2);
    for (const auto& m : r.json["messages"]) bodies.push_back(m["body"]);
    const auto& n = r.json["next_page_uri"];
    if (!n.is_null()) {
      const std::string uri = n;
      EXPECT_EQ(uri.rfind("/2010-04-01/Accounts/", 0), 0u);
      EXPECT_NE(uri.find("To=%2B14155550123"), std::string::npos);
    }
    next = n.is_null() ? "" : n.get<std::string>();
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(bodies, (std::vector<std::string>{"n4", "n3", "n2", "n1", "n0"}));
}

TEST_F(TwilioApiTest, UpdateRedactsOrCancelsAndDeleteAnswers204) {
  auto sched = call(gw_, "POST", messages_path(acme_), acme_,
                    "To=%2B14155550123&From=%2B12025550100&Body=later&ScheduleType=fixed"
                    "&SendAt=2099-01-01T00:00:00Z");
  ASSERT_EQ(sched.status, 400);  // beyond how far ahead a message may be scheduled
  sched = call(gw_, "POST", messages_path(acme_), acme_,
               "To=%2B14155550123&From=%2B12025550100&Body=later&ScheduleType=fixed&SendAt=" +
                   url_encode(format_rfc3339(SystemClock::instance().now_ms() + 3'600'000)));
  ASSERT_EQ(sched.status, 201) << sched.body;
  EXPECT_EQ(sched.json["status"], "scheduled");
  const std::string path = "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" +
                           sched.json["sid"].get<std::string>() + ".json";
  auto canceled = call(gw_, "POST", path, acme_, "Status=canceled");
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  EXPECT_EQ(canceled.json["status"], "canceled");
  EXPECT_EQ(call(gw_, "POST", path, acme_, "Body=new+words").status, 400);
  auto redacted = call(gw_, "POST", path, acme_, "Body=");
  ASSERT_EQ(redacted.status, 200) << redacted.body;
  EXPECT_EQ(redacted.json["body"], "");

  auto sent = call(gw_, "POST", messages_path(acme_), acme_,
                   "To=%2B14155550123&From=%2B12025550100&Body=erase+me");
  const std::string sent_path = "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" +
                                sent.json["sid"].get<std::string>() + ".json";
  // While the message is being handed to the carrier, DELETE answers 409 with Retry-After (the
  // message is in flight); it erases it once that is over.
  HttpResult deleted;
  ASSERT_TRUE(wait_until(
      [&] {
        deleted = call(gw_, "DELETE", sent_path, acme_);
        if (deleted.status == 409) {
          EXPECT_FALSE(deleted.header("retry-after").empty());
        }
        return deleted.status != 409;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_EQ(call(gw_, "GET", sent_path, acme_).json["body"], "");
  EXPECT_EQ(call(gw_, "DELETE", sent_path, other_).status, 404);
}

TEST_F(TwilioApiTest, IncomingPhoneNumbersAreTheAccountsOwnPagedAndFiltered) {
  const std::string list = "/2010-04-01/Accounts/" + acme_.sid + "/IncomingPhoneNumbers.json";
  auto first = call(gw_, "GET", list + "?PageSize=1", acme_);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(first.json["incoming_phone_numbers"].size(), 1u);
  const json n = first.json["incoming_phone_numbers"][0];
  EXPECT_EQ(n["phone_number"], "+12025550100");
  EXPECT_EQ(n["sid"].get<std::string>().substr(0, 2), "PN");
  EXPECT_EQ(n["capabilities"]["sms"], true);
  EXPECT_EQ(n["sms_url"], "");
  ASSERT_TRUE(first.json["next_page_uri"].is_string());
  auto second = call(gw_, "GET", first.json["next_page_uri"], acme_);
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.json["incoming_phone_numbers"].size(), 1u);
  EXPECT_EQ(second.json["incoming_phone_numbers"][0]["phone_number"], "+12025550101");
  EXPECT_TRUE(second.json["next_page_uri"].is_null());

  auto filtered = call(gw_, "GET", list + "?PhoneNumber=%2B12025550101", acme_);
  ASSERT_EQ(filtered.json["incoming_phone_numbers"].size(), 1u);
  const std::string one = "/2010-04-01/Accounts/" + acme_.sid + "/IncomingPhoneNumbers/" +
                          n["sid"].get<std::string>() + ".json";
  auto fetched = call(gw_, "GET", one, acme_);
  ASSERT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.json["phone_number"], "+12025550100");

  // other's own list has only its number; acme's number SID is not found under other's SID.
  auto theirs = call(gw_, "GET", "/2010-04-01/Accounts/" + other_.sid + "/IncomingPhoneNumbers.json",
                     other_);
  ASSERT_EQ(theirs.json["incoming_phone_numbers"].size(), 1u);
  EXPECT_EQ(theirs.json["incoming_phone_numbers"][0]["phone_number"], "+12025550199");
  auto cross = call(gw_, "GET",
                    "/2010-04-01/Accounts/" + other_.sid + "/IncomingPhoneNumbers/" +
                        n["sid"].get<std::string>() + ".json",
                    other_);
  EXPECT_EQ(cross.status, 404);
  EXPECT_EQ(cross.json["code"], 20404);
}

TEST_F(TwilioApiTest, NumberUpdatesKeysAndMediaRefuseBadInputAndOtherAccounts) {
  const std::string numbers = "/2010-04-01/Accounts/" + acme_.sid + "/IncomingPhoneNumbers";
  auto list = call(gw_, "GET", numbers + ".json", acme_);
  const std::string pn = list.json["incoming_phone_numbers"].at(0)["sid"];
  const std::string one = numbers + "/" + pn + ".json";
  auto bad_url = call(gw_, "POST", one, acme_, "SmsUrl=ftp%3A%2F%2Fx");
  EXPECT_EQ(bad_url.status, 400);
  EXPECT_EQ(bad_url.json["code"], 21502);
  auto bad_method = call(gw_, "POST", one, acme_, "SmsUrl=https%3A%2F%2Fa.example%2Fs&SmsMethod=PUT");
  EXPECT_EQ(bad_method.status, 400);
  auto bad_callback = call(gw_, "POST", one, acme_, "StatusCallback=not-a-url");
  EXPECT_EQ(bad_callback.json["code"], 21609);
  // Nothing changed, and a GET forwarding set through the API is Twilio's format on /v1.
  EXPECT_EQ(call(gw_, "GET", one, acme_).json["sms_url"], "");
  auto set = call(gw_, "POST", one, acme_,
                  "SmsUrl=https%3A%2F%2Fa.example%2Fs&SmsMethod=GET&FriendlyName=Desk&Ignored=1");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json["friendly_name"], "Desk");
  auto native = gw_.get("/v1/numbers/%2B12025550100", acme_key_);
  EXPECT_EQ(native.json["forwarding"]["format"], "twilio") << native.body;
  EXPECT_EQ(native.json["forwarding"]["method"], "GET");
  EXPECT_EQ(native.json["friendly_name"], "Desk");
  auto bad_format = gw_.request("PATCH", "/v1/numbers/%2B12025550100", acme_key_,
                                R"({"forwarding": {"url": "https://a.example/", "format": "xml"}})",
                                {{"Content-Type", "application/json"}});
  EXPECT_EQ(bad_format.status, 422) << bad_format.body;
  EXPECT_EQ(bad_format.json["error"]["field"], "forwarding.format");
  // acme's number under other's SID is not found; other cannot update it with its own either.
  auto cross = call(gw_, "POST",
                    "/2010-04-01/Accounts/" + other_.sid + "/IncomingPhoneNumbers/" + pn + ".json",
                    other_, "SmsUrl=https%3A%2F%2Fevil.example%2F");
  EXPECT_EQ(cross.status, 404);
  EXPECT_EQ(cross.json["code"], 20404);

  // Keys: made with the auth token, refused to a key itself, secret shown once.
  const std::string keys = "/2010-04-01/Accounts/" + acme_.sid + "/Keys.json";
  auto made = call(gw_, "POST", keys, acme_, "FriendlyName=ci");
  ASSERT_EQ(made.status, 201) << made.body;
  const Credentials key{made.json["sid"], made.json["secret"]};
  EXPECT_EQ(made.header("Cache-Control"), "no-store");
  auto by_key = call(gw_, "POST", keys, key, "FriendlyName=escalate");
  EXPECT_EQ(by_key.status, 403);
  EXPECT_EQ(by_key.json["code"], 20403);
  auto listed = call(gw_, "GET", keys, acme_);
  ASSERT_EQ(listed.json["keys"].size(), 1u);
  EXPECT_FALSE(listed.json["keys"][0].contains("secret"));
  // The key works for acme's path only, and with its secret only.
  EXPECT_EQ(call(gw_, "GET", messages_path(acme_), key).status, 200);
  EXPECT_EQ(call(gw_, "GET", messages_path(other_), key).status, 404);
  EXPECT_EQ(call(gw_, "GET", messages_path(acme_), Credentials{key.sid, "wrong"}).status, 401);
  EXPECT_EQ(call(gw_, "DELETE", "/2010-04-01/Accounts/" + other_.sid + "/Keys/" + key.sid + ".json",
                 other_).status,
            404);
  EXPECT_EQ(call(gw_, "DELETE", "/2010-04-01/Accounts/" + acme_.sid + "/Keys/" + key.sid + ".json",
                 acme_).status,
            204);
  EXPECT_EQ(call(gw_, "GET", messages_path(acme_), key).status, 401);  // refused at once

  // Media: another account's message, an unknown media SID.
  auto mms = call(gw_, "POST", messages_path(acme_), acme_,
                  "To=%2B14155550123&From=%2B12025550100&MediaUrl=https%3A%2F%2Fm.example%2Fa.png");
  ASSERT_EQ(mms.status, 201) << mms.body;
  const std::string sid = mms.json["sid"];
  auto media = call(gw_, "GET",
                    "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" + sid + "/Media.json", acme_);
  ASSERT_EQ(media.json["media_list"].size(), 1u) << media.body;
  EXPECT_EQ(call(gw_, "GET",
                 "/2010-04-01/Accounts/" + other_.sid + "/Messages/" + sid + "/Media.json", other_)
                .status,
            404);
  EXPECT_EQ(call(gw_, "GET",
                 "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" + sid + "/Media/ME" +
                     std::string(32, '0') + ".json",
                 acme_)
                .json["code"],
            20404);
}

// The official SDKs, unchanged but for their base URL.
TEST_F(TwilioApiTest, TheNodeSdkWorksWithOnlyItsBaseUrlChanged) {
  // A sender pool of one number is a Messaging Service to the SDK (docs/pools.md).
  auto pool = gw_.post_json("/v1/pools", acme_key_,
                            {{"name", "node"}, {"numbers", {"+12025550100"}}});
  ASSERT_EQ(pool.status, 201) << pool.body;
  const std::string service = pool.json["messaging_service_sid"];
  EXPECT_EQ(service.rfind("MG", 0), 0u);
  auto r = run_command({"/usr/bin/node", std::string(SB_SOURCE_DIR) + "/tests/sdk/twilio_node.js",
                        gw_.base_url(), acme_.sid, acme_.token, "+12025550100", "+14155550123",
                        service},
                       {{"NODE_PATH", std::string(SB_SOURCE_DIR) + "/tests/sdk/node_modules"},
                        {"TWILIO_REGION", ""},
                        {"TWILIO_EDGE", ""}});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("twilio node sdk: ok"), std::string::npos) << r.out;
}

TEST_F(TwilioApiTest, ThePythonSdkWorksWithOnlyItsBaseUrlChanged) {
  auto r = run_command({"/usr/bin/python3", std::string(SB_SOURCE_DIR) + "/tests/sdk/twilio_python.py",
                        gw_.base_url(), acme_.sid, acme_.token, "+12025550100", "+14155550123"},
                       {{"TWILIO_REGION", ""}, {"TWILIO_EDGE", ""}});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("twilio python sdk: ok"), std::string::npos) << r.out;
}

// An unchanged Twilio-style app (tests/sdk/twilio_app.js: the official SDK's validateRequest and
// MessagingResponse) behind a number set up through IncomingPhoneNumbers: it gets a simulated
// inbound message in Twilio's format, signed as Twilio signs; its TwiML reply reaches the carrier;
// the reply's status callbacks (its action URL) and those of a message sent through the API
// validate too.
class TwilioAppTest : public TwilioApiTest {
 protected:
  void SetUp() override {
    TwilioApiTest::SetUp();
    app_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/node",
                                 std::string(SB_SOURCE_DIR) + "/tests/sdk/twilio_app.js",
                                 acme_.token},
        std::map<std::string, std::string>{
            {"NODE_PATH", std::string(SB_SOURCE_DIR) + "/tests/sdk/node_modules"}},
        gw_.dir() + "/app.stderr");
    const std::string line = app_->wait_for_line("listening ", std::chrono::seconds(20));
    app_url_ = "http://127.0.0.1:" + line.substr(line.find(' ') + 1);
  }

  // The number's PN SID, and SmsUrl set on it through the Twilio API.
  std::string route_number(const std::string& number, const std::string& path) {
    const std::string base = "/2010-04-01/Accounts/" + acme_.sid + "/IncomingPhoneNumbers";
    auto list = call(gw_, "GET", base + ".json?PhoneNumber=" + url_encode(number), acme_);
    const std::string sid = list.json["incoming_phone_numbers"].at(0)["sid"];
    auto r = call(gw_, "POST", base + "/" + sid + ".json", acme_,
                  form_encode({{"SmsUrl", app_url_ + path}, {"SmsMethod", "POST"}}));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["sms_url"], app_url_ + path);
    return sid;
  }

  // The next request the app logged for `path` whose parameters match `match`.
  json app_request(const std::string& path, const std::function<bool(const json&)>& match) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (size_t seen = 0;;) {
      for (; seen < app_->lines().size(); ++seen) {
        const json j = json::parse(app_->lines()[seen], nullptr, false);
        if (j.is_object() && j["path"] == path && match(j["params"])) return j;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("the app got no matching request on " + path);
      }
      app_->poll(std::chrono::milliseconds(200));
    }
  }

  std::unique_ptr<Process> app_;
  std::string app_url_;
};

TEST_F(TwilioAppTest, AnUnchangedTwilioAppReceivesValidatesAndRepliesWithTwiml) {
  route_number("+12025550100", "/sms");
  auto in = gw_.post_json("/v1/sim/inbound", acme_key_,
                          {{"from", "+14155550123"}, {"to", "+12025550100"}, {"body", "hi there"}});
  ASSERT_EQ(in.status, 201) << in.body;
  EXPECT_EQ(in.json["direction"], "inbound");

  const json got = app_request("/sms", [](const json& p) { return p["Body"] == "hi there"; });
  EXPECT_EQ(got["valid"], true) << got.dump();
  const json& p = got["params"];
  EXPECT_EQ(p["From"], "+14155550123");
  EXPECT_EQ(p["To"], "+12025550100");
  EXPECT_EQ(p["AccountSid"], acme_.sid);
  EXPECT_EQ(p["SmsStatus"], "received");
  EXPECT_EQ(p["NumMedia"], "0");
  EXPECT_EQ(p["NumSegments"], "1");
  EXPECT_EQ(p["ApiVersion"], "2010-04-01");
  EXPECT_EQ(p["FromCountry"], "US");
  EXPECT_EQ(p["MessageSid"], p["SmsSid"]);
  const std::string inbound_sid = p["MessageSid"];
  EXPECT_EQ(inbound_sid.substr(0, 2), "SM");

  // The reply went out through the outbox to the carrier, threaded as a reply.
  json reply;
  ASSERT_TRUE(wait_until(
      [&] {
        auto list = gw_.get("/v1/messages?direction=outbound", acme_key_);
        for (const auto& m : list.json["data"]) {
          if (m["body"] == "Thanks, we got: hi there") reply = m;
        }
        return !reply.is_null();
      },
      std::chrono::seconds(20)));
  EXPECT_EQ(reply["to"], "+14155550123");
  EXPECT_EQ(reply["from"], "+12025550100");
  EXPECT_EQ(reply["conversation_id"], in.json["conversation_id"]);
  gw_.wait_for_status(reply["id"], acme_key_, "delivered");
  // In Twilio's dialect it is a reply.
  auto fetched = call(gw_, "GET",
                      "/2010-04-01/Accounts/" + acme_.sid + "/Messages/" +
                          twilio_message_sid(reply["id"].get<std::string>(), false) + ".json",
                      acme_);
  EXPECT_EQ(fetched.json["direction"], "outbound-reply") << fetched.body;

  // Its status callbacks (the <Message action>) are Twilio's, and validate.
  const json delivered = app_request("/status", [](const json& s) {
    return s["MessageStatus"] == "delivered";
  });
  EXPECT_EQ(delivered["valid"], true) << delivered.dump();
  EXPECT_EQ(delivered["params"]["SmsStatus"], "delivered");
  EXPECT_EQ(delivered["params"]["To"], "+14155550123");
  EXPECT_EQ(delivered["params"]["AccountSid"], acme_.sid);
  EXPECT_EQ(delivered["params"].count("ErrorCode"), 0u);
  const json sent = app_request("/status", [](const json& s) { return s["MessageStatus"] == "sent"; });
  EXPECT_EQ(sent["params"]["MessageSid"], delivered["params"]["MessageSid"]);

  // A message sent through the API with a StatusCallback: the same format, the same signature.
  auto api = call(gw_, "POST", messages_path(acme_), acme_,
                  form_encode({{"To", "+14155550124"},
                               {"From", "+12025550101"},
                               {"Body", "api"},
                               {"StatusCallback", app_url_ + "/status"}}));
  ASSERT_EQ(api.status, 201) << api.body;
  const std::string api_sid = api.json["sid"];
  const json api_delivered = app_request("/status", [&](const json& s) {
    return s["MessageSid"] == api_sid && s["MessageStatus"] == "delivered";
  });
  EXPECT_EQ(api_delivered["valid"], true);
  EXPECT_EQ(api_delivered["params"]["From"], "+12025550101");
}

TEST_F(TwilioAppTest, AnEmptyAnswerSendsNothingAndAnInvalidOneIsLoggedNotRetried) {
  route_number("+12025550100", "/silent");
  route_number("+12025550101", "/voice");
  auto quiet = gw_.post_json("/v1/sim/inbound", acme_key_,
                             {{"from", "+14155550123"}, {"to", "+12025550100"}, {"body", "a"}});
  ASSERT_EQ(quiet.status, 201) << quiet.body;
  auto voice = gw_.post_json("/v1/sim/inbound", acme_key_,
                             {{"from", "+14155550123"}, {"to", "+12025550101"}, {"body", "b"}});
  ASSERT_EQ(voice.status, 201) << voice.body;

  const auto delivery = [&](const json& message) {
    json d;
    wait_until(
        [&] {
          auto r = gw_.get("/v1/messages/" + message["id"].get<std::string>() + "/deliveries",
                           acme_key_);
          if (r.json["data"].empty() || r.json["data"][0]["state"] != "delivered") return false;
          d = r.json["data"][0];
          return true;
        },
        std::chrono::seconds(20));
    return d;
  };
  const json silent = delivery(quiet.json);
  ASSERT_FALSE(silent.is_null());
  EXPECT_TRUE(silent["attempts"][0]["error"].is_null() || silent["attempts"][0]["error"] == "")
      << silent.dump();
  const json refused = delivery(voice.json);
  ASSERT_FALSE(refused.is_null());
  EXPECT_EQ(refused["attempts"].size(), 1u) << refused.dump();  // acknowledged: not retried
  EXPECT_NE(refused["attempts"][0]["error"].get<std::string>().find("invalid TwiML"),
            std::string::npos)
      << refused.dump();
  EXPECT_NE(refused["attempts"][0]["error"].get<std::string>().find("<Dial>"), std::string::npos);
  // No reply went out for either.
  auto out = gw_.get("/v1/messages?direction=outbound", acme_key_);
  EXPECT_TRUE(out.json["data"].empty()) << out.body;
}

TEST_F(TwilioApiTest, SimulatedInboundIsOnlyForTheCallersSimNumbers) {
  auto theirs = gw_.post_json("/v1/sim/inbound", acme_key_,
                              {{"from", "+14155550123"}, {"to", "+12025550199"}, {"body", "x"}});
  EXPECT_EQ(theirs.status, 422) << theirs.body;
  EXPECT_EQ(theirs.json["error"]["code"], "not_simulated");
  EXPECT_EQ(theirs.json["error"]["field"], "to");
  auto empty = gw_.post_json("/v1/sim/inbound", acme_key_,
                             {{"from", "+14155550123"}, {"to", "+12025550100"}});
  EXPECT_EQ(empty.status, 422) << empty.body;  // missing_content, as on /v1/messages
  auto unknown = gw_.post_json("/v1/sim/inbound", acme_key_,
                               {{"from", "+1"}, {"to", "+12025550100"}, {"body", "x"}, {"cc", 1}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json["error"]["field"], "cc");
  EXPECT_EQ(gw_.post_json("/v1/sim/inbound", "", {{"to", "+12025550100"}}).status, 401);

  // The simulated message takes a provider's way in: STOP opts the sender out.
  auto stop = gw_.post_json("/v1/sim/inbound", acme_key_,
                            {{"from", "+14155550177"}, {"to", "+12025550100"}, {"body", "STOP"}});
  ASSERT_EQ(stop.status, 201) << stop.body;
  ASSERT_TRUE(wait_until(
      [&] {
        return gw_.get("/v1/opt-outs", acme_key_).body.find("+14155550177") != std::string::npos;
      },
      std::chrono::seconds(10)));
  auto refused_send = gw_.post_json("/v1/messages", acme_key_,
                                    {{"to", "+14155550177"}, {"body", "still there?"}});
  EXPECT_EQ(refused_send.status, 422);
  EXPECT_EQ(refused_send.json["error"]["code"], "recipient_opted_out");

  // From the terminal, through the running gateway.
  auto cli = run_command({switchboard_bin(), "sim", "inbound", "--config", gw_.config_path(),
                          "--url", gw_.base_url(), "--from", "+14155550199", "--to",
                          "+12025550101", "--body", "from the terminal"},
                         {{"SWITCHBOARD_API_KEY", acme_key_}});
  ASSERT_EQ(cli.exit_code, 0) << cli.out;
  const json stored = json::parse(cli.out.substr(cli.out.find('{')));
  EXPECT_EQ(stored["direction"], "inbound");
  EXPECT_EQ(stored["body"], "from the terminal");
  EXPECT_EQ(gw_.get("/v1/messages/" + stored["id"].get<std::string>(), acme_key_).status, 200);
  auto refused = run_command({switchboard_bin(), "sim", "inbound", "--config", gw_.config_path(),
                              "--url", gw_.base_url(), "--from", "+14155550199", "--to",
                              "+12025550199", "--body", "x", "--key", acme_key_});
  EXPECT_EQ(refused.exit_code, 1);
}

}  // namespace
}  // namespace sb::test
