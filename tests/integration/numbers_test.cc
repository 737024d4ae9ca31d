// The numbers API and provider-side number management through the real binary (issue #6):
// GET /v1/numbers and /v1/numbers/{number} (fields, throughput defaults, URL-encoded and '+'-less
// numbers, limit/cursor, tenant isolation), POST /v1/numbers/{number}/provider-webhooks against
// fake Twilio, SignalWire and Telnyx servers that assert the exact requests (Sinch: not
// supported), and `switchboard numbers import|sync|list` against the fakes, on SQLite and
// PostgreSQL. Provider payload sources: tests/unit/providers/numbers_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "providers/transport/http_util.h"
#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kPublicUrl[] = "https://sms.example.test";
constexpr char kAccountSid[] = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kAuthToken[] = "your_auth_token";
constexpr char kPnSid[] = "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kProject[] = "ea108133-d6b3-407c-9536-9fad8a929a6a";
constexpr char kSwToken[] = "PTda745ebXXXXXXXXXXXXXXXXXXXXXX";
constexpr char kTelnyxKey[] = "KEY0123456789ABCDEF_test";
constexpr char kProfile[] = "4000eba1-a0c0-4563-9925-b25e842a7cb6";
constexpr char kOtherProfile[] = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

constexpr char kTw[] = "+12025550150";        // acme, twilio, toll_free (default 3/s)
constexpr char kTwFast[] = "+12025550155";    // acme, twilio, throughput 2.5
constexpr char kSw[] = "+12025550160";        // acme, signalwire (REST mode)
constexpr char kTx[] = "+12025550170";        // acme, telnyx
constexpr char kSn[] = "+12025550180";        // acme, sinch
constexpr char kSim[] = "+12025550100";       // acme, sim (TestGateway's own)
constexpr char kOthers[] = "+12025550199";    // account other, sim
constexpr char kImported[] = "+13125550101";  // in the fake Twilio account only
constexpr char kImportedTf[] = "+18005550102";

json incoming(const std::string& number, const std::string& sid, bool sms, bool mms) {
  return {{"account_sid", kAccountSid},
          {"api_version", "2010-04-01"},
          {"capabilities", {{"voice", true}, {"sms", sms}, {"mms", mms}, {"fax", false}}},
          {"phone_number", number},
          {"sid", sid},
          {"sms_method", "POST"},
          {"sms_url", ""},
          {"status_callback", ""}};
}

FakeReply reply_json(const json& j, int status = 200) {
  FakeReply r;
  r.status = status;
  r.body = j.dump();
  return r;
}

// "{root}/2010-04-01/Accounts/{account}": Twilio's Account SID, SignalWire's project id.
std::string twilio_account_path(const std::string& root, const std::string& account = kAccountSid) {
  return root + "/2010-04-01/Accounts/" + account;
}

