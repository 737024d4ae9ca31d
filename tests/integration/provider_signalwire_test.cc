// SignalWire through the real binary: a [[connectors]] table whose base_url points at a loopback
// fake space (LaML by default, REST with api = "rest"), one number of account acme on it.
// Reply bodies: SignalWire's Compatibility API Message Object sample and error model
// (see tests/unit/providers/signalwire_test.cc for sources).
#include <gtest/gtest.h>

#include <algorithm>

#include "providers/transport/http_util.h"
#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kProject[] = "ea108133-d6b3-407c-9536-9fad8a929a6a";
constexpr char kFrom[] = "+12025550160";
constexpr char kSid[] = "0a059168-ead0-41af-9d1f-343dae832527";
constexpr char kLamlMessage[] =
    R"({"account_sid": "ea108133-d6b3-407c-9536-9fad8a929a6a", "api_version": "2010-04-01",
        "body": "hello", "num_segments": 1, "num_media": 0,
        "date_created": "Mon, 13 Aug 2018 21:38:46 +0000", "date_sent": null,
        "date_updated": "Mon, 13 Aug 2018 21:38:46 +0000", "direction": "outbound-api",
        "error_code": null, "error_message": null, "from": "+12025550160", "price": null,
        "price_unit": "USD", "sid": "0a059168-ead0-41af-9d1f-343dae832527", "status": "queued",
        "to": "+14155550123", "messaging_service_sid": null,
        "uri": "/api/laml/2010-04-01/Accounts/ea108133-d6b3-407c-9536-9fad8a929a6a/Messages/0a059168-ead0-41af-9d1f-343dae832527"})";

class SignalWireProviderTest : public ::testing::Test {
 protected:
  void start(const std::string& api) {
    gw_ = std::make_unique<TestGateway>(
        Backend::kSqlite,
        "[[connectors]]\nid = \"sw\"\nprovider = \"signalwire\"\nbase_url = \"" + fake_.base_url() +
            "\"\ntimeout_ms = 2000\nspace_url = \"example.signalwire.com\"\nproject_id = \"" +
            kProject + "\"\napi_token = \"PTda745ebXXXXXXXXXXXXXXXXXXXXXX\"\napi = \"" + api +
            "\"\n[[numbers]]\nnumber = \"" + kFrom +
            "\"\naccount = \"acme\"\nconnector = \"sw\"\n");
    key_ = gw_->create_key("acme");
    gw_->start();
  }

  std::string send(const std::string& to) {
    auto r = gw_->post_json("/v1/messages", key_, {{"to", to}, {"from", kFrom}, {"body", "hello"}});
    EXPECT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.json["connector"], "sw");
    return r.json.value("id", "");
  }

  std::string laml_messages() const {
    return "/api/laml/2010-04-01/Accounts/" + std::string(kProject) + "/Messages.json";
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

TEST_F(SignalWireProviderTest, LamlMessageReachesSentWithSignalWiresSid) {
  start("laml");
  fake_.set_responder([](const RecordedRequest&) { return FakeReply{201, kLamlMessage}; });
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "sent");
  ASSERT_EQ(m["status"], "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], kSid);

  auto reqs = sends();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, laml_messages());
  EXPECT_EQ(reqs[0].header("authorization"),
            "Basic "
            "ZWExMDgxMzMtZDZiMy00MDdjLTk1MzYtOWZhZDhhOTI5YTZhOlBUZGE3NDVlYlhYWFhYWFhYWFhYWFhYWFhYWF"
            "hYWFg=");
  EXPECT_EQ(reqs[0].header("content-type"), "application/x-www-form-urlencoded");
  auto fields = sb::form_decode(reqs[0].body);
  ASSERT_EQ(fields.size(), 4u) << reqs[0].body;
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"To", "+14155550123"}));
  EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"From", kFrom}));
  EXPECT_EQ(fields[2], (std::pair<std::string, std::string>{"Body", "hello"}));
  EXPECT_EQ(fields[3].first, "StatusCallback");
  EXPECT_TRUE(fields[3].second.ends_with("/webhooks/sw")) << fields[3].second;
}

TEST_F(SignalWireProviderTest, LamlA429IsRetriedAndSentOnce) {
  start("laml");
  fake_.push({429,
              R"({"code": 20429, "message": "Too Many Requests", "status": 429})",
              "application/json",
              {{"Retry-After", "1"}}});
  fake_.set_responder([](const RecordedRequest&) { return FakeReply{201, kLamlMessage}; });
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "sent");
  ASSERT_EQ(m["status"], "sent") << m.dump();
  wait_until([] { return false; }, 300ms);  // a duplicate would show up by now
  auto reqs = sends();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].body, reqs[1].body);
  EXPECT_GE(reqs[1].at - reqs[0].at, 900ms);  // Retry-After honoured
  int sent = 0;
  for (const auto& e : m["events"]) sent += e["applied"].get<bool>() && e["status"] == "sent";
  EXPECT_EQ(sent, 1);
}

TEST_F(SignalWireProviderTest, LamlA400InvalidNumberFailsWithSignalWiresCode) {
  start("laml");
  fake_.set_responder([](const RecordedRequest& req) {
    if (req.method != "POST") return FakeReply{200, kLamlMessage};  // lookups, health checks
    return FakeReply{
        400,
        R"({"code": 21217, "message": "A call or SMS is placed to a destination which does not represent a valid phone number", "more_info": "https://developer.signalwire.com/compatibility-api/reference/error-codes", "status": 400})"};
  });
  const std::string id = send("+14155550123");
  json m = gw_->wait_for_status(id, key_, "failed");
  ASSERT_EQ(m["status"], "failed") << m.dump();
  EXPECT_EQ(m["error_code"], "21217");
  EXPECT_EQ(sends().size(), 1u);
}

TEST_F(SignalWireProviderTest, RestMessageReachesSentAndA422Fails) {
  start("rest");
  fake_.push({201, R"({"id": "8e1b7a3c-5b1d-4e9e-9d4c-2f6b9f0c1a11", "status": "queued",
                      "kind": "sms", "number_of_segments": 1})"});
  fake_.push({422, R"({"errors": [{"type": "validation_error", "code": "invalid_parameter",
                      "message": "To is not a valid phone number", "attribute": "to",
                      "url": "https://developer.signalwire.com/rest/overview/error-codes"}]})"});
  const std::string ok_id = send("+14155550123");
  json m = gw_->wait_for_status(ok_id, key_, "sent");
  ASSERT_EQ(m["status"], "sent") << m.dump();
  EXPECT_EQ(m["provider_message_id"], "8e1b7a3c-5b1d-4e9e-9d4c-2f6b9f0c1a11");
  auto req = sends().at(0);
  EXPECT_EQ(req.target, "/api/messaging/messages");
  EXPECT_EQ(req.header("content-type"), "application/json");
  const json body = json::parse(req.body);
  EXPECT_EQ(body["to"], "+14155550123");
  EXPECT_EQ(body["from"], kFrom);
  EXPECT_EQ(body["body"], "hello");
  EXPECT_TRUE(body["status_callback"].get<std::string>().ends_with("/webhooks/sw"));

  const std::string bad_id = send("+14155550124");
  m = gw_->wait_for_status(bad_id, key_, "failed");
  ASSERT_EQ(m["status"], "failed") << m.dump();
  EXPECT_EQ(m["error_code"], "invalid_parameter");
  EXPECT_EQ(m["error_message"], "To is not a valid phone number");
}

}  // namespace
}  // namespace sb::test
