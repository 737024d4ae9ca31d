// End-to-end tests: the real binary on port 0, real HTTP, SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class GatewayTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !pg_admin_url()) {
      if (pg_required()) FAIL() << "SWITCHBOARD_TEST_PG_URL is required";
      GTEST_SKIP() << "no PostgreSQL (set SWITCHBOARD_TEST_PG_URL)";
    }
    gw_ = std::make_unique<TestGateway>(GetParam(), extra_toml());
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }
  virtual std::string extra_toml() { return {}; }

  HttpResult send(const json& body, Headers headers = {}) {
    return gw_->post_json("/v1/messages", acme_, body, std::move(headers));
  }

  std::vector<std::string> statuses(const json& msg) {
    std::vector<std::string> out;
    for (const auto& e : msg["events"]) {
      if (e["applied"].get<bool>()) out.push_back(e["status"]);
    }
    return out;
  }

  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

TEST_P(GatewayTest, SendIsAcceptedThenDeliveredWithFullHistory) {
  auto r = send({{"to", "(415) 555-0123"}, {"body", "hi"}, {"metadata", {{"order", "42"}}}});
  ASSERT_EQ(r.status, 202) << r.body;
  const json& m = r.json;
  EXPECT_TRUE(m["id"].get<std::string>().rfind("msg_", 0) == 0);
  EXPECT_EQ(m["account"], "acme");
  EXPECT_EQ(m["direction"], "outbound");
  EXPECT_EQ(m["to"], "+14155550123");
  EXPECT_EQ(m["from"], "+12025550100");  // the account's first number is its default
  EXPECT_EQ(m["status"], "queued");
  EXPECT_EQ(m["segments"], 1);
  EXPECT_EQ(m["encoding"], "GSM-7");
  EXPECT_EQ(m["connector"], "sim");
  EXPECT_EQ(m["metadata"]["order"], "42");
  for (const char* k : {"created_at", "updated_at", "error_code", "error_message", "media_urls",
                        "provider_message_id", "body"}) {
    EXPECT_TRUE(m.contains(k)) << k;
  }

  json done = gw_->wait_for_status(m["id"], acme_, "delivered");
  ASSERT_EQ(done["status"], "delivered") << done.dump();
  EXPECT_EQ(statuses(done),
            (std::vector<std::string>{"accepted", "queued", "sending", "sent", "delivered"}));
  EXPECT_TRUE(done["provider_message_id"].get<std::string>().rfind("SIM", 0) == 0);
  for (const auto& e : done["events"]) EXPECT_TRUE(e.contains("at"));

  auto stats = gw_->get("/v1/stats", acme_);
  EXPECT_EQ(stats.json["messages"]["by_status"]["delivered"], 1);
}

