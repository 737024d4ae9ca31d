// Issue #6 message API through the real binary, on SQLite and PostgreSQL: DELETE
// /v1/messages/{id} (redaction here and at the provider, idempotent, tenant-isolated), the
// `number` filter of GET /v1/messages, and docs/openapi.yaml against the server's routes.
// Provider requests: Twilio DELETE .../Messages/{Sid}.json answers 204, and error 20009 while the
// message is still processed (twilio.com/docs/api/errors/20009); SignalWire's LaML "Update a
// message" is POST .../Messages/{Sid}.json with Body (developer.signalwire.com,
// compatibility-api/client-sdks/methods/messaging/update).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "providers/transport/http_util.h"
#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kAccountSid[] = "ACdddddddddddddddddddddddddddddddd";
constexpr char kTwilioNumber[] = "+12025550170";  // acme, on the fake Twilio
constexpr char kOurs[] = "+12025550100";          // acme, sim
constexpr char kOurs2[] = "+12025550101";         // acme, sim
constexpr char kPhone[] = "+14155550123";         // a customer

std::string sid_for(int n) {
  char sid[40];
  std::snprintf(sid, sizeof sid, "SM%032d", n + static_cast<int>(::getpid() % 100000) * 1000);
  return sid;
}

class MessagesApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !pg_admin_url()) {
      if (pg_required()) FAIL() << "SWITCHBOARD_TEST_PG_URL is required";
      GTEST_SKIP() << "no PostgreSQL (set SWITCHBOARD_TEST_PG_URL)";
    }
    gw_ = std::make_unique<TestGateway>(
        GetParam(), std::string("[[connectors]]\nid = \"tw\"\nprovider = \"twilio\"\n") +
                        "base_url = \"" + fake_.base_url() + "\"\ntimeout_ms = 2000\n" +
                        "account_sid = \"" + kAccountSid + "\"\nauth_token = \"tok\"\n" +
                        "verify_webhooks = false\n[[numbers]]\nnumber = \"" + kTwilioNumber +
                        "\"\naccount = \"acme\"\nconnector = \"tw\"\nmms = true\n");
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }

  // A Twilio inbound webhook (with one media item) to `to`; returns the stored message.
  json inbound(const std::string& body, const std::string& sid, const std::string& to = kTwilioNumber) {
    const std::string form = "MessageSid=" + sid + "&AccountSid=" + kAccountSid +
                             "&From=" + sb::url_encode(kPhone) +
                             "&To=" + sb::url_encode(to) +
                             "&Body=" + sb::url_encode(body) +
                             "&NumMedia=1&MediaContentType0=image%2Fjpeg"
                             "&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fmedia%2FME1" +
                             "&SmsStatus=received";
    auto r = gw_->request("POST", "/webhooks/tw", "", form,
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 200) << r.body;
    auto list = gw_->get("/v1/messages?direction=inbound&limit=1", acme_);
    EXPECT_EQ(list.status, 200) << list.body;
    return list.json["data"].empty() ? json::object() : list.json["data"][0];
  }

  HttpResult del(const std::string& id, const std::string& key) {
    return gw_->request("DELETE", "/v1/messages/" + id, key);
  }

  // Waits until the message's redaction.provider is `state`; returns the message last seen.
  json wait_for_redaction(const std::string& id, const std::string& state) {
    json last;
    wait_until(
        [&] {
          last = gw_->get("/v1/messages/" + id, acme_).json;
          return last.contains("redaction") && last["redaction"].is_object() &&
                 last["redaction"]["provider"] == state;
        },
        20s);
    return last;
  }

  static int count_events(const json& m, const std::string& type) {
    int n = 0;
    for (const auto& e : m["events"]) n += e["type"] == type;
    return n;
  }

  std::vector<RecordedRequest> requests_with(const std::string& method) {
    std::vector<RecordedRequest> out;
    for (auto& r : fake_.requests()) {
      if (r.method == method) out.push_back(std::move(r));
    }
    return out;
  }

  FakeProvider fake_;
  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

