// VoiceMeUp through the real binary: a fake VoiceMeUp on loopback answers queue_sms the way the
// provider does (bodies: ../shared/reference/providers.md "VoiceMeUp"; error shape and codes as in
// the roomkit SDK's tests, see tests/unit/providers/voicemeup_test.cc), and messages must end in
// the right state with the right number of provider requests.
#include <gtest/gtest.h>

#include "providers/transport/http_util.h"
#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kFrom = "+15145551234";

std::string success_body(const std::string& hash) {
  return R"({"response_details":{"response_status":"success","response_messages":{"message":[)"
         R"({"code":"queued_sms_hash","_content":")" +
         hash + R"("}]}}})";
}

std::string field(const RecordedRequest& r, const std::string& key) {
  for (const auto& [k, v] : sb::form_decode(r.body)) {
    if (k == key) return v;
  }
  return "<absent>";
}

class VoiceMeUpProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gw_ = std::make_unique<TestGateway>(
        Backend::kSqlite,
        "[[connectors]]\nid = \"vmu\"\nprovider = \"voicemeup\"\nbase_url = \"" + fake_.base_url() +
            "\"\nusername = \"acme-api\"\nauth_token = \"tok_123\"\ntimeout_ms = 2000\n"
            "[[numbers]]\nnumber = \"" +
            kFrom + "\"\naccount = \"acme\"\nconnector = \"vmu\"\n");
    key_ = gw_->create_key("acme");
    gw_->start();
  }
  std::string send(const json& extra) {
    json body = {{"from", kFrom}, {"to", "+15145559999"}};
    body.update(extra);
    auto r = gw_->post_json("/v1/messages", key_, body);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.json.value("id", "");
  }

  FakeProvider fake_;
  std::unique_ptr<TestGateway> gw_;
  std::string key_;
};

TEST_F(VoiceMeUpProviderTest, MessageIsSentWithTheQueuedHash) {
  fake_.push({200, success_body("ce650cb8-1c2d-a751-d397-31b901ec4efd")});
  const std::string id = send({{"body", "Hello via VoiceMeUp"}});
  json m = gw_->wait_for_status(id, key_, "sent");
  EXPECT_EQ(m["status"], "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], "ce650cb8-1c2d-a751-d397-31b901ec4efd");
  EXPECT_EQ(m["connector"], "vmu");
  ASSERT_EQ(fake_.request_count(), 1u);
  const auto req = fake_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/api/v1.1/json/queue_sms");
  EXPECT_EQ(req.header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(sb::form_decode(req.body),
            (sb::FormFields{{"username", "acme-api"},
                                   {"auth_token", "tok_123"},
                                   {"source_number", "15145551234"},
                                   {"destination_number", "15145559999"},
                                   {"message", "Hello via VoiceMeUp"}}));
}

TEST_F(VoiceMeUpProviderTest, RateLimitedThenAcceptedIsSentOnce) {
  fake_.push({429, "", "text/plain", {{"Retry-After", "0"}}});
  fake_.push({200, success_body("h-after-429")});
  const std::string id = send({{"body", "throttled once"}});
  json m = gw_->wait_for_status(id, key_, "sent");
  EXPECT_EQ(m["status"], "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], "h-after-429");
  EXPECT_EQ(m["attempts"], 2);
  // Nothing more arrives later: exactly two send requests, one message.
  wait_until([] { return false; }, 300ms);
  EXPECT_EQ(fake_.request_count(), 2u);
}

TEST_F(VoiceMeUpProviderTest, InvalidNumberFailsWithTheProvidersCode) {
  fake_.push(
      {400, R"({"response_details":{"response_status":"error","response_messages":{"message":)"
            R"({"code":"invalid_destination_number","_content":"Invalid destination number"}}}})"});
  const std::string id = send({{"body", "to nowhere"}});
  json m = gw_->wait_for_status(id, key_, "failed");
  EXPECT_EQ(m["status"], "failed") << m.dump();
  EXPECT_EQ(m["error_code"], "invalid_destination_number");
  EXPECT_EQ(m["error_message"], "Invalid destination number");
  EXPECT_EQ(fake_.request_count(), 1u);
}

TEST_F(VoiceMeUpProviderTest, LongBodyIsThreeRequestsAndOneMessage) {
  fake_.push({200, success_body("p1")});
  fake_.push({200, success_body("p2")});
  fake_.push({200, success_body("p3")});
  std::string body;
  for (int i = 0; body.size() < 2500; ++i) body += "sentence number " + std::to_string(i) + ". ";
  body.resize(1500);  // the API caps bodies at 1600 characters; 1500 still needs two requests
  const std::string id = send({{"body", body}});
  json m = gw_->wait_for_status(id, key_, "sent");
  EXPECT_EQ(m["provider_message_id"], "p1") << m.dump();
  ASSERT_EQ(fake_.request_count(), 2u);
  const auto reqs = fake_.requests();
  EXPECT_EQ(field(reqs[0], "message") + field(reqs[1], "message"), body);
  bool parts_recorded = false;
  for (const auto& e : m["events"]) {
    if (e["status"] == "sent" && e["provider_status"] == "queued parts=p1,p2")
      parts_recorded = true;
  }
  EXPECT_TRUE(parts_recorded) << m["events"].dump();
}

TEST_F(VoiceMeUpProviderTest, ThreeMediaUrlsAreThreeRequestsAndOneMessage) {
  fake_.push({200, success_body("m1")});
  fake_.push({200, success_body("m2")});
  fake_.push({200, success_body("m3")});
  const json media = {"https://media.example/1.jpg", "https://media.example/2.jpg",
                      "https://media.example/3.jpg"};
  const std::string id = send({{"body", "three photos"}, {"media_urls", media}});
  json m = gw_->wait_for_status(id, key_, "sent");
  EXPECT_EQ(m["provider_message_id"], "m1") << m.dump();
  ASSERT_EQ(fake_.request_count(), 3u);
  const auto reqs = fake_.requests();
  EXPECT_EQ(field(reqs[0], "message"), "three photos");
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(field(reqs[i], "attachment"), media[i]);
  EXPECT_EQ(field(reqs[1], "message"), "<absent>");
}

TEST_F(VoiceMeUpProviderTest, AFailureMidwayIsRetriedWithoutResendingAcceptedParts) {
  fake_.push({200, success_body("m1")});
  fake_.push({503, "maintenance", "text/plain"});
  fake_.push({200, success_body("m2")});
  const json media = {"https://media.example/1.jpg", "https://media.example/2.jpg"};
  const std::string id = send({{"media_urls", media}});
  json m = gw_->wait_for_status(id, key_, "sent");
  EXPECT_EQ(m["provider_message_id"], "m1") << m.dump();
  ASSERT_EQ(fake_.request_count(), 3u);
  const auto reqs = fake_.requests();
  EXPECT_EQ(field(reqs[0], "attachment"), media[0]);
  EXPECT_EQ(field(reqs[1], "attachment"), media[1]);
  EXPECT_EQ(field(reqs[2], "attachment"), media[1]);  // only the failed part again
}

}  // namespace
}  // namespace sb::test
