// Sender pools against the real binary (docs/pools.md): /v1/pools and its errors, a message that
// names a pool instead of `from` getting a sender that takes turns with the others, keeps its
// recipient (sticky) and matches the recipient's area code or country (geomatch); the message
// records its pool and leaves through the simulated carrier; failover between two providers.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/clock.h"
#include "core/form.h"
#include "support/fake_provider.h"
#include "support/api_error.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;

// acme's numbers on the simulated carrier: +12025550100 (SMS and MMS), +12025550101 (SMS only),
// and these; other's is +12025550199.
constexpr const char* kSf = "+14155550177";
constexpr const char* kOttawa = "+16135550100";

std::string pool_numbers_toml() {
  return std::string("[[numbers]]\nnumber = \"") + kSf +
         "\"\naccount = \"acme\"\nconnector = \"sim\"\n[[numbers]]\nnumber = \"" + kOttawa +
         "\"\naccount = \"acme\"\nconnector = \"sim\"\n";
}

class PoolsTest : public testing::Test {
 protected:
  void SetUp() override {
    gw_ = std::make_unique<TestGateway>(Backend::kSqlite, pool_numbers_toml());
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }
  HttpResult send(const json& body) { return gw_->post_json("/v1/messages", acme_, body); }

  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

TEST_F(PoolsTest, BadDefinitionsAreRefusedNamingTheField) {
  expect_error(gw_->post_json("/v1/pools", acme_, {{"numbers", {"+12025550100"}}}), 400,
               "missing_field", "name");
  expect_error(gw_->post_json("/v1/pools", acme_, {{"name", "x"}}), 400, "missing_field",
               "numbers");
  expect_error(gw_->post_json("/v1/pools", acme_, {{"name", "-x"}, {"numbers", {"+12025550100"}}}),
               422, "invalid_name", "name");
  expect_error(gw_->post_json("/v1/pools", acme_, {{"name", "x"}, {"numbers", json::array()}}),
               422, "invalid_numbers", "numbers");
  expect_error(gw_->post_json("/v1/pools", acme_,
                              {{"name", "x"}, {"numbers", {"+12025550100", "+12025550199"}}}),
               422, "number_not_owned", "numbers[1]");  // other's number
  expect_error(gw_->post_json("/v1/pools", acme_,
                              {{"name", "x"}, {"numbers", {"+12025550100", "(202) 555-0100"}}}),
               422, "duplicate_number", "numbers[1]");
  expect_error(gw_->post_json("/v1/pools", acme_, {{"name", "x"}, {"numbers", "+12025550100"}}),
               400, "invalid_type", "numbers");
  expect_error(gw_->post_json("/v1/pools", acme_,
                              {{"name", "x"}, {"numbers", {"+12025550100"}}, {"sticky", "yes"}}),
               400, "invalid_type", "sticky");
  expect_error(gw_->post_json("/v1/pools", acme_,
                              {{"name", "x"}, {"numbers", {"+12025550100"}}, {"colour", "red"}}),
               400, "unknown_field", "colour");

  ASSERT_EQ(gw_->post_json("/v1/pools", acme_, {{"name", "x"}, {"numbers", {"+12025550100"}}})
                .status,
            201);
  expect_error(gw_->post_json("/v1/pools", acme_, {{"name", "x"}, {"numbers", {kSf}}}), 409,
               "name_taken", "name");
  // Another account's pool does not exist for acme, and acme's none for it.
  ASSERT_EQ(gw_->post_json("/v1/pools", other_, {{"name", "x"}, {"numbers", {"+12025550199"}}})
                .status,
            201);
  EXPECT_EQ(gw_->get("/v1/pools", acme_).json["data"].size(), 1u);
  const std::string others = gw_->get("/v1/pools/x", other_).json["id"];
  EXPECT_EQ(gw_->get("/v1/pools/" + others, acme_).status, 404);
  EXPECT_EQ(gw_->request("DELETE", "/v1/pools/" + others, acme_).status, 404);
}

TEST_F(PoolsTest, PooledMessagesTakeTurnsKeepTheirSenderAndRecordThePool) {
  auto made = gw_->post_json(
      "/v1/pools", acme_,
      {{"name", "reminders"}, {"numbers", {"+12025550100", "+12025550101", kSf}},
       {"geomatch", false}});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string pool = made.json["id"];
  EXPECT_EQ(pool.rfind("pool_", 0), 0u);
  EXPECT_EQ(made.json["sticky"], true);

  // Six recipients: each number sends to two.
  std::map<std::string, int> per_sender;
  std::map<std::string, std::string> sender_of;
  std::string first_id;
  for (int i = 0; i < 6; ++i) {
    const std::string to = "+1212555014" + std::to_string(i);
    auto r = send({{"pool", "reminders"}, {"to", to}, {"body", "Your appointment is tomorrow"}});
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.json["pool"], pool);
    ++per_sender[r.json["from"]];
    sender_of[to] = r.json["from"];
    if (first_id.empty()) first_id = r.json["id"];
  }
  EXPECT_EQ(per_sender,
            (std::map<std::string, int>{{"+12025550100", 2}, {"+12025550101", 2}, {kSf, 2}}));
  // Sticky: each recipient hears from the same number again, by the pool's id too.
  for (const auto& [to, from] : sender_of) {
    auto again = send({{"pool", pool}, {"to", to}, {"body", "Reminder: tomorrow at 9"}});
    ASSERT_EQ(again.status, 202) << again.body;
    EXPECT_EQ(again.json["from"], from) << to;
  }
  // The message went out through the simulated carrier and still names its pool.
  const json delivered = gw_->wait_for_status(first_id, acme_, "delivered");
  EXPECT_EQ(delivered["pool"], pool);