TEST_P(MessagesApiTest, DeleteRedactsAnInboundMessageHereAndAtTwilioOnce) {
  fake_.set_responder([](const RecordedRequest& r) {
    return r.method == "DELETE" ? FakeReply{204, ""} : FakeReply{200, "{}"};
  });
  const std::string sid = sid_for(1);
  json m = inbound("my PIN is 4321", sid);
  const std::string id = m["id"];
  ASSERT_EQ(m["body"], "my PIN is 4321");
  ASSERT_EQ(m["media_urls"].size(), 1u);
  auto before = gw_->get("/v1/messages/" + id, acme_).json;
  ASSERT_TRUE(before["events"][0].contains("raw_payload")) << before.dump();
  auto conv = gw_->get("/v1/conversations/" + m["conversation_id"].get<std::string>(), acme_);
  ASSERT_EQ(conv.json["last_message_preview"], "my PIN is 4321");

  // Another account cannot see or redact it, and trying changes nothing.
  auto foreign = del(id, other_);
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(foreign.json["error"]["code"], "not_found");
  EXPECT_EQ(gw_->get("/v1/messages/" + id, acme_).json["body"], "my PIN is 4321");

  auto r = del(id, acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["id"], id);
  EXPECT_EQ(r.json["body"], "");
  EXPECT_EQ(r.json["media_urls"], json::array());
  EXPECT_FALSE(r.json.contains("media")) << r.body;
  EXPECT_EQ(r.json["status"], "received");  // status and metadata are kept
  EXPECT_EQ(r.json["from"], kPhone);
  EXPECT_EQ(r.json["provider_message_id"], sid);
  EXPECT_EQ(r.json["redaction"]["provider"], "pending");
  EXPECT_EQ(count_events(r.json, "redacted"), 1) << r.body;
  for (const auto& e : r.json["events"]) {
    EXPECT_FALSE(e.contains("raw_payload")) << "raw webhook kept: " << e.dump();
  }
  EXPECT_EQ(r.json["events"].back()["type"], "redacted");
  EXPECT_EQ(r.json["events"].back()["status"], "received");
  conv = gw_->get("/v1/conversations/" + m["conversation_id"].get<std::string>(), acme_);
  EXPECT_EQ(conv.json["last_message_preview"], "[redacted]");
  auto listed = gw_->get("/v1/messages?direction=inbound", acme_);
  EXPECT_EQ(listed.json["data"][0]["body"], "") << listed.body;

  // The provider's copy: one DELETE of Twilio's message instance, with the account's auth.
  json done = wait_for_redaction(id, "done");
  ASSERT_EQ(done["redaction"]["provider"], "done") << done.dump();
  EXPECT_EQ(done["redaction"]["error"], nullptr);
  auto deletes = requests_with("DELETE");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].target,
            "/2010-04-01/Accounts/" + std::string(kAccountSid) + "/Messages/" + sid + ".json");
  EXPECT_EQ(deletes[0].header("authorization"), providers::basic_auth(kAccountSid, "tok"));
  EXPECT_EQ(deletes[0].body, "");

  // Idempotent: the same message back, no second event, no second provider call.
  auto again = del(id, acme_);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["body"], "");
  EXPECT_EQ(again.json["redaction"]["provider"], "done");
  EXPECT_EQ(again.json["redaction"]["at"], r.json["redaction"]["at"]);
  EXPECT_EQ(count_events(again.json, "redacted"), 1);
  wait_until([] { return false; }, 300ms);  // a second DELETE would have been sent by now
  EXPECT_EQ(requests_with("DELETE").size(), 1u);
}