// A Twilio-shaped account (Twilio itself, or SignalWire's LaML API under `root`): the number
// lookup, a two-page list, the number update, and message sends.
FakeReply twilio_account(const RecordedRequest& r, const std::string& root,
                         const std::string& account, const std::string& owned,
                         bool fail_update = false) {
  const std::string base = twilio_account_path(root, account);
  if (r.method == "GET" && r.path == base + "/IncomingPhoneNumbers.json") {
    if (r.target.find("PhoneNumber=") != std::string::npos) {
      const bool ours =
          r.target.find("PhoneNumber=" + sb::url_encode(owned)) != std::string::npos;
      return reply_json(
          {{"incoming_phone_numbers",
            ours ? json::array({incoming(owned, kPnSid, true, true)}) : json::array()},
           {"next_page_uri", nullptr}});
    }
    if (r.target.find("Page=1") == std::string::npos) {
      return reply_json(
          {{"incoming_phone_numbers",
            json::array({incoming(kTw, kPnSid, true, true),
                         incoming(kImported, "PNbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", true, true)})},
           {"next_page_uri", base + "/IncomingPhoneNumbers.json?PageSize=1000&Page=1"}});
    }
    return reply_json(
        {{"incoming_phone_numbers",
          json::array(
              {incoming(kImportedTf, "PNcccccccccccccccccccccccccccccccc", true, false),
               incoming("+12025550111", "PNdddddddddddddddddddddddddddddddd", false, false)})},
         {"next_page_uri", nullptr}});
  }
  if (r.method == "POST" && r.path == base + "/IncomingPhoneNumbers/" + kPnSid + ".json") {
    if (fail_update) {
      return reply_json({{"code", 21452}, {"message", "No Sms Url provided"}, {"status", 400}},
                        400);
    }
    return reply_json(incoming(owned, kPnSid, true, true));
  }
  if (r.method == "POST" && r.path == base + "/Messages.json") {
    return reply_json({{"sid", "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, {"status", "queued"}}, 201);
  }
  return reply_json({{"code", 20404}, {"message", "not found: " + r.path}}, 404);
}

json telnyx_number(const std::string& number, const std::string& id, const std::string& type,
                   const std::string& profile) {
  return {{"record_type", "messaging_settings"},
          {"id", id},
          {"phone_number", number},
          {"messaging_profile_id", profile},
          {"type", type},
          {"features", {{"sms", {{"domestic_two_way", true}}}, {"mms", nullptr}}}};
}

FakeReply telnyx_account(const RecordedRequest& r) {
  if (r.method == "GET" && r.path == "/v2/phone_numbers/messaging") {
    if (r.target.find("filter%5Bphone_number%5D=") != std::string::npos) {
      return reply_json({{"data", json::array({telnyx_number(kTx, "1293384261075731499", "longcode",
                                                             kOtherProfile)})},
                         {"meta", {{"page_number", 1}, {"total_pages", 1}}}});
    }
    const bool first = r.target.find("page%5Bnumber%5D=1&") != std::string::npos;
    return reply_json(
        {{"data",
          first ? json::array({telnyx_number(kTx, "1293384261075731499", "longcode", kProfile)})
                : json::array({telnyx_number("+18885550103", "77", "tollfree", kProfile)})},
         {"meta", {{"page_number", first ? 1 : 2}, {"total_pages", 2}}}});
  }
  if (r.method == "PATCH") return reply_json({{"data", json::object()}});
  return reply_json(
      {{"errors", json::array({{{"code", "10005"}, {"title", "Resource not found"}}})}}, 404);
}

class NumbersTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !pg_admin_url()) {
      if (pg_required()) FAIL() << "SWITCHBOARD_TEST_PG_URL is required";
      GTEST_SKIP() << "no PostgreSQL (set SWITCHBOARD_TEST_PG_URL)";
    }
    twilio_.set_responder([this](const RecordedRequest& r) {
      return twilio_account(r, "", kAccountSid, kTw, fail_twilio_update_);
    });
    signalwire_.set_responder(
        [](const RecordedRequest& r) { return twilio_account(r, "/api/laml", kProject, kSw); });
    telnyx_.set_responder([](const RecordedRequest& r) { return telnyx_account(r); });
    const std::string toml =
        std::string("[[connectors]]\nid = \"tw\"\nprovider = \"twilio\"\ntimeout_ms = 2000\n") +
        "base_url = \"" + twilio_.base_url() + "\"\naccount_sid = \"" + kAccountSid +
        "\"\nauth_token = \"" + kAuthToken + "\"\n" +
        "[[connectors]]\nid = \"sw\"\nprovider = \"signalwire\"\napi = \"rest\"\n" +
        "timeout_ms = 2000\nbase_url = \"" + signalwire_.base_url() +
        "\"\nspace_url = \"example.signalwire.com\"\nproject_id = \"" + kProject +
        "\"\napi_token = \"" + kSwToken + "\"\n" +
        "[[connectors]]\nid = \"tx\"\nprovider = \"telnyx\"\ntimeout_ms = 2000\nbase_url = \"" +
        telnyx_.base_url() + "\"\napi_key = \"" + kTelnyxKey + "\"\nmessaging_profile_id = \"" +
        kProfile + "\"\n" + "[[connectors]]\nid = \"sn\"\nprovider = \"sinch\"\nbase_url = \"" +
        sinch_.base_url() +
        "\"\nservice_plan_id = \"jd63jf88477ll123ab4567cd89012ef3\"\napi_token = \"tok\"\n" +
        "[[numbers]]\nnumber = \"" + kTw + "\"\naccount = \"acme\"\nconnector = \"tw\"\n" +
        "type = \"toll_free\"\n" + "[[numbers]]\nnumber = \"" + kTwFast +
        "\"\naccount = \"acme\"\nconnector = \"tw\"\n" + "throughput = 2.5\n" +
        "[[numbers]]\nnumber = \"" + kSw + "\"\naccount = \"acme\"\nconnector = \"sw\"\n" +
        "[[numbers]]\nnumber = \"" + kTx + "\"\naccount = \"acme\"\nconnector = \"tx\"\n" +
        "[[numbers]]\nnumber = \"" + kSn + "\"\naccount = \"acme\"\nconnector = \"sn\"\n";
    gw_ = std::make_unique<TestGateway>(GetParam(), toml,
                                        std::string("public_url = \"") + kPublicUrl + "\"\n");
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }

  HttpResult configure(const std::string& number, const std::string& key) {
    return gw_->request("POST",
                        "/v1/numbers/" + sb::url_encode(number) + "/provider-webhooks", key);
  }

  CommandResult cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {switchboard_bin(), "numbers"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(gw_->config_path());
    return run_command(argv);
  }

  static std::vector<RecordedRequest> matching(FakeProvider& fake, const std::string& method,
                                               const std::string& path) {
    std::vector<RecordedRequest> out;
    for (auto& r : fake.requests()) {
      if (r.method == method && r.path == path) out.push_back(std::move(r));
    }
    return out;
  }

  static json by_number(const json& list, const std::string& number) {
    for (const auto& n : list) {
      if (n["number"] == number) return n;
    }
    return nullptr;
  }

  FakeProvider twilio_, signalwire_, telnyx_, sinch_;
  std::atomic<bool> fail_twilio_update_{false};
  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

// ------------------------------------------------------------------------------ read API

TEST_P(NumbersTest, ListShowsTheAccountsNumbersWithEffectiveSettings) {
  auto r = gw_->get("/v1/numbers", acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json& data = r.json["data"];
  ASSERT_EQ(data.size(), 7u) << r.body;  // 2 sim (TestGateway) + tw, tw fast, sw, tx, sn
  EXPECT_EQ(r.json["next_cursor"], nullptr);
  EXPECT_EQ(by_number(data, kOthers), nullptr);

  const json tw = by_number(data, kTw);
  EXPECT_EQ(tw["connector"], "tw");
  EXPECT_EQ(tw["provider"], "twilio");
  EXPECT_EQ(tw["type"], "toll_free");
  EXPECT_EQ(tw["throughput"], 3.0);
  EXPECT_EQ(tw["capabilities"], json({{"sms", true}, {"mms", true}}));  // config defaults
  EXPECT_EQ(tw["status"], "active");
  EXPECT_EQ(tw["source"], "config");
  EXPECT_EQ(tw["forwarding"], nullptr);
  EXPECT_EQ(tw["status_callback"], nullptr);
  EXPECT_EQ(tw["webhooks"], json({{"inbound_url", "https://sms.example.test/webhooks/tw"},
                                  {"status_url", "https://sms.example.test/webhooks/tw"}}));
  EXPECT_EQ(by_number(data, kTwFast)["throughput"], 2.5);
  EXPECT_EQ(by_number(data, kTx)["throughput"], 1.0);  // long_code default
  EXPECT_EQ(by_number(data, kTx)["provider"], "telnyx");
  const json sim = by_number(data, kSim);
  EXPECT_EQ(sim["throughput"], nullptr);  // the simulated carrier is unlimited
  EXPECT_EQ(sim["provider"], "sim");
  EXPECT_EQ(by_number(data, "+12025550101")["capabilities"]["mms"], false);

  // limit and cursor walk the same list in pages.
  std::vector<std::string> walked;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto p = gw_->get(
        "/v1/numbers?limit=3" + (cursor.empty() ? "" : "&cursor=" + sb::url_encode(cursor)),
        acme_);
    ASSERT_EQ(p.status, 200) << p.body;
    EXPECT_LE(p.json["data"].size(), 3u);
    for (const auto& n : p.json["data"]) walked.push_back(n["number"]);
    if (p.json["next_cursor"].is_null()) break;
    cursor = p.json["next_cursor"];
  }
  std::vector<std::string> all;
  for (const auto& n : data) all.push_back(n["number"]);
  EXPECT_EQ(walked, all);

  auto bad_limit = gw_->get("/v1/numbers?limit=0", acme_);
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_EQ(bad_limit.json["error"]["field"], "limit");
  auto bad_cursor = gw_->get("/v1/numbers?cursor=%2B19999999999", acme_);
  EXPECT_EQ(bad_cursor.status, 400);
  EXPECT_EQ(bad_cursor.json["error"]["field"], "cursor");
  EXPECT_EQ(gw_->get("/v1/numbers", "").status, 401);
}

TEST_P(NumbersTest, GetAcceptsEncodedPlainAndPlusLessNumbers) {
  for (const std::string path :
       {"/v1/numbers/%2B12025550150", "/v1/numbers/+12025550150", "/v1/numbers/12025550150"}) {
    auto r = gw_->get(path, acme_);
    ASSERT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.json["number"], kTw);
    EXPECT_EQ(r.json["connector"], "tw");
  }
  auto unknown = gw_->get("/v1/numbers/%2B19995550100", acme_);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json["error"]["code"], "not_found");
  EXPECT_EQ(gw_->get("/v1/numbers/%2B12025550150", "").status, 401);
}

