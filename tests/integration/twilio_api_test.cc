// The Twilio-compatible API against the real binary: its credentials, Basic authentication and
// tenant isolation, Twilio's shapes for messages, pages and errors, and the official SDKs (npm
// `twilio` on Node, Debian's python3-twilio) driving it with only their base URL changed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/form.h"
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
    gw_.create_key("acme");
    gw_.create_key("other");
    acme_ = credentials(gw_, "acme");
    other_ = credentials(gw_, "other");
    gw_.start();
  }
  TestGateway gw_{Backend::kSqlite};
  Credentials acme_, other_;
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

// The official SDKs, unchanged but for their base URL.
TEST_F(TwilioApiTest, TheNodeSdkWorksWithOnlyItsBaseUrlChanged) {
  auto r = run_command({"/usr/bin/node", std::string(SB_SOURCE_DIR) + "/tests/sdk/twilio_node.js",
                        gw_.base_url(), acme_.sid, acme_.token, "+12025550100", "+14155550123"},
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

}  // namespace
}  // namespace sb::test
