// Compliance end to end through the real binary: opt-out / opt-in / help keywords arriving as
// provider webhooks, the confirmations they send, the refusal of later sends (API and
// dispatcher), Twilio's 21610, the opt-out API and CSV tools, and keyword auto-replies.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/clock.h"
#include "providers/transport/http_util.h"
#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kAccountSid[] = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
constexpr char kOurs[] = "+12025550100";   // acme, sim, MMS
constexpr char kSlow[] = "+12025550160";   // acme, sim, one message per 5 s
constexpr char kPhone[] = "+14155550123";  // the customer

// Inbound arrives on a Twilio-shaped connector with verification off; replies leave through the
// sim connector the numbers are configured on.
std::string compliance_toml() {
  return std::string("[[connectors]]\nid = \"inb\"\nprovider = \"twilio\"\n") +
         "base_url = \"http://127.0.0.1:9\"\naccount_sid = \"" + kAccountSid +
         "\"\nauth_token = \"unused\"\nverify_webhooks = false\n"
         "[[numbers]]\nnumber = \"" +
         kSlow +
         "\"\naccount = \"acme\"\nconnector = \"sim\"\n"
         "throughput = 0.2\n"
         "[compliance]\n"
         "[[compliance.languages]]\nlanguage = \"fr\"\nopt_out_keywords = [\"ARRET\", "
         "\"ARRÊT\"]\nopt_out_reply = \"Vous êtes désinscrit.\"\n";
}

class ComplianceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !pg_admin_url()) {
      if (pg_required()) FAIL() << "SWITCHBOARD_TEST_PG_URL is required";
      GTEST_SKIP() << "no PostgreSQL (set SWITCHBOARD_TEST_PG_URL)";
    }
    gw_ = std::make_unique<TestGateway>(GetParam(), compliance_toml());
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }

  HttpResult inbound(const std::string& from, const std::string& body,
                     const std::string& to = kOurs) {
    static std::atomic<int> n{0};
    char sid[40];
    std::snprintf(sid, sizeof sid, "SM%032d", ++n + static_cast<int>(::getpid() % 100000) * 1000);
    const std::string form = "MessageSid=" + std::string(sid) + "&AccountSid=" + kAccountSid +
                             "&From=" + sb::url_encode(from) + "&To=" + sb::url_encode(to) +
                             "&Body=" + sb::url_encode(body) + "&NumMedia=0&SmsStatus=received";
    auto r = gw_->request("POST", "/webhooks/inb", "", form,
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r;
  }

  // Outbound messages to `to`, oldest first.
  std::vector<json> replies_to(const std::string& to) {
    auto r = gw_->get("/v1/messages?direction=outbound&to=" + sb::url_encode(to), acme_);
    std::vector<json> out;
    for (const auto& m : r.json["data"]) out.insert(out.begin(), m);
    return out;
  }

  // Waits until `to` has `n` outbound messages; returns them oldest first.
  std::vector<json> wait_replies(const std::string& to, size_t n) {
    std::vector<json> got;
    wait_until([&] { return (got = replies_to(to)).size() >= n; }, 10s);
    return got;
  }

  HttpResult send(const std::string& to, const std::string& from = kOurs) {
    return gw_->post_json("/v1/messages", acme_, {{"to", to}, {"from", from}, {"body", "promo"}});
  }

  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

TEST_P(ComplianceTest, StopConfirmsThenRefusesSendsUntilStart) {
  inbound(kPhone, "  Stop. ");
  auto replies = wait_replies(kPhone, 1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0]["from"], kOurs);
  EXPECT_EQ(replies[0]["metadata"]["auto_reply"], "opt_out");
  EXPECT_NE(replies[0]["body"].get<std::string>().find("unsubscribed"), std::string::npos);
  // The confirmation itself is delivered (it was recorded after the opt-out).
  EXPECT_EQ(gw_->wait_for_status(replies[0]["id"], acme_, "delivered")["status"], "delivered");
  EXPECT_FALSE(replies[0]["conversation_id"].is_null());

  auto refused = send(kPhone);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.json["error"]["code"], "recipient_opted_out");
  EXPECT_EQ(refused.json["error"]["field"], "to");
  // Account scope: every number of the account is refused.
  EXPECT_EQ(send(kPhone, "+12025550101").status, 422);

  auto list = gw_->get("/v1/opt-outs", acme_);
  ASSERT_EQ(list.json["data"].size(), 1u) << list.body;
  EXPECT_EQ(list.json["data"][0]["number"], kPhone);
  EXPECT_EQ(list.json["data"][0]["source"], "keyword");
  EXPECT_EQ(list.json["data"][0]["scope"], "account");
  EXPECT_TRUE(gw_->get("/v1/opt-outs", other_).json["data"].empty());  // tenant isolated

  inbound(kPhone, "start");
  replies = wait_replies(kPhone, 2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1]["metadata"]["auto_reply"], "opt_in");
  EXPECT_EQ(send(kPhone).status, 202);
  EXPECT_TRUE(gw_->get("/v1/opt-outs", acme_).json["data"].empty());
}