TEST_P(NumbersTest, AnotherAccountsNumberIsNotFound) {
  auto mine = gw_->get("/v1/numbers", other_);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.json["data"].size(), 1u);
  EXPECT_EQ(mine.json["data"][0]["number"], kOthers);
  EXPECT_EQ(gw_->get("/v1/numbers/%2B12025550150", other_).status, 404);
  EXPECT_EQ(gw_->get("/v1/numbers/12025550150", other_).status, 404);
  EXPECT_EQ(gw_->get("/v1/numbers/%2B12025550199", acme_).status, 404);
  auto cfg = configure(kTw, other_);
  EXPECT_EQ(cfg.status, 404);
  EXPECT_EQ(cfg.json["error"]["code"], "not_found");
  EXPECT_EQ(twilio_.request_count(), 0u) << "nothing may reach the provider for a foreign number";
}

// PATCH conversations: "inbound" makes a number's sends start no conversation (or contact);
// "all" (the default) threads every message again. Bad values name the field.
TEST_P(NumbersTest, ConversationsSettingDecidesWhetherSendsStartConversations) {
  const auto patch = [&](const json& body) {
    return gw_->request("PATCH", "/v1/numbers/%2B12025550100", acme_, body.dump(),
                        {{"Content-Type", "application/json"}});
  };
  const auto send = [&](const std::string& to) {
    auto r = gw_->request("POST", "/v1/messages", acme_,
                          json({{"from", kSim}, {"to", to}, {"body", "your code is 123456"}}).dump(),
                          {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 202) << r.body;
    return r.json;
  };
  const auto conversations = [&] { return gw_->get("/v1/conversations", acme_).json["data"]; };
  EXPECT_EQ(gw_->get("/v1/numbers/%2B12025550100", acme_).json["conversations"], "all");

  auto bad = patch({{"conversations", "never"}});
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.json["error"]["code"], "invalid_conversations");
  EXPECT_EQ(bad.json["error"]["field"], "conversations");
  auto wrong_type = patch({{"conversations", false}});
  EXPECT_EQ(wrong_type.status, 400) << wrong_type.body;
  EXPECT_EQ(wrong_type.json["error"]["field"], "conversations");

  auto set = patch({{"conversations", "inbound"}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json["conversations"], "inbound");
  EXPECT_EQ(gw_->get("/v1/numbers/%2B12025550100", acme_).json["conversations"], "inbound");
  const json quiet = send("+14155550111");
  EXPECT_EQ(quiet["conversation_id"], nullptr);
  EXPECT_EQ(gw_->get("/v1/messages/" + quiet["id"].get<std::string>(), acme_)
                .json["conversation_id"],
            nullptr);
  EXPECT_EQ(conversations().size(), 0u);
  EXPECT_EQ(gw_->get("/v1/contacts", acme_).json["data"].size(), 0u);
  // Other settings leave it alone.
  ASSERT_EQ(patch({{"status_callback", nullptr}}).json["conversations"], "inbound");

  ASSERT_EQ(patch({{"conversations", "all"}}).status, 200);
  const json threaded = send("+14155550111");
  ASSERT_TRUE(threaded["conversation_id"].is_string()) << threaded.dump();
  const json list = conversations();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], threaded["conversation_id"]);
  EXPECT_EQ(list[0]["last_message_id"], threaded["id"]);
}

