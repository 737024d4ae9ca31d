// Twilio through the real binary: a [[connectors]] table pointing at a loopback fake Twilio, one
// number of account acme on it, and the dispatcher's handling of Twilio's answers.
// Reply bodies: twilio-python tests/integration/api/v2010/account/test_message.py (201) and
// twilio-go client/error.go's error shape (see tests/unit/providers/twilio_test.cc).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>
#include <thread>
#include <cstdlib>

#include "providers/transport/http_util.h"
#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kAccountSid[] = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kFrom[] = "+12025550150";
constexpr char kSid[] = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kCreated[] =
    R"({"account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "api_version": "2010-04-01",
        "body": "hello", "date_created": "Thu, 30 Jul 2015 20:12:31 +0000", "date_sent": null,
        "date_updated": "Thu, 30 Jul 2015 20:12:31 +0000", "direction": "outbound-api",
        "error_code": null, "error_message": null, "from": "+12025550150",
        "messaging_service_sid": null, "num_media": "0", "num_segments": "1", "price": null,
        "price_unit": "USD", "sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "status": "queued",
        "to": "+14155550123",
        "uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"})";

class TwilioProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The token comes from the environment, as operators are told to configure it.
    ASSERT_EQ(setenv("SB_TEST_TWILIO_TOKEN", "your_auth_token", 1), 0);
    gw_ = std::make_unique<TestGateway>(
        Backend::kSqlite, "[[connectors]]\nid = \"tw\"\nprovider = \"twilio\"\nbase_url = \"" +
                              fake_.base_url() + "\"\ntimeout_ms = 2000\naccount_sid = \"" +
                              kAccountSid +
                              "\"\nauth_token = \"${SB_TEST_TWILIO_TOKEN}\"\n"
                              "[[numbers]]\nnumber = \"" +
                              kFrom + "\"\naccount = \"acme\"\nconnector = \"tw\"\n");
    key_ = gw_->create_key("acme");
    gw_->start();
  }

  std::string send(const std::string& to) {
    auto r = gw_->post_json("/v1/messages", key_, {{"to", to}, {"from", kFrom}, {"body", "hello"}});
    EXPECT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.json["connector"], "tw");
    return r.json.value("id", "");
  }

  std::vector<std::string> applied(const json& msg) {
    std::vector<std::string> out;
    for (const auto& e : msg["events"]) {
      if (e["applied"].get<bool>()) out.push_back(e["status"]);
    }
    return out;
  }

  // The send requests only: health checks and status queries the engine may make are GETs.
  std::vector<RecordedRequest> sends() {
    std::vector<RecordedRequest> out;
    for (auto& r : fake_.requests()) {
      if (r.method == "POST") out.push_back(std::move(r));
    }
    return out;
  }

  FakeProvider fake_;
  std::unique_ptr<TestGateway> gw_;
  std::string key_;
};

TEST_F(TwilioProviderTest, MessageReachesSentWithTwiliosSid) {
  fake_.set_responder([](const RecordedRequest&) { return FakeReply{201, kCreated}; });
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "sent");
  ASSERT_EQ(m["status"], "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], kSid);
  EXPECT_EQ(applied(m), (std::vector<std::string>{"accepted", "queued", "sending", "sent"}));

  auto reqs = sends();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/2010-04-01/Accounts/" + std::string(kAccountSid) + "/Messages.json");
  EXPECT_EQ(reqs[0].header("authorization"),
            "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp5b3VyX2F1dGhfdG9rZW4=");
  EXPECT_EQ(reqs[0].header("content-type"), "application/x-www-form-urlencoded");
  auto fields = sb::form_decode(reqs[0].body);
  ASSERT_EQ(fields.size(), 4u) << reqs[0].body;
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"To", "+14155550123"}));
  EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"From", kFrom}));
  EXPECT_EQ(fields[2], (std::pair<std::string, std::string>{"Body", "hello"}));
  EXPECT_EQ(fields[3].first, "StatusCallback");
  EXPECT_TRUE(fields[3].second.ends_with("/webhooks/tw")) << fields[3].second;
}

TEST_F(TwilioProviderTest, A429IsRetriedAfterRetryAfterAndSentOnce) {
  fake_.push(
      {429,
       R"({"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429})",
       "application/json",
       {{"Retry-After", "1"}}});
  fake_.set_responder([](const RecordedRequest&) { return FakeReply{201, kCreated}; });
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "sent");
  ASSERT_EQ(m["status"], "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], kSid);
  wait_until([] { return false; }, 300ms);  // a duplicate would show up by now
  auto reqs = sends();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].body, reqs[1].body);
  EXPECT_GE(reqs[1].at - reqs[0].at, 900ms);  // Retry-After: 1 was honoured
  auto statuses = applied(m);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), "sent"), 1);
}

