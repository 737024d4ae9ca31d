// Sinch connector end to end: the real binary sends through a fake Sinch xms API on loopback.
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <mutex>
#include <optional>

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

// List batches by client_reference when no batch has it.
constexpr const char* kNoBatches = R"({"count": 0, "page": 0, "page_size": 10, "batches": []})";

constexpr const char* kFrom = "+12025550170";
constexpr const char* kPlan = "jd63jf88477ll123ab4567cd89012ef3";

// A gateway's [[connectors]] and [[numbers]] for the fake Sinch at `base_url`.
std::string sinch_toml(const std::string& base_url, int timeout_ms) {
  return "[[connectors]]\nid = \"sinch\"\nprovider = \"sinch\"\nbase_url = \"" + base_url +
         "\"\nservice_plan_id = \"" + kPlan +
         "\"\napi_token = \"tok_sinch_test\"\ntimeout_ms = " + std::to_string(timeout_ms) +
         "\n[[numbers]]\nnumber = \"" + kFrom +
         "\"\naccount = \"acme\"\nconnector = \"sinch\"\nthroughput = 0\n";
}

// Sends "hello sinch" to +14155550123; the message id ("" unless answered 202).
std::string send_hello(TestGateway& gw, const std::string& key) {
  auto r = gw.post_json("/v1/messages", key,
                        {{"from", kFrom}, {"to", "+14155550123"}, {"body", "hello sinch"}});
  EXPECT_EQ(r.status, 202) << r.body;
  return r.status == 202 ? r.json.value("id", "") : "";
}

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
  fake_.push({200, kNoBatches});  // the retry asks first whether the first attempt went through
  fake_.push({201, kAccepted});
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "sent");
  ASSERT_EQ(m.value("status", ""), "sent") << m.dump();
  ASSERT_TRUE(fake_.wait_for_requests(3, 5s));
  const auto reqs = fake_.requests();
  EXPECT_GE(reqs[1].at - reqs[0].at, 900ms);  // Retry-After: 1 honoured
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_EQ(reqs[2].method, "POST");
  wait_until([] { return false; }, 300ms);
  EXPECT_EQ(fake_.request_count(), 3u);
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

// A Sinch that creates a batch for the first POST (answered late by `late`, so the answer never
// reaches the gateway) and lists it by its client_reference to lookups.
class OneBatchSinch {
 public:
  OneBatchSinch(FakeProvider& fake, std::function<void(FakeReply&)> late) : fake_(fake) {
    fake_.set_responder([this, late](const RecordedRequest& r) {
      std::lock_guard lk(mu_);
      if (r.method == "POST") {
        reference_ = json::parse(r.body).value("client_reference", "");
        FakeReply reply{201, kAccepted};
        late(reply);
        return reply;
      }
      json batch = json::parse(kAccepted);
      batch["client_reference"] = reference_;
      json list = {
          {"count", 1}, {"page", 0}, {"page_size", 10}, {"batches", json::array({batch})}};
      return FakeReply{200, list.dump()};
    });
  }
  int posts() {
    int n = 0;
    for (const auto& req : fake_.requests()) n += req.method == "POST";
    return n;
  }
  // Lookups of message `id` (List batches by client_reference).
  int lookups(const std::string& id) {
    int n = 0;
    for (const auto& req : fake_.requests()) {
      n += req.method == "GET" &&
           req.target.find("/batches?client_reference=" + id) != std::string::npos;
    }
    return n;
  }

 private:
  FakeProvider& fake_;
  std::mutex mu_;
  std::string reference_;  // client_reference of the (only) batch created
};

// The process dies while Sinch is still answering a send: after the restart the message's lease
// expires and the dispatcher must not simply send again. It lists batches by client_reference
// (the message id it sent), finds the batch the first attempt created, and records it.
TEST(SinchCrashTest, AnInterruptedSendIsLookedUpInsteadOfSentTwice) {
  FakeProvider fake;
  std::promise<void> release;
  std::shared_future<void> held = release.get_future().share();
  OneBatchSinch sinch(fake, [&](FakeReply& reply) {
    reply.hold = held;  // accepted at Sinch, but the answer never reaches the gateway
  });
  TestGateway gw(Backend::kSqlite, sinch_toml(fake.base_url(), 20000));
  const std::string key = gw.create_key("acme");
  gw.start();
  const std::string id = send_hello(gw, key);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(fake.wait_for_requests(1, 10s));
  gw.kill9();
  release.set_value();
  gw.start();

  json m = gw.wait_for_status(id, key, "sent", 30s);
  ASSERT_EQ(m.value("status", ""), "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], "01FC66621XXXXX119Z8PMV1QPQ");
  EXPECT_EQ(sinch.posts(), 1) << "the message was sent twice";
  EXPECT_EQ(sinch.lookups(id), 1);
  bool lease_expired = false;
  for (const auto& e : m["events"]) {
    lease_expired |= e.value("detail", "").find("lease expired") != std::string::npos;
  }
  EXPECT_TRUE(lease_expired) << m.dump();
}

// A gateway on the fake Sinch with a 300 ms timeout, and one message sent through it.
class SinchLostAnswerTest : public ::testing::Test {
 protected:
  // Sends "hello sinch" and waits until it is sent; returns the message.
  json send_until_sent() {
    gw_ = std::make_unique<TestGateway>(Backend::kSqlite, sinch_toml(fake_.base_url(), 300));
    key_ = gw_->create_key("acme");
    gw_->start();
    id_ = send_hello(*gw_, key_);
    return id_.empty() ? json() : gw_->wait_for_status(id_, key_, "sent", 30s);
  }

  FakeProvider fake_;
  std::optional<OneBatchSinch> sinch_;
  std::unique_ptr<TestGateway> gw_;
  std::string key_;
  std::string id_;
};

// Sinch accepts the batch but its answer arrives after the connector's timeout (found by
// tests/faults/chaos_provider.py: the retry created a second batch). The retry must list batches
// by client_reference first, find the one the first attempt created, and send nothing.
TEST_F(SinchLostAnswerTest, ATimedOutSendThatWasAcceptedIsNotSentAgain) {
  sinch_.emplace(fake_, [](FakeReply& reply) {
    reply.delay_ms = 1500;  // accepted, but answered after the 300 ms timeout
  });
  json m = send_until_sent();
  ASSERT_EQ(m.value("status", ""), "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], "01FC66621XXXXX119Z8PMV1QPQ");
  EXPECT_EQ(m["attempts"], 2);
  EXPECT_EQ(sinch_->posts(), 1) << "the message was sent twice";
  EXPECT_EQ(sinch_->lookups(id_), 1);
}

// The other side: the timed-out attempt never created a batch (the lookup finds none), so the
// retry sends it.
TEST_F(SinchLostAnswerTest, ATimedOutSendThatWasNotAcceptedIsSentAgain) {
  FakeReply hung{503, "{}"};
  hung.delay_ms = 1500;  // nothing created, and no answer within the 300 ms timeout
  fake_.push(hung);
  fake_.push({200, kNoBatches});
  fake_.push({201, kAccepted});
  json m = send_until_sent();
  ASSERT_EQ(m.value("status", ""), "sent") << m.dump();
  const auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_NE(reqs[1].target.find("client_reference=" + id_), std::string::npos);
  EXPECT_EQ(reqs[2].method, "POST");
}

}  // namespace
}  // namespace sb::test