// ---------------------------------------------------------------- provider-side webhooks

TEST_P(NumbersTest, TwilioWebhooksPointAtTheGateway) {
  auto r = configure(kTw, acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["number"], kTw);
  EXPECT_EQ(r.json["provider"], "twilio");
  EXPECT_EQ(r.json["inbound_url"], "https://sms.example.test/webhooks/tw");
  EXPECT_EQ(r.json["status_url"], "https://sms.example.test/webhooks/tw");
  EXPECT_EQ(r.json["provider_ids"], json({{"phone_number_sid", kPnSid}}));

  const std::string base = twilio_account_path("");
  auto lookups = matching(twilio_, "GET", base + "/IncomingPhoneNumbers.json");
  ASSERT_EQ(lookups.size(), 1u);
  EXPECT_EQ(lookups[0].target, base + "/IncomingPhoneNumbers.json?PhoneNumber=%2B12025550150");
  auto updates = matching(twilio_, "POST", base + "/IncomingPhoneNumbers/" + kPnSid + ".json");
  ASSERT_EQ(updates.size(), 1u);
  const std::string auth = providers::basic_auth(kAccountSid, kAuthToken);
  EXPECT_EQ(lookups[0].header("authorization"), auth);
  EXPECT_EQ(updates[0].header("authorization"), auth);
  EXPECT_EQ(updates[0].header("content-type"), "application/x-www-form-urlencoded");
  const sb::FormFields expected = {
      {"SmsUrl", "https://sms.example.test/webhooks/tw"},
      {"SmsMethod", "POST"},
      {"StatusCallback", "https://sms.example.test/webhooks/tw"}};
  EXPECT_EQ(sb::form_decode(updates[0].body), expected);
}