TEST_F(TwilioProviderTest, An400InvalidNumberFailsWithTwiliosCode) {
  fake_.set_responder([](const RecordedRequest& req) {
    if (req.method != "POST") return FakeReply{200, kCreated};  // lookups, health checks
    return FakeReply{
        400,
        R"({"code": 21211, "message": "Invalid 'To' Phone Number: +1415555012X", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})"};
  });
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "failed");
  ASSERT_EQ(m["status"], "failed") << m.dump();
  EXPECT_EQ(m["error_code"], "21211");
  EXPECT_EQ(m["error_message"], "Invalid 'To' Phone Number: +1415555012X");
  EXPECT_EQ(sends().size(), 1u);  // permanent: never retried
}

}  // namespace
}  // namespace sb::test

namespace sb::test {
namespace {

// A provider that is down for a while (503s, then healthy) delays messages; none is lost and
// none is created twice.
TEST_F(TwilioProviderTest, AnOutageDelaysMessagesWithoutLosingOrDoublingAny) {
  std::atomic<int> posts{0};
  std::atomic<int> created{0};
  fake_.set_responder([&](const RecordedRequest& r) {
    if (r.method != "POST") return FakeReply{200, "{}"};
    if (++posts <= 8) {
      return FakeReply{503, R"({"code": 20500, "message": "Service unavailable", "status": 503})"};
    }
    std::string body = kCreated;
    const std::string sid = "SM" + std::string(31, 'b') + std::to_string(++created);
    body.replace(body.find(kSid), std::strlen(kSid), sid);
    return FakeReply{201, body};
  });
  std::vector<std::string> ids;
  for (const char* to : {"+14155550123", "+14155550124", "+14155550125"}) ids.push_back(send(to));
  std::set<std::string> sids;
  for (const auto& id : ids) {
    json m = gw_->wait_for_status(id, key_, "sent", 30s);
    ASSERT_EQ(m["status"], "sent") << m.dump();
    sids.insert(m["provider_message_id"].get<std::string>());
  }
  EXPECT_EQ(sids.size(), 3u);
  EXPECT_EQ(created.load(), 3);  // each message created once at the provider
  EXPECT_GE(posts.load(), 11);   // 8 refused + 3 accepted
}



TEST(TwilioHealthCheckTest, RejectedCredentialsAtStartHoldMessagesAndShowInReadyz) {
  FakeProvider fake;
  // Twilio's answer to a wrong Auth Token (twilio-go client/error.go shape, code 20003).
  fake.set_responder([](const RecordedRequest& r) {
    if (r.method == "GET") {
      return FakeReply{401,
                       R"({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})"};
    }
    return FakeReply{201, kCreated};
  });
  ASSERT_EQ(setenv("SWITCHBOARD_DISPATCHER_HEALTH_CHECK_AT_START", "true", 1), 0);
  TestGateway gw(Backend::kSqlite,
                 "[[connectors]]\nid = \"tw\"\nprovider = \"twilio\"\nbase_url = \"" +
                     fake.base_url() + "\"\naccount_sid = \"" + kAccountSid +
                     "\"\nauth_token = \"wrong_token\"\n[[numbers]]\nnumber = \"" + kFrom +
                     "\"\naccount = \"acme\"\nconnector = \"tw\"\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  unsetenv("SWITCHBOARD_DISPATCHER_HEALTH_CHECK_AT_START");

  ASSERT_TRUE(fake.wait_for_requests(1, 10s));
  auto reqs = fake.requests();
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].target, "/2010-04-01/Accounts/" + std::string(kAccountSid) + ".json");
  json tw;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto ready = gw.get("/readyz", "");
    for (const auto& c : ready.json["checks"]["connectors"]) {
      if (c["id"] == "tw") tw = c;
    }
    if (tw.value("circuit", "") == "open") break;
    std::this_thread::yield();
  }
  ASSERT_EQ(tw.value("circuit", ""), "open") << tw.dump();
  EXPECT_NE(tw["reason"].get<std::string>().find("20003"), std::string::npos) << tw.dump();

  // A message sent now waits for the circuit instead of failing on the rejected credentials.
  auto r = gw.post_json("/v1/messages", key, {{"to", "+14155550123"}, {"body", "hi"}});
  ASSERT_EQ(r.status, 202) << r.body;
  auto m = gw.get("/v1/messages/" + r.json["id"].get<std::string>(), key);
  EXPECT_NE(m.json["status"], "failed");
  for (const auto& req : fake.requests()) EXPECT_NE(req.method, "POST");
}

}  // namespace
}  // namespace sb::test
