// Sinch connector end to end: the real binary sends through a fake Sinch xms API on loopback.
#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// 201 batch, shape from Sinch's Java SDK contract fixture
// (sinch/sinch-sdk-java .../domains/sms/v1/TextResponseDto.json), trimmed.
constexpr const char* kAccepted = R"({"id": "01FC66621XXXXX119Z8PMV1QPQ", "to": ["14155550123"],
  "from": "12025550170", "canceled": false, "body": "hello sinch", "type": "mt_text",
  "created_at": "2019-08-24T14:15:22Z", "modified_at": "2019-08-24T14:15:22Z",
  "delivery_report": "per_recipient", "client_reference": "x", "flash_message": false})";
// Error body {code, text}: codes from developers.sinch.com/docs/sms/api-reference/status-codes.
constexpr const char* kInvalidNumber =
    R"({"code": "syntax_invalid_parameter_format", "text": "Invalid MSISDN '14155550199' in to"})";

constexpr const char* kFrom = "+12025550170";
constexpr const char* kPlan = "jd63jf88477ll123ab4567cd89012ef3";

class SinchProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gw_ = std::make_unique<TestGateway>(
        Backend::kSqlite, "[[connectors]]\nid = \"sinch\"\nprovider = \"sinch\"\nbase_url = \"" +
                              fake_.base_url() + "\"\nservice_plan_id = \"" + kPlan +
                              "\"\napi_token = \"tok_sinch_test\"\nregion = \"eu\"\n"
                              "timeout_ms = 2000\nmax_concurrency = 4\n"
                              "[[numbers]]\nnumber = \"" +
                              kFrom +
                              "\"\naccount = \"acme\"\nconnector = \"sinch\"\nthroughput = 0\n");
    key_ = gw_->create_key("acme");
    gw_->start();
  }

  std::string send(const std::string& to, json extra = json::object()) {
    json body = {{"from", kFrom}, {"to", to}, {"body", "hello sinch"}};
    body.update(extra);
    auto r = gw_->post_json("/v1/messages", key_, body);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.json.value("id", "");
  }

  FakeProvider fake_;
  std::unique_ptr<TestGateway> gw_;
  std::string key_;
};

TEST_F(SinchProviderTest, MessageReachesSentWithBatchId) {
  fake_.push({201, kAccepted});
  const std::string id = send("+14155550123", {{"validity_period", 600}});
  json m = gw_->wait_for_status(id, key_, "sent");
  ASSERT_EQ(m.value("status", ""), "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], "01FC66621XXXXX119Z8PMV1QPQ");
  EXPECT_EQ(m["connector"], "sinch");
  ASSERT_EQ(fake_.request_count(), 1u);
  const auto req = fake_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, std::string("/xms/v1/") + kPlan + "/batches");
  EXPECT_EQ(req.header("authorization"), "Bearer tok_sinch_test");
  EXPECT_EQ(req.header("content-type"), "application/json");
  const json body = json::parse(req.body);
  EXPECT_EQ(body["from"], "12025550170");
  EXPECT_EQ(body["to"], json::array({"14155550123"}));
  EXPECT_EQ(body["body"], "hello sinch");
  EXPECT_EQ(body["type"], "mt_text");
  EXPECT_EQ(body["delivery_report"], "per_recipient");
  EXPECT_EQ(body["client_reference"], id);
  EXPECT_TRUE(body["expire_at"].is_string());
  const std::string hook = body["callback_url"];
  EXPECT_EQ(hook.substr(hook.size() - std::string("/webhooks/sinch").size()), "/webhooks/sinch");
}