TEST_P(NumbersTest, TwilioRefusalIsAProviderError) {
  fail_twilio_update_ = true;
  auto r = configure(kTw, acme_);
  ASSERT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(r.json["error"]["code"], "provider_error");
  EXPECT_NE(r.json["error"]["message"].get<std::string>().find("21452 No Sms Url provided"),
            std::string::npos)
      << r.body;
  // A number the provider account does not have: the lookup finds nothing, nothing is updated.
  auto missing = configure(kTwFast, acme_);
  EXPECT_EQ(missing.status, 502);
  EXPECT_NE(missing.json["error"]["message"].get<std::string>().find("has no such number"),
            std::string::npos);
}

TEST_P(NumbersTest, SignalWireUsesTheLamlNumbersApi) {
  auto r = configure(kSw, acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["provider"], "signalwire");
  EXPECT_EQ(r.json["provider_ids"]["phone_number_sid"], kPnSid);
  const std::string base = twilio_account_path("/api/laml", kProject);
  auto updates = matching(signalwire_, "POST", base + "/IncomingPhoneNumbers/" + kPnSid + ".json");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].header("authorization"), providers::basic_auth(kProject, kSwToken));
  const sb::FormFields expected = {
      {"SmsUrl", "https://sms.example.test/webhooks/sw"},
      {"SmsMethod", "POST"},
      {"StatusCallback", "https://sms.example.test/webhooks/sw"}};
  EXPECT_EQ(sb::form_decode(updates[0].body), expected);
  ASSERT_EQ(matching(signalwire_, "GET", base + "/IncomingPhoneNumbers.json").size(), 1u);
}