TEST_P(ComplianceTest, HelpOddSpellingsAndLanguageVariants) {
  inbound("+14155550124", "HELP?");
  auto help = wait_replies("+14155550124", 1);
  ASSERT_EQ(help.size(), 1u);
  EXPECT_EQ(help[0]["metadata"]["auto_reply"], "help");

  inbound("+14155550125", "STOP!!");
  inbound("+14155550126", "stop please");  // not a keyword: nothing happens
  inbound("+14155550127", " Arrêt ");
  auto fr = wait_replies("+14155550127", 1);
  ASSERT_EQ(fr.size(), 1u);
  EXPECT_EQ(fr[0]["body"], "Vous êtes désinscrit.");
  ASSERT_EQ(wait_replies("+14155550125", 1).size(), 1u);
  EXPECT_EQ(send("+14155550125").status, 422);
  EXPECT_EQ(send("+14155550127").status, 422);
  EXPECT_EQ(send("+14155550126").status, 202);
  EXPECT_EQ(replies_to("+14155550126").size(), 1u);  // only the send just made

  // HELP from an opted-out number is still answered.
  inbound("+14155550125", "info");
  auto r = wait_replies("+14155550125", 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1]["metadata"]["auto_reply"], "help");
  EXPECT_EQ(gw_->wait_for_status(r[1]["id"], acme_, "delivered")["status"], "delivered");
}

TEST_P(ComplianceTest, OptOutApiAddsListsAndDeletesPerAccount) {
  auto bad = gw_->post_json("/v1/opt-outs", acme_, {{"number", "12"}});
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.json["error"]["field"], "number");
  auto bad_scope = gw_->post_json("/v1/opt-outs", acme_, {{"number", kPhone}, {"scope", "all"}});
  EXPECT_EQ(bad_scope.json["error"]["code"], "invalid_scope");
  auto not_ours =
      gw_->post_json("/v1/opt-outs", acme_, {{"number", kPhone}, {"our_number", "+12025550199"}});
  EXPECT_EQ(not_ours.status, 422);
  EXPECT_EQ(not_ours.json["error"]["field"], "our_number");

  // Number scope: only that sender is refused.
  auto added =
      gw_->post_json("/v1/opt-outs", acme_, {{"number", "(415) 555-0199"}, {"our_number", kOurs}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.json["scope"], "number");
  EXPECT_EQ(added.json["number"], "+14155550199");
  EXPECT_EQ(added.json["source"], "api");
  EXPECT_EQ(
      gw_->post_json("/v1/opt-outs", acme_, {{"number", "+14155550199"}, {"our_number", kOurs}})
          .status,
      200);  // already there
  EXPECT_EQ(send("+14155550199").status, 422);
  EXPECT_EQ(send("+14155550199", "+12025550101").status, 202);
  // Another account may still send to it.
  EXPECT_EQ(gw_->post_json("/v1/messages", other_, {{"to", "+14155550199"}, {"body", "x"}}).status,
            202);

  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(gw_->post_json("/v1/opt-outs", acme_, {{"number", "+1415555020" + std::to_string(i)}})
                  .status,
              201);
  }
  auto page = gw_->get("/v1/opt-outs?limit=2", acme_);
  ASSERT_EQ(page.json["data"].size(), 2u);
  ASSERT_TRUE(page.json["next_cursor"].is_string());
  auto page2 =
      gw_->get("/v1/opt-outs?limit=2&cursor=" + page.json["next_cursor"].get<std::string>(), acme_);
  ASSERT_EQ(page2.json["data"].size(), 2u);
  EXPECT_TRUE(page2.json["next_cursor"].is_null());

  const std::string id = added.json["id"];
  EXPECT_EQ(gw_->request("DELETE", "/v1/opt-outs/" + id, other_).status, 404);
  EXPECT_EQ(gw_->request("DELETE", "/v1/opt-outs/" + id, acme_).status, 200);
  EXPECT_EQ(send("+14155550199").status, 202);
  auto del = gw_->request("DELETE", "/v1/opt-outs?number=%2B14155550200", acme_);
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(del.json["deleted"], 1);
  EXPECT_EQ(gw_->request("DELETE", "/v1/opt-outs?number=%2B14155550200", acme_).status, 404);
}

