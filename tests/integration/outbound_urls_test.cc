// The outbound URL policy on every URL an app gives the gateway to call (docs/operations.md):
// status callbacks, forwarding targets, numbers' default callbacks and their Twilio-format twins.
// Address literals and local names pointing inward are refused at the API (422 url_refused, the
// field named); hostnames that resolve inward are refused when called, without connecting and
// without retries; redirects are never followed; [network] outbound_allow admits what is meant.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/crypto.h"
#include "core/form.h"
#include "store/store.h"
#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;

std::string port_of(const std::string& base_url) {
  return base_url.substr(base_url.rfind(':') + 1);
}

class OutboundUrlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Nothing beyond the public internet, except the one fake app the allow test names.
    gw_ = std::make_unique<TestGateway>(
        Backend::kSqlite, "[network]\noutbound_allow = [\"127.0.0.1:" + port_of(app_.base_url()) +
                              "\"]\n");
    key_ = gw_->create_key("acme");
    auto r = run_command({switchboard_bin(), "twilio-credentials", "--account", "acme", "--json",
                          "--config", gw_->config_path()});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const json c = json::parse(r.out.substr(r.out.rfind('{')));
    sid_ = c.at("account_sid");
    twilio_auth_ = "Basic " + crypto::base64(sid_ + ":" + c.at("auth_token").get<std::string>());
    gw_->start();
  }

  HttpResult twilio(const std::string& path, const std::string& form) {
    return gw_->request("POST", "/2010-04-01/Accounts/" + sid_ + path, "", form,
                        {{"Authorization", twilio_auth_},
                         {"Content-Type", "application/x-www-form-urlencoded"}});
  }

  std::string number_sid() {
    auto r = gw_->request("GET", "/2010-04-01/Accounts/" + sid_ + "/IncomingPhoneNumbers.json", "",
                          "", {{"Authorization", twilio_auth_}});
    for (const auto& n : r.json["incoming_phone_numbers"]) {
      if (n["phone_number"] == "+12025550100") return n["sid"];
    }
    return {};
  }

  // The deliveries of a message once every one has ended.
  json settled_deliveries(const std::string& id) {
    json out;
    wait_until(
        [&] {
          out = gw_->get("/v1/messages/" + id + "/deliveries", key_).json["data"];
          if (out.empty()) return false;
          for (const auto& d : out) {
            if (d["state"] == "pending") return false;
          }
          return true;
        },
        std::chrono::seconds(20));
    return out;
  }

  FakeProvider app_;    // an allowed app (by its port)
  FakeProvider other_;  // a loopback app on a port nothing allows
  std::unique_ptr<TestGateway> gw_;
  std::string key_, sid_, twilio_auth_;
};

TEST_F(OutboundUrlsTest, InwardAddressesAreRefusedAtTheApiForEveryUrlField) {
  const std::string sms = number_sid();
  ASSERT_FALSE(sms.empty());
  for (const std::string& url :
       {std::string("http://169.254.169.254/latest/meta-data"), std::string("http://127.0.0.1/cb"),
        "http://127.0.0.1:" + port_of(other_.base_url()) + "/cb", std::string("http://10.1.2.3/cb"),
        std::string("http://[::1]/cb"), std::string("http://[::ffff:127.0.0.1]/cb"),
        std::string("http://192.168.1.1/cb"), std::string("http://localhost/cb"),
        std::string("http://metadata.google.internal/computeMetadata/v1/")}) {
    SCOPED_TRACE(url);
    auto send = gw_->post_json("/v1/messages", key_,
                               {{"to", "+12025550123"}, {"body", "hi"}, {"status_callback", url}});
    EXPECT_EQ(send.status, 422) << send.body;
    EXPECT_EQ(send.json["error"]["code"], "url_refused");
    EXPECT_EQ(send.json["error"]["field"], "status_callback");
    auto fwd = gw_->request("PATCH", "/v1/numbers/%2B12025550100", key_,
                            json{{"forwarding", {{"url", url}}}}.dump());
    EXPECT_EQ(fwd.status, 422) << fwd.body;
    EXPECT_EQ(fwd.json["error"]["code"], "url_refused");
    EXPECT_EQ(fwd.json["error"]["field"], "forwarding.url");
    auto cb = gw_->request("PATCH", "/v1/numbers/%2B12025550100", key_,
                           json{{"status_callback", url}}.dump());
    EXPECT_EQ(cb.status, 422) << cb.body;
    EXPECT_EQ(cb.json["error"]["field"], "status_callback");
    // The Twilio-compatible API answers in Twilio's terms.
    const std::string encoded = form_encode({{"StatusCallback", url}});
    auto tw = twilio("/Messages.json", "To=%2B12025550123&From=%2B12025550100&Body=hi&" + encoded);
    EXPECT_EQ(tw.status, 400) << tw.body;
    EXPECT_EQ(tw.json["code"], 21609);
    auto tw_sms = twilio("/IncomingPhoneNumbers/" + sms + ".json", form_encode({{"SmsUrl", url}}));
    EXPECT_EQ(tw_sms.status, 400) << tw_sms.body;
    EXPECT_EQ(tw_sms.json["code"], 21502);
  }
  // Nothing was stored or called.
  EXPECT_EQ(gw_->get("/v1/messages", key_).json["data"].size(), 0u);
  EXPECT_EQ(other_.request_count(), 0u);
  auto n = gw_->get("/v1/numbers/%2B12025550100", key_);
  EXPECT_TRUE(n.json["forwarding"].is_null());
  EXPECT_TRUE(n.json["status_callback"].is_null());
}