TEST_P(MessagesApiTest, TwilioStillProcessingIsRetriedUntilDone) {
  // Twilio error 20009 (HTTP 400 per its error dictionary shape), then success.
  std::atomic<int> deletes{0};
  fake_.set_responder([&](const RecordedRequest& r) {
    if (r.method != "DELETE") return FakeReply{200, "{}"};
    if (deletes++ == 0) {
      return FakeReply{400,
                       R"({"code": 20009, "message": "Cannot delete this resource before it is complete", "more_info": "https://www.twilio.com/docs/errors/20009", "status": 400})"};
    }
    return FakeReply{204, ""};
  });
  const std::string id = inbound("soon gone", sid_for(2))["id"];
  auto r = del(id, acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  json m = wait_for_redaction(id, "done");
  ASSERT_EQ(m["redaction"]["provider"], "done") << m.dump();
  EXPECT_EQ(deletes.load(), 2);
  EXPECT_EQ(count_events(m, "redacted"), 1);
}

TEST_P(MessagesApiTest, ARefusalThatIsNotTransientEndsFailedWithTheProvidersError) {
  fake_.set_responder([](const RecordedRequest& r) {
    if (r.method != "DELETE") return FakeReply{200, "{}"};
    return FakeReply{400, R"({"code": 21999, "message": "Nope", "status": 400})"};
  });
  const std::string id = inbound("keep trying?", sid_for(3))["id"];
  ASSERT_EQ(del(id, acme_).status, 200);
  json m = wait_for_redaction(id, "failed");
  ASSERT_EQ(m["redaction"]["provider"], "failed") << m.dump();
  EXPECT_EQ(m["redaction"]["error"], "21999: Nope");
  EXPECT_EQ(m["body"], "");  // our copy is erased whatever the provider says
}

TEST_P(MessagesApiTest, AProviderWithoutRedactionIsReportedUnsupported) {
  auto sent = gw_->post_json("/v1/messages", acme_,
                             {{"to", kPhone}, {"from", kOurs}, {"body", "sim secret"},
                              {"metadata", {{"order", "42"}}}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = sent.json["id"];
  ASSERT_EQ(gw_->wait_for_status(id, acme_, "delivered")["status"], "delivered");
  auto r = del(id, acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["body"], "");
  EXPECT_EQ(r.json["metadata"], (json{{"order", "42"}}));
  EXPECT_EQ(r.json["segments"], 1);
  EXPECT_EQ(r.json["status"], "delivered");
  json m = wait_for_redaction(id, "unsupported");
  EXPECT_EQ(m["redaction"]["provider"], "unsupported") << m.dump();
}

TEST_P(MessagesApiTest, AScheduledMessageIsCanceledBeforeItIsErased) {
  // A day ahead (send_at must be within messages.max_schedule_ahead_s).
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + 24h);
  char at[32];
  std::strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  auto sent = gw_->post_json("/v1/messages", acme_,
                             {{"to", kPhone}, {"from", kOurs}, {"body", "later"}, {"send_at", at}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  ASSERT_EQ(sent.json["status"], "scheduled");
  const std::string id = sent.json["id"];
  auto r = del(id, acme_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["status"], "canceled");
  EXPECT_EQ(r.json["body"], "");
  EXPECT_EQ(r.json["redaction"]["provider"], "none");
  std::vector<std::string> types;
  for (const auto& e : r.json["events"]) types.push_back(e["type"].get<std::string>() + ":" +
                                                         e["status"].get<std::string>());
  ASSERT_GE(types.size(), 2u);
  EXPECT_EQ(types[types.size() - 2], "status:canceled");
  EXPECT_EQ(types.back(), "redacted:canceled");
}

TEST_P(MessagesApiTest, DeleteErrors) {
  auto bad = del("msg_nope", acme_);
  EXPECT_EQ(bad.status, 404);
  EXPECT_EQ(bad.json["error"]["code"], "not_found");
  EXPECT_EQ(bad.json["error"]["field"], "id");
  EXPECT_EQ(del("msg_01M7XJHWKZDFBBB4DZESYWDVK0", acme_).status, 404);
  auto unauth = del("msg_01M7XJHWKZDFBBB4DZESYWDVK0", "");
  EXPECT_EQ(unauth.status, 401);
  EXPECT_EQ(unauth.json["error"]["code"], "unauthorized");
}

TEST_P(MessagesApiTest, NumberFilterIsOurSideCombinedWithDirection) {
  fake_.set_responder([](const RecordedRequest&) { return FakeReply{200, "{}"}; });
  // Outbound from kOurs and kOurs2 (sim); inbound to kTwilioNumber and to kOurs.
  std::vector<std::string> out1, out2;
  for (int i = 0; i < 3; ++i) {
    auto a = gw_->post_json("/v1/messages", acme_, {{"to", kPhone}, {"from", kOurs}, {"body", "a"}});
    ASSERT_EQ(a.status, 202) << a.body;
    out1.push_back(a.json["id"]);
  }
  auto b = gw_->post_json("/v1/messages", acme_, {{"to", kPhone}, {"from", kOurs2}, {"body", "b"}});
  ASSERT_EQ(b.status, 202);
  const std::string in_tw = inbound("hi tw", sid_for(10))["id"];
  const std::string in_ours = inbound("hi ours", sid_for(11), kOurs)["id"];

  const auto ids = [&](const std::string& query, const std::string& key) {
    std::vector<std::string> out;
    auto r = gw_->get("/v1/messages?" + query, key);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    for (const auto& m : r.json["data"]) out.push_back(m["id"]);
    return out;
  };
  // Our side only: kPhone (the customer) is never "our" number.
  EXPECT_TRUE(ids("number=%2B14155550123", acme_).empty());
  const std::vector<std::string> both = {in_ours, out1[2], out1[1], out1[0]};
  EXPECT_EQ(ids("number=%2B12025550100", acme_), both);
  // National format, normalized like `to`.
  EXPECT_EQ(ids("number=(202)%20555-0100", acme_), both);
  EXPECT_EQ(ids("number=%2B12025550100&direction=outbound", acme_),
            (std::vector<std::string>{out1[2], out1[1], out1[0]}));
  EXPECT_EQ(ids("number=%2B12025550100&direction=inbound", acme_),
            (std::vector<std::string>{in_ours}));
  EXPECT_EQ(ids("number=%2B12025550170&direction=inbound", acme_),
            (std::vector<std::string>{in_tw}));
  EXPECT_EQ(ids("number=%2B12025550101", acme_),
            (std::vector<std::string>{b.json["id"].get<std::string>()}));
  // Paging stays within the filter.
  auto page = gw_->get("/v1/messages?number=%2B12025550100&limit=2", acme_);
  ASSERT_EQ(page.json["data"].size(), 2u);
  EXPECT_EQ(ids("number=%2B12025550100&limit=2&cursor=" +
                    page.json["next_cursor"].get<std::string>(),
                acme_),
            (std::vector<std::string>{out1[1], out1[0]}));
  // Tenant isolation: the other account sees none of acme's, even by acme's number.
  EXPECT_TRUE(ids("number=%2B12025550100", other_).empty());
  auto invalid = gw_->get("/v1/messages?number=12", acme_);
  EXPECT_EQ(invalid.status, 422) << invalid.body;
  EXPECT_EQ(invalid.json["error"]["field"], "number");
}

INSTANTIATE_TEST_SUITE_P(Backends, MessagesApiTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

// SignalWire's LaML API: body redaction, Body="" on the message instance.
TEST(MessagesApiSignalWireTest, RedactionBlanksTheBodyThroughLaml) {
  constexpr char kProject[] = "ea108133-d6b3-407c-9536-9fad8a929a6a";
  constexpr char kFrom[] = "+12025550160";
  constexpr char kSid[] = "0a059168-ead0-41af-9d1f-343dae832527";
  FakeProvider fake;
  fake.set_responder([&](const RecordedRequest& r) {
    if (r.method == "POST" && r.path.ends_with("/Messages.json")) {
      return FakeReply{201, std::string(R"({"sid": ")") + kSid + R"(", "status": "queued"})"};
    }
    return FakeReply{200, std::string(R"({"sid": ")") + kSid + R"(", "body": ""})"};
  });
  TestGateway gw(Backend::kSqlite,
                 "[[connectors]]\nid = \"sw\"\nprovider = \"signalwire\"\nbase_url = \"" +
                     fake.base_url() +
                     "\"\ntimeout_ms = 2000\nspace_url = \"example.signalwire.com\"\n"
                     "project_id = \"" + kProject + "\"\napi_token = \"PTsecret\"\n"
                     "[[numbers]]\nnumber = \"" + kFrom +
                     "\"\naccount = \"acme\"\nconnector = \"sw\"\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  auto sent = gw.post_json("/v1/messages", key, {{"to", kPhone}, {"from", kFrom}, {"body", "pw"}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = sent.json["id"];
  ASSERT_EQ(gw.wait_for_status(id, key, "sent")["status"], "sent");
  auto r = gw.request("DELETE", "/v1/messages/" + id, key);
  ASSERT_EQ(r.status, 200) << r.body;
  json m;
  wait_until(
      [&] {
        m = gw.get("/v1/messages/" + id, key).json;
        return m["redaction"].is_object() && m["redaction"]["provider"] == "done";
      },
      20s);
  ASSERT_EQ(m["redaction"]["provider"], "done") << m.dump();
  std::vector<RecordedRequest> redacts;
  for (auto& q : fake.requests()) {
    if (q.method == "POST" && !q.path.ends_with("/Messages.json")) redacts.push_back(q);
  }
  ASSERT_EQ(redacts.size(), 1u);
  EXPECT_EQ(redacts[0].target, "/api/laml/2010-04-01/Accounts/" + std::string(kProject) +
                                   "/Messages/" + kSid + ".json");
  EXPECT_EQ(redacts[0].header("authorization"),
            providers::basic_auth(kProject, "PTsecret"));
  EXPECT_EQ(redacts[0].header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(redacts[0].body, "Body=");
}

// docs/openapi.yaml describes exactly the routes the server registers (provider webhooks under
// /webhooks/ are documented in docs/webhooks.md instead, the Twilio-compatible API under
// /2010-04-01/ in docs/twilio-compatibility.md), and is what /v1/openapi.json serves.
TEST(OpenApiTest, SpecAndRoutesMatchBothWays) {
  TestGateway gw(Backend::kSqlite);
  auto routes = run_command(
      {switchboard_bin(), "serve", "--config", gw.config_path(), "--print-routes"});
  ASSERT_EQ(routes.exit_code, 0) << routes.out;
  std::set<std::string> registered;
  std::istringstream lines(routes.out);
  for (std::string line; std::getline(lines, line);) {
    const auto space = line.find(' ');
    if (space == std::string::npos || line.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != space ||
        line.compare(space, 2, " /") != 0) {
      continue;  // a log line
    }
    const std::string path = line.substr(space + 1);
    if (path.rfind("/webhooks/", 0) == 0 || path.rfind("/2010-04-01/", 0) == 0) continue;
    if (path == "/" || path.rfind("/console/", 0) == 0) continue;  // the console: docs/console.md
    registered.insert(line);
  }
  ASSERT_GE(registered.size(), 30u) << routes.out;

  gw.start();
  auto served = gw.get("/v1/openapi.json", "");  // no API key needed
  ASSERT_EQ(served.status, 200) << served.body;
  ASSERT_EQ(served.header("content-type"), "application/json");
  const json& spec = served.json;
  ASSERT_EQ(spec["openapi"].get<std::string>().substr(0, 3), "3.1");
  std::set<std::string> described;
  static const std::set<std::string> kMethods = {"get", "post", "put", "patch", "delete"};
  for (const auto& [path, item] : spec["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (!kMethods.count(method)) continue;
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      described.insert(upper + " " + path);
      // Every operation documents its answers, including an error one unless it cannot fail.
      EXPECT_TRUE(op.contains("responses") && !op["responses"].empty()) << upper << " " << path;
    }
  }
  for (const auto& r : registered) EXPECT_TRUE(described.count(r)) << "not in the spec: " << r;
  for (const auto& d : described) EXPECT_TRUE(registered.count(d)) << "not registered: " << d;

  // The served JSON is the YAML in the tree, converted (an independent parser: PyYAML).
  auto converted = run_command(
      {"/usr/bin/env", "python3", "-c",
       "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
       std::string(SB_SOURCE_DIR) + "/docs/openapi.yaml"});
  ASSERT_EQ(converted.exit_code, 0) << converted.out;
  EXPECT_EQ(json::parse(converted.out), spec);

  // Well-formed OpenAPI 3.1, checked by openapi-spec-validator when it is installed.
  auto has_validator = run_command({"/usr/bin/env", "python3", "-c", "import openapi_spec_validator"});
  if (has_validator.exit_code == 0) {
    auto valid = run_command(
        {"/usr/bin/env", "python3", "-c",
         "import sys,yaml\nfrom openapi_spec_validator import validate\n"
         "validate(yaml.safe_load(open(sys.argv[1])))\nprint('valid')",
         std::string(SB_SOURCE_DIR) + "/docs/openapi.yaml"});
    EXPECT_EQ(valid.exit_code, 0) << valid.out;
    EXPECT_NE(valid.out.find("valid"), std::string::npos) << valid.out;
  } else {
    std::cerr << "openapi-spec-validator not installed: structural check skipped\n";
  }
}

}  // namespace
}  // namespace sb::test