TEST_P(ComplianceTest, QueuedMessageMeetingANewOptOutFailsAtDispatch) {
  // The slow number sends one message per 5 s: the second waits in the queue.
  auto first = send("+14155550300", kSlow);
  auto second = send("+14155550300", kSlow);
  ASSERT_EQ(first.status, 202);
  ASSERT_EQ(second.status, 202);
  // The opt-out must come after the message (opt-outs are compared by the millisecond, and one
  // recorded in the message's own millisecond is taken as older): wait until the clock has
  // left that millisecond.
  const auto created = parse_rfc3339(second.json["created_at"].get<std::string>());
  ASSERT_TRUE(created);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (SystemClock::instance().now_ms() <= *created &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(gw_->post_json("/v1/opt-outs", acme_, {{"number", "+14155550300"}}).status, 201);
  json m = gw_->wait_for_status(second.json["id"], acme_, "failed", 15s);
  ASSERT_EQ(m["status"], "failed") << m.dump();
  EXPECT_EQ(m["error_code"], "recipient_opted_out");
}

TEST_P(ComplianceTest, AutoRepliesReferenceBehaviourAndKeywordPrecedence) {
  auto invalid = gw_->post_json("/v1/auto-replies", acme_,
                                {{"match", "regex"}, {"pattern", "a(b"}, {"body", "x"}});
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(invalid.json["error"]["code"], "invalid_regex");
  EXPECT_EQ(invalid.json["error"]["field"], "pattern");

  // The reference plugin: "hello" (any case) gets a greeting with an image; anything else a hint.
  auto hello = gw_->post_json("/v1/auto-replies", acme_,
                              {{"match", "contains"},
                               {"pattern", "hello"},
                               {"body", "Hello! \xE2\x99\xA5\xEF\xB8\x8F"},
                               {"media_urls", {"https://example.com/hello.png"}},
                               {"priority", 10}});
  ASSERT_EQ(hello.status, 201) << hello.body;
  auto fallback = gw_->post_json("/v1/auto-replies", acme_,
                                 {{"match", "regex"},
                                  {"pattern", ".*"},
                                  {"body", "Say hello! \xF0\x9F\x91\xBB"},
                                  {"priority", 0}});
  ASSERT_EQ(fallback.status, 201) << fallback.body;
  EXPECT_TRUE(gw_->get("/v1/auto-replies", other_).json["data"].empty());
  ASSERT_EQ(gw_->get("/v1/auto-replies", acme_).json["data"].size(), 2u);

  inbound("+14155550401", "Well HELLO there");
  auto r1 = wait_replies("+14155550401", 1);
  ASSERT_EQ(r1.size(), 1u);
  EXPECT_EQ(r1[0]["body"], "Hello! \xE2\x99\xA5\xEF\xB8\x8F");
  EXPECT_EQ(r1[0]["media_urls"], json::array({"https://example.com/hello.png"}));

  inbound("+14155550402", "what is this?");
  auto r2 = wait_replies("+14155550402", 1);
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r2[0]["body"], "Say hello! \xF0\x9F\x91\xBB");
  EXPECT_TRUE(r2[0]["media_urls"].empty());

  // Keywords win over rules (the fallback matches everything).
  inbound("+14155550403", "STOP");
  auto r3 = wait_replies("+14155550403", 1);
  ASSERT_EQ(r3.size(), 1u);
  EXPECT_EQ(r3[0]["metadata"]["auto_reply"], "opt_out");
  // An opted-out sender gets no rule reply.
  inbound("+14155550403", "hello again");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(replies_to("+14155550403").size(), 1u);

  // PATCH disables the greeting: "hello" now gets the fallback.
  const std::string id = hello.json["id"];
  auto patched =
      gw_->request("PATCH", "/v1/auto-replies/" + id, acme_, json{{"enabled", false}}.dump());
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json["enabled"], false);
  EXPECT_EQ(gw_->request("PATCH", "/v1/auto-replies/" + id, other_, "{}").status, 404);
  inbound("+14155550404", "hello");
  auto r4 = wait_replies("+14155550404", 1);
  ASSERT_EQ(r4.size(), 1u);
  EXPECT_EQ(r4[0]["body"], "Say hello! \xF0\x9F\x91\xBB");
  EXPECT_EQ(gw_->request("DELETE", "/v1/auto-replies/" + id, acme_).status, 200);
  EXPECT_EQ(gw_->get("/v1/auto-replies/" + id, acme_).status, 404);
}