TEST_F(SinchProviderTest, ThrottledThenAcceptedIsSentOnce) {
  fake_.push({429, "", "application/json", {{"Retry-After", "1"}}});
  fake_.push({201, kAccepted});
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "sent");
  ASSERT_EQ(m.value("status", ""), "sent") << m.dump();
  ASSERT_TRUE(fake_.wait_for_requests(2, 5s));
  const auto reqs = fake_.requests();
  EXPECT_GE(reqs[1].at - reqs[0].at, 900ms);  // Retry-After: 1 honoured
  wait_until([] { return false; }, 300ms);
  EXPECT_EQ(fake_.request_count(), 2u);
  int sent_events = 0;
  for (const auto& e : m["events"]) {
    if (e["status"] == "sent" && e["applied"].get<bool>()) ++sent_events;
  }
  EXPECT_EQ(sent_events, 1);
  EXPECT_EQ(m["provider_message_id"], "01FC66621XXXXX119Z8PMV1QPQ");
}

TEST_F(SinchProviderTest, InvalidNumberFailsWithSinchCode) {
  fake_.push({400, kInvalidNumber});
  const std::string id = send("+14155550199");
  json m = gw_->wait_for_status(id, key_, "failed");
  ASSERT_EQ(m.value("status", ""), "failed") << m.dump();
  EXPECT_EQ(m["error_code"], "syntax_invalid_parameter_format");
  EXPECT_EQ(m["error_message"], "Invalid MSISDN '14155550199' in to");
  wait_until([] { return false; }, 200ms);
  EXPECT_EQ(fake_.request_count(), 1u);  // permanent: not retried
}

// The process dies while Sinch is still answering a send: after the restart the message's lease
// expires and the dispatcher must not simply send again. It lists batches by client_reference
// (the message id it sent), finds the batch the first attempt created, and records it.
TEST(SinchCrashTest, AnInterruptedSendIsLookedUpInsteadOfSentTwice) {
  FakeProvider fake;
  std::promise<void> release;
  std::shared_future<void> held = release.get_future().share();
  std::mutex mu;
  std::string reference;  // client_reference of the (only) batch Sinch created
  fake.set_responder([&](const RecordedRequest& r) {
    std::lock_guard lk(mu);
    if (r.method == "POST") {
      reference = json::parse(r.body).value("client_reference", "");
      FakeReply reply{201, kAccepted};
      reply.hold = held;  // accepted at Sinch, but the answer never reaches the gateway
      return reply;
    }
    json batch = json::parse(kAccepted);
    batch["client_reference"] = reference;
    json list = {{"count", 1}, {"page", 0}, {"page_size", 10}, {"batches", json::array({batch})}};
    return FakeReply{200, list.dump()};
  });
  TestGateway gw(Backend::kSqlite,
                 "[[connectors]]\nid = \"sinch\"\nprovider = \"sinch\"\nbase_url = \"" +
                     fake.base_url() + "\"\nservice_plan_id = \"" + kPlan +
                     "\"\napi_token = \"tok_sinch_test\"\ntimeout_ms = 20000\n"
                     "[[numbers]]\nnumber = \"" + kFrom +
                     "\"\naccount = \"acme\"\nconnector = \"sinch\"\nthroughput = 0\n");
  const std::string key = gw.create_key("acme");
  gw.start();
  auto r = gw.post_json("/v1/messages", key, {{"from", kFrom}, {"to", "+14155550123"},
                                              {"body", "hello sinch"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json["id"];
  ASSERT_TRUE(fake.wait_for_requests(1, 10s));
  gw.kill9();
  release.set_value();
  gw.start();

  json m = gw.wait_for_status(id, key, "sent", 30s);
  ASSERT_EQ(m.value("status", ""), "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], "01FC66621XXXXX119Z8PMV1QPQ");
  int posts = 0, lookups = 0;
  for (const auto& req : fake.requests()) {
    if (req.method == "POST") ++posts;
    if (req.method == "GET" &&
        req.target.find("/batches?client_reference=" + id) != std::string::npos) {
      ++lookups;
    }
  }
  EXPECT_EQ(posts, 1) << "the message was sent twice";
  EXPECT_EQ(lookups, 1);
  bool lease_expired = false;
  for (const auto& e : m["events"]) {
    lease_expired |= e.value("detail", "").find("lease expired") != std::string::npos;
  }
  EXPECT_TRUE(lease_expired) << m.dump();
}

}  // namespace
}  // namespace sb::test