TEST_P(GatewayTest, ProviderOptionsAreKeptOnTheMessage) {
  // Curly quotes and an en dash are UCS-2; with smart encoding they count (and go) as GSM-7.
  const std::string body = "\u201cSee you at 5\u201d \u2013 Dr. Lee";
  auto plain = send({{"to", "+14155550123"}, {"body", body}});
  ASSERT_EQ(plain.status, 202) << plain.body;
  EXPECT_EQ(plain.json["encoding"], "UCS-2");
  EXPECT_EQ(plain.json["max_price"], nullptr);
  EXPECT_EQ(plain.json["smart_encoding"], nullptr);
  auto r = send({{"to", "+14155550123"}, {"body", body}, {"max_price", 0.05},
                 {"smart_encoding", true}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json["encoding"], "GSM-7");
  EXPECT_EQ(r.json["body"], body);  // stored as written
  EXPECT_EQ(r.json["max_price"], "0.05");
  EXPECT_EQ(r.json["smart_encoding"], true);
  auto got = gw_->get("/v1/messages/" + r.json["id"].get<std::string>(), acme_);
  EXPECT_EQ(got.json["max_price"], "0.05");
  EXPECT_EQ(got.json["smart_encoding"], true);
}

TEST_P(GatewayTest, ValidationErrorsNameCodeAndField) {
  struct Case {
    std::string name;
    json body;
    int status;
    std::string code;
    std::string field;
  };
  const std::string long_body(1601, 'a');
  json too_many = json::array();
  for (int i = 0; i < 11; ++i) too_many.push_back("https://example.com/" + std::to_string(i) + ".png");
  const std::vector<Case> cases = {
      {"missing to", {{"body", "x"}}, 400, "missing_field", "to"},
      {"to not a string", {{"to", 5}, {"body", "x"}}, 400, "invalid_type", "to"},
      {"impossible number", {{"to", "12345"}, {"body", "x"}}, 422, "invalid_phone_number", "to"},
      {"letters", {{"to", "hello"}, {"body", "x"}}, 422, "invalid_phone_number", "to"},
      {"bad country", {{"to", "+999 1234567"}, {"body", "x"}}, 422, "invalid_phone_number", "to"},
      {"from of another account", {{"to", "+14155550123"}, {"from", "+12025550199"}, {"body", "x"}},
       422, "from_not_owned", "from"},
      {"from unknown", {{"to", "+14155550123"}, {"from", "+14155550000"}, {"body", "x"}}, 422,
       "from_not_owned", "from"},
      {"body too long", {{"to", "+14155550123"}, {"body", long_body}}, 422, "body_too_long", "body"},
      {"no content", {{"to", "+14155550123"}}, 422, "missing_content", "body"},
      {"empty body", {{"to", "+14155550123"}, {"body", ""}}, 422, "missing_content", "body"},
      {"too many media", {{"to", "+14155550123"}, {"media_urls", too_many}}, 422, "too_many_media",
       "media_urls"},
      {"ftp media", {{"to", "+14155550123"}, {"media_urls", {"ftp://x/y.png"}}}, 422,
       "invalid_media_url", "media_urls[0]"},
      {"media not strings", {{"to", "+14155550123"}, {"media_urls", {1}}}, 400, "invalid_type",
       "media_urls[0]"},
      {"mms from sms-only number",
       {{"to", "+14155550123"}, {"from", "+12025550101"}, {"media_urls", {"https://x.test/a.png"}}},
       422, "mms_not_supported", "media_urls"},
      {"bad callback", {{"to", "+14155550123"}, {"body", "x"}, {"status_callback", "nope"}}, 422,
       "invalid_url", "status_callback"},
      // The same rule as a number's default status_callback: no credentials in a callback URL.
      {"callback with credentials",
       {{"to", "+14155550123"}, {"body", "x"}, {"status_callback", "https://u:p@app.test/cb"}},
       422, "invalid_url", "status_callback"},
      {"validity zero", {{"to", "+14155550123"}, {"body", "x"}, {"validity_period", 0}}, 422,
       "invalid_validity_period", "validity_period"},
      {"validity string", {{"to", "+14155550123"}, {"body", "x"}, {"validity_period", "10"}}, 400,
       "invalid_type", "validity_period"},
      {"max price zero", {{"to", "+14155550123"}, {"body", "x"}, {"max_price", "0.00"}}, 422,
       "invalid_max_price", "max_price"},
      {"max price negative", {{"to", "+14155550123"}, {"body", "x"}, {"max_price", -1}}, 422,
       "invalid_max_price", "max_price"},
      {"max price 5 decimals", {{"to", "+14155550123"}, {"body", "x"}, {"max_price", "0.00001"}},
       422, "invalid_max_price", "max_price"},
      {"max price bool", {{"to", "+14155550123"}, {"body", "x"}, {"max_price", true}}, 400,
       "invalid_type", "max_price"},
      {"smart encoding string", {{"to", "+14155550123"}, {"body", "x"}, {"smart_encoding", "yes"}},
       400, "invalid_type", "smart_encoding"},
      {"metadata value", {{"to", "+14155550123"}, {"body", "x"}, {"metadata", {{"k", 1}}}}, 400,
       "invalid_type", "metadata.k"},
      {"unknown field", {{"to", "+14155550123"}, {"body", "x"}, {"media_url", "x"}}, 400,
       "unknown_field", "media_url"},
  };
  for (const auto& c : cases) {
    auto r = send(c.body);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_EQ(r.json["error"]["code"], c.code) << c.name << ": " << r.body;
    EXPECT_EQ(r.json["error"]["field"], c.field) << c.name << ": " << r.body;
    EXPECT_FALSE(r.json["error"]["message"].get<std::string>().empty()) << c.name;
  }
  // Exactly 1600 characters is accepted, counted as users see them: a multi-byte letter and a
  // flag (two code points) count once each.
  std::string max_body;
  for (int i = 0; i < 800; ++i) max_body += "é\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7";  // é🇫🇷
  EXPECT_EQ(send({{"to", "+14155550123"}, {"body", max_body}}).status, 202);
  auto over = send({{"to", "+14155550123"}, {"body", max_body + "x"}});
  EXPECT_EQ(over.json["error"]["code"], "body_too_long");
  // Nothing invalid was stored.
  EXPECT_EQ(gw_->get("/v1/stats", acme_).json["messages"]["total"], 1);
}

TEST_P(GatewayTest, MalformedRequestsGetJsonErrors) {
  const Headers json_ct = {{"Content-Type", "application/json"}};
  auto r = gw_->request("POST", "/v1/messages", acme_, "{\"to\": ", json_ct);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["code"], "invalid_json");

  r = gw_->request("POST", "/v1/messages", acme_, "[1,2]", json_ct);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["code"], "invalid_json");

  r = gw_->request("POST", "/v1/messages", acme_, "{\"to\":\"+14155550123\",\"body\":\"\xC3\x28\"}",
                   json_ct);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["code"], "invalid_utf8");

  r = gw_->request("POST", "/v1/messages", acme_, "to=x", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.json["error"]["code"], "unsupported_media_type");
  EXPECT_EQ(r.json["error"]["field"], "Content-Type");

  // `curl -d '{...}'` sends a JSON object as form-urlencoded: accepted.
  r = gw_->request("POST", "/v1/messages", acme_, R"({"to":"+14155550123","body":"curl"})",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 202) << r.body;

  const std::string huge(70'000, 'x');
  r = gw_->request("POST", "/v1/messages", acme_, huge, json_ct);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json["error"]["code"], "payload_too_large");

  r = gw_->request("POST", "/v1/messages", "", R"({"to":"+14155550123","body":"x"})", json_ct);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json["error"]["code"], "unauthorized");
  r = gw_->request("POST", "/v1/messages", "sbk_wrong", R"({"to":"+14155550123","body":"x"})",
                   json_ct);
  EXPECT_EQ(r.status, 401);

  r = gw_->get("/v1/nothing", acme_);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json["error"]["code"], "not_found");
  r = gw_->request("DELETE", "/v1/stats", acme_);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.json["error"]["code"], "method_not_allowed");

  r = gw_->get("/v1/messages?status=bogus", acme_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["field"], "status");
  r = gw_->get("/v1/messages?limit=1001", acme_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["field"], "limit");
  r = gw_->get("/v1/messages?since=yesterday", acme_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["field"], "since");
  r = gw_->get("/v1/messages?cursor=abc", acme_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["field"], "cursor");

  // The server is still healthy after all of that.
  EXPECT_EQ(gw_->get("/healthz", "").status, 200);
  EXPECT_EQ(gw_->get("/readyz", "").status, 200);
}

