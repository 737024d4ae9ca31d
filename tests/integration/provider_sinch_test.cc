// Sinch connector end to end: the real binary sends through a fake Sinch xms API on loopback.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sb::test