  // MMS only from a number that can carry it; a message names `from` or `pool`, never both.
  auto mms = send({{"pool", pool},
                   {"to", "+12125550199"},
                   {"media_urls", {"https://example.com/card.png"}}});
  ASSERT_EQ(mms.status, 202) << mms.body;
  EXPECT_EQ(mms.json["from"], "+12025550100");
  ASSERT_EQ(gw_->request("PATCH", "/v1/pools/reminders", acme_,
                         json({{"numbers", {"+12025550101"}}}).dump())
                .status,
            200);
  expect_error(send({{"pool", pool}, {"to", "+12125550198"},
                     {"media_urls", {"https://example.com/card.png"}}}),
               422, "no_capable_sender", "pool");
  expect_error(send({{"pool", pool}, {"from", "+12025550100"}, {"to", "+12125550198"},
                     {"body", "x"}}),
               422, "conflicting_fields", "pool");
  expect_error(send({{"pool", "nope"}, {"to", "+12125550198"}, {"body", "x"}}), 422,
               "unknown_pool", "pool");

  // Renamed, then deleted: the old name and then the pool are gone; sent messages keep its id.
  auto renamed = gw_->request("PATCH", "/v1/pools/" + pool, acme_,
                              json({{"name", "reminders-2"}, {"sticky", false}}).dump());
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.json["sticky"], false);
  EXPECT_EQ(gw_->get("/v1/pools/reminders", acme_).status, 404);
  EXPECT_EQ(gw_->request("DELETE", "/v1/pools/reminders-2", acme_).status, 200);
  expect_error(send({{"pool", pool}, {"to", "+12125550198"}, {"body", "x"}}), 422,
               "unknown_pool", "pool");
  EXPECT_EQ(gw_->get("/v1/messages/" + first_id, acme_).json["pool"], pool);
}

TEST_F(PoolsTest, GeomatchPrefersTheRecipientsAreaCodeThenCountry) {
  ASSERT_EQ(gw_->post_json("/v1/pools", acme_,
                           {{"name", "local"}, {"numbers", {"+12025550100", kSf, kOttawa}}})
                .status,
            201);
  const std::map<std::string, std::string> expected = {
      {"+14155550123", kSf},             // San Francisco: same area code
      {"+16135550111", kOttawa},         // Ottawa: the Canadian number
      {"+12025550123", "+12025550100"},  // Washington
  };
  for (int round = 0; round < 2; ++round) {
    for (const auto& [to, from] : expected) {
      auto r = send({{"pool", "local"}, {"to", to}, {"body", "hello"}});
      ASSERT_EQ(r.status, 202) << r.body;
      EXPECT_EQ(r.json["from"], from) << to;
    }
  }
  // No sender in the recipient's area: one in its country (the US ones take turns).
  std::map<std::string, int> us;
  for (int i = 0; i < 4; ++i) {
    auto r = send({{"pool", "local"}, {"to", "+1305555012" + std::to_string(i)}, {"body", "hi"}});
    ASSERT_EQ(r.status, 202) << r.body;
    ++us[r.json["from"]];
  }
  EXPECT_EQ(us, (std::map<std::string, int>{{"+12025550100", 2}, {kSf, 2}}));
}

}  // namespace
}  // namespace sb::test