// A hostname is only resolved, and its addresses only trusted, when the gateway calls it; so a
// URL that is already stored (by an earlier version, or an instance with a looser policy) and
// names a host resolving inward is refused at that moment: without connecting, never retried.
TEST_F(OutboundUrlsTest, AHostnameResolvingInwardIsRefusedWhenCalledAndNeverRetried) {
  const std::string url = "http://localhost:" + port_of(other_.base_url()) + "/cb";
  ASSERT_EQ(gw_->terminate(), 0);
  {
    SystemClock clock;
    auto st = store::open_store(gw_->database_url(), clock);
    ASSERT_TRUE(st.ok()) << st.error().message;
    NumberSettingsUpdate u;
    u.set_forwarding = true;
    u.forward_url = url;
    u.set_status_callback = true;
    u.status_callback = url;
    auto stored = (*st)->accounts().update_number_settings("acme", "+12025550100", u, 1);
    ASSERT_TRUE(stored.ok() && stored->has_value());
  }
  gw_->start();
  // A message from the number inherits its status callback; an inbound one is forwarded.
  auto send = gw_->post_json("/v1/messages", key_,
                             {{"to", "+12025550123"}, {"from", "+12025550100"}, {"body", "hi"}});
  ASSERT_EQ(send.status, 202) << send.body;
  gw_->wait_for_status(send.json["id"], key_, "delivered");
  auto in = gw_->post_json("/v1/sim/inbound", key_,
                           {{"from", "+12025550124"}, {"to", "+12025550100"}, {"body", "hello"}});
  ASSERT_EQ(in.status, 201) << in.body;
  const std::string in_id = gw_->get("/v1/messages?direction=inbound", key_).json["data"][0]["id"];
  for (const std::string& id : {send.json["id"].get<std::string>(), in_id}) {
    auto deliveries = settled_deliveries(id);
    ASSERT_FALSE(deliveries.empty()) << id;
    for (const auto& d : deliveries) {
      EXPECT_EQ(d["state"], "failed") << d.dump();
      EXPECT_EQ(d["attempt_count"], 1) << "a refusal is never retried: " << d.dump();
      EXPECT_NE(d["last_error"].get<std::string>().find("url_refused"), std::string::npos)
          << d.dump();
    }
  }
  EXPECT_EQ(other_.request_count(), 0u) << "something connected to the inward address";
  EXPECT_NE(gw_->server_log().find("refused: url_refused"), std::string::npos);
}

TEST_F(OutboundUrlsTest, RedirectsAreNotFollowedAndTheAllowListAdmitsWhatIsMeant) {
  // The allowed app answers with a redirect to another loopback port: never followed.
  app_.set_responder([&](const RecordedRequest&) {
    FakeReply r;
    r.status = 302;
    r.headers = {{"Location", other_.base_url() + "/stolen"}};
    return r;
  });
  auto send = gw_->post_json(
      "/v1/messages", key_,
      {{"to", "+12025550123"}, {"body", "hi"}, {"status_callback", app_.base_url() + "/cb"}});
  ASSERT_EQ(send.status, 202) << send.body;
  ASSERT_TRUE(app_.wait_for_requests(1, std::chrono::seconds(10)));
  EXPECT_EQ(app_.requests()[0].target, "/cb");
  gw_->wait_for_status(send.json["id"], key_, "delivered");
  EXPECT_EQ(other_.request_count(), 0u) << "a redirect target was called";

  // The allow-list names the port, so the allowed app gets the callbacks once it answers 200.
  app_.set_responder([](const RecordedRequest&) { return FakeReply{}; });
  auto ok = gw_->post_json(
      "/v1/messages", key_,
      {{"to", "+12025550124"}, {"body", "hi"}, {"status_callback", app_.base_url() + "/ok"}});
  ASSERT_EQ(ok.status, 202) << ok.body;
  gw_->wait_for_status(ok.json["id"], key_, "delivered");
  wait_until(
      [&] {
        size_t n = 0;
        for (const auto& r : app_.requests()) n += r.target == "/ok";
        return n >= 3;  // queued/sent/delivered (at least)
      },
      std::chrono::seconds(20));
}

}  // namespace
}  // namespace sb::test