TEST_P(ComplianceTest, CsvImportReportsBadLinesAndExportRoundTrips) {
  const std::string csv =
      "number,scope,our_number,source,created_at\n"
      "+14155550501,account,,import,2026-01-31T09:00:00Z\n"
      "not-a-number,account,,,\n"
      "(415) 555-0502,number,+12025550100,,\n"
      "+14155550503,number,+12025550199,,\n"
      "+14155550504\n";
  // Bad lines are reported on stderr: merge it into the captured output.
  auto r = run_command_with_input(
      {"/bin/sh", "-c", "\"$0\" opt-outs import --account acme --config \"$1\" 2>&1",
       switchboard_bin(), gw_->config_path()},
      csv);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("line 3:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 5:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("imported 3"), std::string::npos) << r.out;
  EXPECT_EQ(send("+14155550501").status, 422);
  EXPECT_EQ(send("+14155550502").status, 422);
  EXPECT_EQ(send("+14155550502", "+12025550101").status, 202);

  auto e = run_command({switchboard_bin(), "opt-outs", "export", "--account", "acme", "--config",
                        gw_->config_path()});
  ASSERT_EQ(e.exit_code, 0) << e.out;
  EXPECT_NE(e.out.find("number,scope,our_number,source,created_at"), std::string::npos);
  EXPECT_NE(e.out.find("+14155550501,account,,import,2026-01-31T09:00:00"), std::string::npos)
      << e.out;
  EXPECT_NE(e.out.find("+14155550502,number,+12025550100,import,"), std::string::npos) << e.out;
}

INSTANTIATE_TEST_SUITE_P(Backends, ComplianceTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

// Twilio answers 21610 (the recipient replied STOP to Twilio): the message fails as before and
// the recipient is recorded as opted out, so the next send is refused at the API.
TEST(ComplianceTwilioTest, Error21610RecordsAnOptOut) {
  FakeProvider fake;
  fake.set_responder([](const RecordedRequest&) {
    return FakeReply{400,
                     R"({"code": 21610, "message": "Attempt to send to unsubscribed recipient", )"
                     R"("more_info": "https://www.twilio.com/docs/errors/21610", "status": 400})"};
  });
  TestGateway gw(Backend::kSqlite,
                 "[[connectors]]\nid = \"tw\"\nprovider = \"twilio\"\nbase_url = \"" +
                     fake.base_url() + "\"\ntimeout_ms = 2000\naccount_sid = \"" + kAccountSid +
                     "\"\nauth_token = \"tok\"\n[[numbers]]\nnumber = \"+12025550150\"\n"
                     "account = \"acme\"\nconnector = \"tw\"\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  auto r = gw.post_json("/v1/messages", key,
                        {{"to", kPhone}, {"from", "+12025550150"}, {"body", "hello"}});
  ASSERT_EQ(r.status, 202) << r.body;
  json m = gw.wait_for_status(r.json["id"], key, "failed");
  ASSERT_EQ(m["status"], "failed") << m.dump();
  EXPECT_EQ(m["error_code"], "21610");
  json list;
  wait_until([&] { return !(list = gw.get("/v1/opt-outs", key).json)["data"].empty(); }, 5s);
  ASSERT_EQ(list["data"].size(), 1u) << list.dump();
  EXPECT_EQ(list["data"][0]["number"], kPhone);
  EXPECT_EQ(list["data"][0]["source"], "provider_error");
  auto again = gw.post_json("/v1/messages", key,
                            {{"to", kPhone}, {"from", "+12025550150"}, {"body", "hello"}});
  EXPECT_EQ(again.status, 422);
  EXPECT_EQ(again.json["error"]["code"], "recipient_opted_out");
  EXPECT_EQ(fake.request_count(), 1u);
}

}  // namespace
}  // namespace sb::test