// Failover (docs/pools.md) between two Twilio connectors, each a loopback fake Twilio: a pooled
// message leaves through the pool's other sender when its own is refused by the provider or its
// connector's circuit is open, with a `rerouted` event, and is sent once.
namespace sb::test {
namespace {

constexpr const char* kA = "+12025550150";  // on connector twa
constexpr const char* kB = "+12025550160";  // on connector twb

std::string connectors_toml(const FakeProvider& a, const FakeProvider& b) {
  std::string t;
  for (const auto& [id, fake] : {std::pair{"twa", &a}, std::pair{"twb", &b}}) {
    t += std::string("[[connectors]]\nid = \"") + id + "\"\nprovider = \"twilio\"\nbase_url = \"" +
         fake->base_url() +
         "\"\ntimeout_ms = 2000\naccount_sid = \"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
         "auth_token = \"token\"\n";
  }
  return t + "[[numbers]]\nnumber = \"" + kA + "\"\naccount = \"acme\"\nconnector = \"twa\"\n" +
         "[[numbers]]\nnumber = \"" + kB + "\"\naccount = \"acme\"\nconnector = \"twb\"\n" +
         "[messages]\nmin_schedule_ahead_s = 0\n";
}

std::vector<RecordedRequest> posts(FakeProvider& f) {
  std::vector<RecordedRequest> out;
  for (auto& r : f.requests()) {
    if (r.method == "POST") out.push_back(std::move(r));
  }
  return out;
}

std::string form_field(const RecordedRequest& r, const std::string& name) {
  for (const auto& [k, v] : form_decode(r.body)) {
    if (k == name) return v;
  }
  return "";
}

// The message's `rerouted` events.
std::vector<json> reroutes(const json& message) {
  std::vector<json> out;
  for (const auto& e : message["events"]) {
    if (e["type"] == "rerouted") out.push_back(e);
  }
  return out;
}

class PoolFailoverTest : public testing::Test {
 protected:
  void start() {
    gw_ = std::make_unique<TestGateway>(Backend::kSqlite, connectors_toml(a_, b_));
    key_ = gw_->create_key("acme");
    gw_->start();
    std::atomic<int>* n = &sent_;
    b_.set_responder([n](const RecordedRequest& r) {
      return r.method == "POST" ? twilio_created(r, ++*n) : FakeReply{};
    });
    auto pool = gw_->post_json("/v1/pools", key_,
                               {{"name", "both"}, {"numbers", {kA, kB}}, {"geomatch", false}});
    ASSERT_EQ(pool.status, 201) << pool.body;
  }

  FakeProvider a_, b_;
  std::atomic<int> sent_{0};
  std::unique_ptr<TestGateway> gw_;
  std::string key_;
};

TEST_F(PoolFailoverTest, ASenderTheProviderRefusesHandsItsMessagesToAnotherOnce) {
  a_.set_responder([](const RecordedRequest& r) {
    if (r.method != "POST") return FakeReply{};
    return FakeReply{400, R"({"code": 21606, "message": "The From phone number +12025550150 is )"
                          R"(not a valid message-capable Twilio phone number for this )"
                          R"(destination.", "more_info": "https://www.twilio.com/docs/errors/)"
                          R"(21606", "status": 400})"};
  });
  start();
  // Turns: A, B, A, B.
  std::vector<std::string> ids, tos;
  for (int i = 0; i < 4; ++i) {
    tos.push_back("+1415555012" + std::to_string(i));
    auto r = gw_->post_json("/v1/messages", key_, {{"pool", "both"}, {"to", tos.back()},
                                                  {"body", "hello"}});
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.json["from"], i % 2 ? kB : kA);
    ids.push_back(r.json["id"]);
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const json m = gw_->wait_for_status(ids[i], key_, "sent");
    EXPECT_EQ(m["from"], kB);
    EXPECT_EQ(m["connector"], "twb");
    const auto moved = reroutes(m);
    if (i % 2 == 0) {
      ASSERT_EQ(moved.size(), 1u) << m.dump();
      const std::string detail = moved[0]["detail"];
      EXPECT_NE(detail.find(std::string("rerouted from ") + kA), std::string::npos) << detail;
      EXPECT_NE(detail.find("21606"), std::string::npos) << detail;
    } else {
      EXPECT_TRUE(moved.empty()) << m.dump();
    }
  }
  // A refused two; B sent each message once.
  EXPECT_EQ(posts(a_).size(), 2u);
  std::multiset<std::string> at_b;
  for (const auto& r : posts(b_)) at_b.insert(form_field(r, "To"));
  EXPECT_EQ(at_b, std::multiset<std::string>(tos.begin(), tos.end()));
  // The refused recipients' sender is now B: their next message goes there directly.
  auto again = gw_->post_json("/v1/messages", key_, {{"pool", "both"}, {"to", tos[0]},
                                                    {"body", "again"}});
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(again.json["from"], kB);
  gw_->wait_for_status(again.json["id"], key_, "sent");
  EXPECT_EQ(posts(a_).size(), 2u);

  // Without fallback a pool never moves a message: A's refusal fails it, as for a named sender.
  ASSERT_EQ(gw_->post_json("/v1/pools", key_,
                           {{"name", "fixed"}, {"numbers", {kA, kB}}, {"fallback", false}})
                .status,
            201);
  auto fixed = gw_->post_json("/v1/messages", key_, {{"pool", "fixed"}, {"to", "+14155550129"},
                                                    {"body", "hello"}});
  ASSERT_EQ(fixed.status, 202) << fixed.body;
  ASSERT_EQ(fixed.json["from"], kA);  // the pool's first turn
  const json failed = gw_->wait_for_status(fixed.json["id"], key_, "failed");
  EXPECT_EQ(failed["error_code"], "21606");
  EXPECT_TRUE(reroutes(failed).empty());
  EXPECT_EQ(posts(a_).size(), 3u);
  EXPECT_EQ(posts(b_).size(), 5u);
}