TEST_P(GatewayTest, IdempotencyKeyReturnsTheSameMessageOrConflicts) {
  const json body = {{"to", "+14155550123"}, {"body", "once"}};
  auto a = send(body, {{"Idempotency-Key", "order-1"}});
  ASSERT_EQ(a.status, 202) << a.body;
  // Same request, keys reordered and spaced differently: same message, flagged as replay.
  auto b = gw_->request("POST", "/v1/messages", acme_,
                        "{ \"body\": \"once\",  \"to\": \"+14155550123\" }",
                        {{"Content-Type", "application/json"}, {"Idempotency-Key", "order-1"}});
  ASSERT_EQ(b.status, 202) << b.body;
  EXPECT_EQ(a.json["id"], b.json["id"]);
  EXPECT_EQ(b.header("Idempotent-Replayed"), "true");
  auto c = send({{"to", "+14155550123"}, {"body", "different"}}, {{"Idempotency-Key", "order-1"}});
  EXPECT_EQ(c.status, 409);
  EXPECT_EQ(c.json["error"]["code"], "idempotency_conflict");
  EXPECT_EQ(c.json["error"]["field"], "Idempotency-Key");

  // Concurrent retries with one key create one message.
  std::vector<std::future<HttpResult>> futures;
  for (int i = 0; i < 16; ++i) {
    futures.push_back(std::async(std::launch::async, [&] {
      return send({{"to", "+14155550124"}, {"body", "race"}}, {{"Idempotency-Key", "race-1"}});
    }));
  }
  std::set<std::string> ids;
  for (auto& f : futures) {
    auto r = f.get();
    ASSERT_EQ(r.status, 202) << r.body;
    ids.insert(r.json["id"]);
  }
  EXPECT_EQ(ids.size(), 1u);
  // The same key in another account is independent.
  auto other = gw_->post_json("/v1/messages", other_, {{"to", "+14155550123"}, {"body", "once"}},
                              {{"Idempotency-Key", "order-1"}});
  ASSERT_EQ(other.status, 202);
  EXPECT_NE(other.json["id"], a.json["id"]);

  json done = gw_->wait_for_status(*ids.begin(), acme_, "delivered");
  EXPECT_EQ(done["status"], "delivered");
  EXPECT_EQ(gw_->get("/v1/messages?to=%2B14155550124", acme_).json["data"].size(), 1u);
}

