// Telnyx connector end to end: the real binary sends through a fake Telnyx API on loopback.
#include <gtest/gtest.h>

#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// POST /v2/messages answer, shape from Telnyx's OpenAPI spec (team-telnyx/openapi spec3.json;
// shared/reference/payloads/telnyx-POST-v2-messages-response.json), trimmed.
constexpr const char* kAccepted = R"({"data": {"record_type": "message", "direction": "outbound",
  "id": "40385f64-5717-4562-b3fc-2c963f66afa6", "type": "SMS",
  "from": {"phone_number": "+12025550160", "carrier": "TELNYX LLC", "line_type": "VoIP"},
  "to": [{"phone_number": "+14155550123", "status": "queued", "carrier": "T-MOBILE USA, INC.",
          "line_type": "Wireless"}],
  "text": "hello telnyx", "media": [], "encoding": "GSM-7", "parts": 1, "errors": []}})";
// Error envelopes from developers.telnyx.com (API errors 10011; messaging error 40310).
constexpr const char* kTooMany = R"({"errors": [{"code": "10011", "title": "Too many requests",
  "detail": "You have exceeded the maximum number of allowed requests."}]})";
constexpr const char* kInvalidTo = R"({"errors": [{"code": "40310", "title": "Invalid 'to' address",
  "detail": "The 'to' address should be a single valid number.", "source": {"pointer": "/to"}}]})";

constexpr const char* kFrom = "+12025550160";

class TelnyxProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gw_ = std::make_unique<TestGateway>(
        Backend::kSqlite,
        "[[connectors]]\nid = \"telnyx\"\nprovider = \"telnyx\"\nbase_url = \"" + fake_.base_url() +
            "\"\napi_key = \"KEY0123456789ABCDEF_test\"\n"
            "messaging_profile_id = \"4000eba1-a0c0-4563-9925-b25e842a7cb6\"\n"
            "timeout_ms = 2000\nmax_concurrency = 4\n"
            "[[numbers]]\nnumber = \"" +
            kFrom + "\"\naccount = \"acme\"\nconnector = \"telnyx\"\nthroughput = 0\n");
    key_ = gw_->create_key("acme");
    gw_->start();
  }

  std::string send(const std::string& to) {
    auto r = gw_->post_json("/v1/messages", key_,
                            {{"from", kFrom}, {"to", to}, {"body", "hello telnyx"}});
    EXPECT_EQ(r.status, 202) << r.body;
    return r.json.value("id", "");
  }

  FakeProvider fake_;
  std::unique_ptr<TestGateway> gw_;
  std::string key_;
};

TEST_F(TelnyxProviderTest, MessageReachesSentWithTelnyxId) {
  fake_.push({200, kAccepted});
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "sent");
  ASSERT_EQ(m.value("status", ""), "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], "40385f64-5717-4562-b3fc-2c963f66afa6");
  EXPECT_EQ(m["connector"], "telnyx");
  ASSERT_EQ(fake_.request_count(), 1u);
  const auto req = fake_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v2/messages");
  EXPECT_EQ(req.header("authorization"), "Bearer KEY0123456789ABCDEF_test");
  const json body = json::parse(req.body);
  EXPECT_EQ(body["from"], kFrom);
  EXPECT_EQ(body["to"], "+14155550123");
  EXPECT_EQ(body["text"], "hello telnyx");
  EXPECT_EQ(body["type"], "SMS");
  EXPECT_EQ(body["messaging_profile_id"], "4000eba1-a0c0-4563-9925-b25e842a7cb6");
  const std::string hook = body["webhook_url"];
  EXPECT_EQ(hook.substr(hook.size() - std::string("/webhooks/telnyx").size()), "/webhooks/telnyx");
}

TEST_F(TelnyxProviderTest, ThrottledThenAcceptedIsSentOnce) {
  fake_.push({429, kTooMany, "application/json", {{"Retry-After", "1"}}});
  fake_.push({200, kAccepted});
  const auto start = std::chrono::steady_clock::now();
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "sent");
  ASSERT_EQ(m.value("status", ""), "sent") << m.dump();
  ASSERT_TRUE(fake_.wait_for_requests(2, 5s));
  const auto reqs = fake_.requests();
  // Retry-After: 1 was honoured: the second attempt came a second after the first.
  EXPECT_GE(reqs[1].at - reqs[0].at, 900ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  wait_until([] { return false; }, 300ms);
  EXPECT_EQ(fake_.request_count(), 2u);
  int sent_events = 0;
  for (const auto& e : m["events"]) {
    if (e["status"] == "sent" && e["applied"].get<bool>()) ++sent_events;
  }
  EXPECT_EQ(sent_events, 1);
  EXPECT_EQ(m["provider_message_id"], "40385f64-5717-4562-b3fc-2c963f66afa6");
}

TEST_F(TelnyxProviderTest, InvalidNumberFailsWithTelnyxCode) {
  fake_.push({400, kInvalidTo});
  const std::string id = send("+14155550199");
  json m = gw_->wait_for_status(id, key_, "failed");
  ASSERT_EQ(m.value("status", ""), "failed") << m.dump();
  EXPECT_EQ(m["error_code"], "40310");
  EXPECT_NE(m["error_message"].get<std::string>().find("Invalid 'to' address"), std::string::npos);
  wait_until([] { return false; }, 200ms);
  EXPECT_EQ(fake_.request_count(), 1u);  // permanent: not retried
}

}  // namespace
}  // namespace sb::test