TEST_P(NumbersTest, TelnyxAssignsTheProfileAndSetsItsWebhook) {
  auto r = configure(kTx, acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["provider_ids"],
            json({{"phone_number_id", "1293384261075731499"}, {"messaging_profile_id", kProfile}}));
  auto reqs = telnyx_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].target, "/v2/phone_numbers/messaging?filter%5Bphone_number%5D=%2B12025550170");
  EXPECT_EQ(reqs[1].method, "PATCH");
  EXPECT_EQ(reqs[1].path, "/v2/phone_numbers/1293384261075731499/messaging");
  EXPECT_EQ(json::parse(reqs[1].body), json({{"messaging_profile_id", kProfile}}));
  EXPECT_EQ(reqs[2].method, "PATCH");
  EXPECT_EQ(reqs[2].path, std::string("/v2/messaging_profiles/") + kProfile);
  EXPECT_EQ(json::parse(reqs[2].body),
            json({{"webhook_url", "https://sms.example.test/webhooks/tx"},
                  {"webhook_api_version", "2"}}));
  for (const auto& q : reqs) {
    EXPECT_EQ(q.header("authorization"), std::string("Bearer ") + kTelnyxKey);
  }
  EXPECT_EQ(reqs[2].header("content-type"), "application/json");
}

TEST_P(NumbersTest, SinchIsNotSupportedAndSimIsANoOp) {
  auto r = configure(kSn, acme_);
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.json["error"]["code"], "not_supported");
  EXPECT_NE(r.json["error"]["message"].get<std::string>().find("Sinch Customer Dashboard"),
            std::string::npos);
  EXPECT_EQ(sinch_.request_count(), 0u);
  auto sim = configure(kSim, acme_);
  ASSERT_EQ(sim.status, 200) << sim.body;
  EXPECT_EQ(sim.json["provider_ids"], json::object());
  auto body =
      gw_->post_json("/v1/numbers/%2B12025550100/provider-webhooks", acme_, {{"url", "https://x"}});
  EXPECT_EQ(body.status, 400);
  EXPECT_EQ(body.json["error"]["code"], "unknown_field");
}

// ----------------------------------------------------------------------------------- CLI