TEST_P(GatewayTest, ShortCodesAreRecipientsAsDialled) {
  auto r = send({{"to", "55555"}, {"body", "JOIN"}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json["to"], "55555");
  // Too short for a short code and not a phone number either.
  EXPECT_EQ(send({{"to", "1234"}, {"body", "x"}}).json["error"]["code"], "invalid_phone_number");
}

TEST_P(GatewayTest, TenantsNeverSeeEachOther) {
  auto a = send({{"to", "+14155550123"}, {"body", "secret"}});
  ASSERT_EQ(a.status, 202);
  const std::string id = a.json["id"];
  auto r = gw_->get("/v1/messages/" + id, other_);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json["error"]["code"], "not_found");
  EXPECT_EQ(gw_->get("/v1/messages", other_).json["data"].size(), 0u);
  EXPECT_EQ(gw_->get("/v1/messages/" + id, acme_).status, 200);
  EXPECT_EQ(gw_->get("/v1/messages/msg_doesnotexist", acme_).status, 404);
}

TEST_P(GatewayTest, ListFiltersAndPaginatesNewestFirst) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    auto r = send({{"to", i % 2 ? "+14155550123" : "+14155550124"}, {"body", std::to_string(i)}});
    ASSERT_EQ(r.status, 202);
    ids.push_back(r.json["id"]);
  }
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto r = gw_->get("/v1/messages?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor), acme_);
    ASSERT_EQ(r.status, 200) << r.body;
    for (const auto& m : r.json["data"]) seen.push_back(m["id"]);
    cursor = r.json["next_cursor"].is_null() ? "" : r.json["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));

  auto to = gw_->get("/v1/messages?to=%2B14155550123&direction=outbound", acme_);
  EXPECT_EQ(to.json["data"].size(), 3u);
  auto none = gw_->get("/v1/messages?direction=inbound", acme_);
  EXPECT_EQ(none.json["data"].size(), 0u);
  auto future = gw_->get("/v1/messages?since=2999-01-01T00:00:00Z", acme_);
  EXPECT_EQ(future.json["data"].size(), 0u);
  auto past = gw_->get("/v1/messages?until=2999-01-01T00:00:00Z&limit=1000", acme_);
  EXPECT_EQ(past.json["data"].size(), 7u);
  gw_->wait_for_status(ids.back(), acme_, "delivered");
  auto delivered = gw_->get("/v1/messages?status=delivered&limit=1", acme_);
  EXPECT_EQ(delivered.json["data"].size(), 1u);
}

TEST_P(GatewayTest, SimulatedCarrierOutcomes) {
  struct Case {
    std::string to, status, error_code;
    int min_attempts;
  };
  const std::vector<Case> cases = {
      {"+15005550001", "failed", "21211", 1},
      {"+15005550009", "failed", "21614", 1},
      {"+15005550003", "undelivered", "30003", 1},
      {"+15005550004", "delivered", "", 3},  // two transient failures, then accepted
      {"+15005550005", "delivered", "", 2},  // one 429 with Retry-After 1 s
  };
  std::vector<std::string> ids;
  for (const auto& c : cases) {
    auto r = send({{"to", c.to}, {"body", "magic"}});
    ASSERT_EQ(r.status, 202) << r.body;
    ids.push_back(r.json["id"]);
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    json m = gw_->wait_for_status(ids[i], acme_, cases[i].status);
    EXPECT_EQ(m["status"], cases[i].status) << cases[i].to << " " << m.dump();
    if (!cases[i].error_code.empty()) {
      EXPECT_EQ(m["error_code"], cases[i].error_code);
    }
    EXPECT_GE(m["attempts"].get<int>(), cases[i].min_attempts) << cases[i].to;
  }
}

TEST_P(GatewayTest, KeysCreatePrintsAWorkingKeyOnTheLastLine) {
  const std::string key = gw_->create_key("newco");
  EXPECT_EQ(key.rfind("sbk_", 0), 0u);
  EXPECT_EQ(gw_->get("/v1/messages", key).status, 200);
  // newco owns no number: sending names the missing sender.
  auto r = gw_->post_json("/v1/messages", key, {{"to", "+14155550123"}, {"body", "x"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.json["error"]["code"], "no_sender");
}

// kill -9 with messages in flight; after restart every accepted message reaches a final status
// and the carrier accepted each exactly once.
TEST_P(GatewayTest, CrashWithMessagesInFlightLosesAndDuplicatesNothing) {
  constexpr int kThreads = 8, kPerThread = 40;
  std::vector<std::future<std::vector<std::string>>> futures;
  for (int t = 0; t < kThreads; ++t) {
    futures.push_back(std::async(std::launch::async, [&, t] {
      std::vector<std::string> ids;
      for (int i = 0; i < kPerThread; ++i) {
        const std::string to = i % 10 == 0 ? "+15005550004" : "+1415555" + std::to_string(1000 + t * 100 + i);
        auto r = send({{"to", to}, {"body", "crash test " + std::to_string(i)}});
        if (r.status == 202) ids.push_back(r.json["id"]);
      }
      return ids;
    }));
  }
  std::vector<std::string> accepted;
  for (auto& f : futures) {
    auto ids = f.get();
    accepted.insert(accepted.end(), ids.begin(), ids.end());
  }
  ASSERT_EQ(accepted.size(), static_cast<size_t>(kThreads * kPerThread));
  auto before = gw_->get("/v1/stats", acme_).json["messages"]["by_status"];
  gw_->kill9();
  // The crash really caught messages in flight.
  EXPECT_LT(before.value("delivered", 0), static_cast<int>(accepted.size())) << before.dump();
  gw_->start();

  const auto is_final = [](const std::string& s) {
    return s == "delivered" || s == "undelivered" || s == "failed" || s == "expired";
  };
  std::map<std::string, std::string> final_status;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& id : accepted) {
          if (final_status.count(id)) continue;
          auto r = gw_->get("/v1/messages/" + id, acme_);
          if (r.status != 200 || !is_final(r.json["status"])) return false;
          final_status[id] = r.json["status"];
        }
        return true;
      },
      60s))
      << final_status.size() << " of " << accepted.size() << " final";
  for (const auto& [id, st] : final_status) EXPECT_EQ(st, "delivered") << id;

  // What the carrier was given: one accepted submission per message, never two.
  std::ifstream in(gw_->sim_journal());
  std::map<std::string, int> accepted_at_carrier;
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j["op"] == "submit" && j["result"] == "accepted") {
      accepted_at_carrier[j["message_id"]]++;
    }
  }
  EXPECT_EQ(accepted_at_carrier.size(), accepted.size());
  for (const auto& id : accepted) EXPECT_EQ(accepted_at_carrier[id], 1) << id;
  auto stats = gw_->get("/v1/stats", acme_);
  EXPECT_EQ(stats.json["messages"]["total"], static_cast<int>(accepted.size()));
}

TEST_P(GatewayTest, GracefulShutdownExitsCleanlyAndKeepsMessages) {
  auto r = send({{"to", "+14155550123"}, {"body", "before shutdown"}});
  ASSERT_EQ(r.status, 202);
  EXPECT_EQ(gw_->terminate(), 0);
  gw_->start();
  json m = gw_->wait_for_status(r.json["id"], acme_, "delivered");
  EXPECT_EQ(m["status"], "delivered");
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::test