TEST_F(PoolFailoverTest, MessagesWaitingForASenderWhoseCircuitOpenedLeaveThroughAnother) {
  // A answers 503 to everything; one failure opens its circuit.
  a_.set_responder([](const RecordedRequest&) {
    return FakeReply{503, R"({"code": 20503, "message": "Service unavailable", "status": 503})"};
  });
  ASSERT_EQ(setenv("SWITCHBOARD_DISPATCHER_CIRCUIT_FAILURE_THRESHOLD", "1", 1), 0);
  start();
  unsetenv("SWITCHBOARD_DISPATCHER_CIRCUIT_FAILURE_THRESHOLD");
  // Four pooled messages for three seconds from now, their senders chosen while A is healthy.
  const std::string at = format_rfc3339(SystemClock::instance().now_ms() + 3000);
  std::vector<std::string> ids, tos;
  for (int i = 0; i < 4; ++i) {
    tos.push_back("+1415555013" + std::to_string(i));
    auto r = gw_->post_json("/v1/messages", key_, {{"pool", "both"}, {"to", tos.back()},
                                                  {"body", "reminder"}, {"send_at", at}});
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.json["from"], i % 2 ? kB : kA);
    ids.push_back(r.json["id"]);
  }
  // Then A fails a message sent from it by name, and its circuit opens.
  auto named = gw_->post_json("/v1/messages", key_, {{"from", kA}, {"to", "+14155550199"},
                                                    {"body", "direct"}});
  ASSERT_EQ(named.status, 202);
  ASSERT_TRUE(a_.wait_for_requests(1, std::chrono::seconds(10)));
  // When they come due, A's two leave through B: each message sent once, by B.
  for (size_t i = 0; i < ids.size(); ++i) {
    const json m = gw_->wait_for_status(ids[i], key_, "sent");
    EXPECT_EQ(m["from"], kB) << m.dump();
    const auto moved = reroutes(m);
    EXPECT_EQ(moved.size(), i % 2 ? 0u : 1u) << m.dump();
    if (!moved.empty()) {
      EXPECT_NE(moved[0]["detail"].get<std::string>().find("circuit open"), std::string::npos);
    }
  }
  std::multiset<std::string> at_b;
  for (const auto& r : posts(b_)) at_b.insert(form_field(r, "To"));
  EXPECT_EQ(at_b, std::multiset<std::string>(tos.begin(), tos.end()));
  for (const auto& r : posts(a_)) EXPECT_EQ(form_field(r, "To"), "+14155550199");
  // The message named from A was never moved: it waits for A.
  EXPECT_TRUE(reroutes(gw_->get("/v1/messages/" + named.json["id"].get<std::string>(), key_).json)
                  .empty());
}

}  // namespace
}  // namespace sb::test