TEST_P(NumbersTest, ImportFromTwilioThenSendFromAnImportedNumber) {
  auto dry = cli({"import", "--connector", "tw", "--account", "acme", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out;
  EXPECT_NE(dry.out.find("would add +13125550101 (long_code, sms, mms)"), std::string::npos)
      << dry.out;
  EXPECT_EQ(gw_->get("/v1/numbers", acme_).json["data"].size(), 7u) << "a dry run writes nothing";

  auto run = cli({"import", "--connector", "tw", "--account", "acme"});
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("skipped +12025550150: already a config number of account acme"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("added +13125550101 (long_code, sms, mms)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("added +18005550102 (toll_free, sms)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("skipped +12025550111: the provider lists no SMS or MMS capability"),
            std::string::npos)
      << run.out;
  // Both list pages were read (next_page_uri followed), with the account's credentials; the
  // dry run read them too.
  const auto lists =
      matching(twilio_, "GET", twilio_account_path("") + "/IncomingPhoneNumbers.json");
  ASSERT_EQ(lists.size(), 4u);
  EXPECT_EQ(lists[2].target, twilio_account_path("") + "/IncomingPhoneNumbers.json?PageSize=1000");
  EXPECT_EQ(lists[3].target,
            twilio_account_path("") + "/IncomingPhoneNumbers.json?PageSize=1000&Page=1");
  EXPECT_EQ(lists[3].header("authorization"), providers::basic_auth(kAccountSid, kAuthToken));

  auto listed = gw_->get("/v1/numbers", acme_);
  ASSERT_EQ(listed.json["data"].size(), 9u) << listed.body;
  const json imported = by_number(listed.json["data"], kImported);
  EXPECT_EQ(imported["source"], "import");
  EXPECT_EQ(imported["connector"], "tw");
  EXPECT_EQ(imported["capabilities"], json({{"sms", true}, {"mms", true}}));
  EXPECT_EQ(imported["throughput"], 1.0);
  EXPECT_EQ(by_number(listed.json["data"], kImportedTf)["throughput"], 3.0);
  EXPECT_EQ(gw_->get("/v1/numbers/%2B13125550101", other_).status, 404);

  // Importing again adds nothing.
  auto again = cli({"import", "--connector", "tw", "--account", "acme"});
  EXPECT_NE(again.out.find("skipped +13125550101: already imported into account acme"),
            std::string::npos)
      << again.out;

  // The running gateway picks the imported number up (periodic reload) and sends from it.
  std::string id;
  ASSERT_TRUE(wait_until(
      [&] {
        auto s = gw_->post_json("/v1/messages", acme_,
                                {{"from", kImported}, {"to", "+14155550123"}, {"body", "hi"}});
        if (s.status == 202) id = s.json["id"];
        return s.status == 202;
      },
      20s));
  gw_->wait_for_status(id, acme_, "sent");
  auto sends = matching(twilio_, "POST", twilio_account_path("") + "/Messages.json");
  ASSERT_EQ(sends.size(), 1u);
  bool from_imported = false;
  for (const auto& [k, v] : sb::form_decode(sends[0].body)) {
    from_imported |= k == "From" && v == kImported;
  }
  EXPECT_TRUE(from_imported) << sends[0].body;

  // `numbers list` shows them too, with their account.
  auto list = cli({"list", "--account", "acme"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find(R"("account":"acme")"), std::string::npos);
  EXPECT_NE(list.out.find(R"("number":"+13125550101")"), std::string::npos);
}

TEST_P(NumbersTest, ImportFromTelnyxCreatesTheAccount) {
  auto run = cli({"import", "--connector", "tx", "--account", "fresh"});
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("skipped +12025550170: already a config number of account acme"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("added +18885550103 (toll_free, sms)"), std::string::npos) << run.out;
  ASSERT_EQ(matching(telnyx_, "GET", "/v2/phone_numbers/messaging").size(), 2u);
  const std::string key = gw_->create_key("fresh");
  auto listed = gw_->get("/v1/numbers", key);
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json["data"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.json["data"][0]["number"], "+18885550103");
  EXPECT_EQ(listed.json["data"][0]["type"], "toll_free");
  EXPECT_EQ(listed.json["data"][0]["provider"], "telnyx");
  EXPECT_EQ(cli({"import", "--connector", "nope"}).exit_code, 2);
}

TEST_P(NumbersTest, SyncConfiguresEverySupportingConnectorAndReportsFailures) {
  auto one = cli({"sync", "--number", kTw});
  EXPECT_EQ(one.exit_code, 0) << one.out;
  EXPECT_NE(one.out.find("configured +12025550150 (tw): https://sms.example.test/webhooks/tw "
                         "phone_number_sid=" +
                         std::string(kPnSid)),
            std::string::npos)
      << one.out;
  EXPECT_EQ(cli({"sync", "--number", "+19995550100"}).exit_code, 1);

  auto all = cli({"sync"});
  // tw fast is not in the fake Twilio account: that one fails, so the exit code says so.
  EXPECT_EQ(all.exit_code, 1) << all.out;
  EXPECT_NE(all.out.find("failed +12025550155 (tw): twilio: looking up +12025550155 failed"),
            std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find("configured +12025550160 (sw)"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("configured +12025550170 (tx)"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("skipped +12025550180 (sn): sinch connectors cannot"), std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find("configured +12025550100 (sim)"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("configured +12025550199 (sim)"), std::string::npos) << all.out;
  EXPECT_EQ(sinch_.request_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, NumbersTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::test
