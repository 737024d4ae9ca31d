// API keys as a resource against the real binary: `switchboard keys create|list|revoke` and
// /v1/keys; scopes enforced per route (403 naming the missing scope); revocation refused at once
// here and within a second on another instance of one PostgreSQL; expiry; last use recorded;
// a per-key rate answered with 429 and Retry-After; no secret ever listed.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/clock.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json send_body() { return {{"from", "+12025550100"}, {"to", "+14155550123"}, {"body", "hi"}}; }

// `switchboard keys ARGS... --config` for account acme; returns stdout and the exit code.
CommandResult keys_cli(TestGateway& gw, std::vector<std::string> args) {
  std::vector<std::string> cmd = {switchboard_bin(), "keys"};
  cmd.insert(cmd.end(), args.begin(), args.end());
  cmd.insert(cmd.end(), {"--account", "acme", "--config", gw.config_path()});
  return run_command(cmd);
}

// Polls `check` until it holds or `limit` passes; returns how long it took (or limit + 1 ms).
template <typename Check>
std::chrono::milliseconds time_until(Check check, std::chrono::milliseconds limit) {
  const auto t0 = Clock::now();
  while (Clock::now() - t0 <= limit) {
    if (check()) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    }
  }
  return limit + std::chrono::milliseconds(1);
}

TEST(ApiKeysTest, TheCliCreatesScopedKeysListsThemWithoutSecretsAndRevokesByPrefix) {
  TestGateway gw(Backend::kSqlite);
  auto made = keys_cli(gw, {"create", "--name", "clinic app", "--scopes",
                            "messages:send,messages:read", "--rate-limit", "50", "--json"});
  ASSERT_EQ(made.exit_code, 0) << made.out;
  const json k = json::parse(made.out);
  const std::string secret = k.at("key");
  EXPECT_EQ(secret.rfind("sbk_", 0), 0u);
  EXPECT_EQ(k["prefix"], secret.substr(0, 12));
  EXPECT_EQ(k["scopes"], json({"messages:send", "messages:read"}));
  EXPECT_EQ(k["name"], "clinic app");
  EXPECT_EQ(k["rate_limit"], 50);
  EXPECT_EQ(k["state"], "active");

  auto bad = keys_cli(gw, {"create", "--scopes", "messages:send,everything"});
  EXPECT_NE(bad.exit_code, 0);
  gw.start();
  EXPECT_EQ(gw.post_json("/v1/messages", secret, send_body()).status, 202);

  auto listed = keys_cli(gw, {"list", "--json"});
  ASSERT_EQ(listed.exit_code, 0);
  EXPECT_EQ(listed.out.find(secret), std::string::npos);
  EXPECT_EQ(listed.out.find(secret.substr(12)), std::string::npos);
  std::istringstream lines(listed.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const json row = json::parse(line);
    EXPECT_FALSE(row.contains("key"));
    EXPECT_FALSE(row.contains("key_hash"));
    EXPECT_EQ(row["id"], k["id"]);
    EXPECT_FALSE(row["last_used_at"].is_null()) << "the send recorded its use";
    ++n;
  }
  EXPECT_EQ(n, 1);

  auto revoked = keys_cli(gw, {"revoke", k["prefix"]});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.out;
  // The CLI is another process: this instance learns of it when its cache entry lapses.
  const auto took = time_until(
      [&] { return gw.post_json("/v1/messages", secret, send_body()).status == 401; },
      std::chrono::milliseconds(1000));
  EXPECT_LE(took.count(), 1000);
  auto unknown = keys_cli(gw, {"revoke", "key_00000000000000000000000000"});
  EXPECT_EQ(unknown.exit_code, 2);
}

TEST(ApiKeysTest, ScopesLimitEachRouteAndTheAnswerNamesTheMissingOne) {
  TestGateway gw(Backend::kSqlite);
  const std::string admin = gw.create_key("acme");
  gw.start();
  auto make = [&](const json& scopes) {
    auto r = gw.post_json("/v1/keys", admin, {{"name", "scoped"}, {"scopes", scopes}});
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.header("cache-control"), "no-store");
    return r.json["key"].get<std::string>();
  };
  const std::string sender = make({"messages:send"});
  const std::string reader = make({"messages:read"});
  const std::string agent = make({"conversations"});
  const std::string compliance = make({"compliance"});

  auto sent = gw.post_json("/v1/messages", sender, send_body());
  ASSERT_EQ(sent.status, 202);
  auto denied = gw.get("/v1/messages", sender);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.json["error"]["code"], "forbidden");
  EXPECT_NE(denied.json["error"]["message"].get<std::string>().find("messages:read"),
            std::string::npos);
  EXPECT_EQ(gw.get("/v1/messages/" + sent.json["id"].get<std::string>(), reader).status, 200);
  EXPECT_EQ(gw.post_json("/v1/messages", reader, send_body()).status, 403);
  EXPECT_EQ(gw.get("/v1/conversations", agent).status, 200);
  EXPECT_EQ(gw.get("/v1/contacts", agent).status, 200);
  // Replying in a conversation is a send: conversations alone is not enough.
  auto convs = gw.get("/v1/conversations", admin);
  ASSERT_FALSE(convs.json["data"].empty());
  const std::string conv = convs.json["data"][0]["id"];
  auto reply = gw.post_json("/v1/conversations/" + conv + "/messages", agent, {{"body", "ok"}});
  EXPECT_EQ(reply.status, 403);
  EXPECT_NE(reply.json["error"]["message"].get<std::string>().find("messages:send"),
            std::string::npos);
  EXPECT_EQ(gw.get("/v1/opt-outs", compliance).status, 200);
  EXPECT_EQ(gw.get("/v1/opt-outs", sender).status, 403);
  EXPECT_EQ(gw.request("PATCH", "/v1/numbers/+12025550100", compliance,
                       R"({"friendly_name":"Front desk"})")
                .status,
            403);
  // Anyone may list numbers and count segments; only admin manages keys, users, the secret.
  EXPECT_EQ(gw.get("/v1/numbers", reader).status, 200);
  EXPECT_EQ(gw.post_json("/v1/segments", compliance, {{"body", "hi"}}).status, 200);
  for (const auto& path : {"/v1/keys", "/v1/users", "/v1/signing-secret"}) {
    EXPECT_EQ(gw.get(path, sender).status, 403) << path;
    EXPECT_EQ(gw.get(path, admin).status, 200) << path;
  }
  EXPECT_EQ(gw.post_json("/v1/keys", sender, {{"scopes", {"admin"}}}).status, 403);
}

TEST(ApiKeysTest, TheKeysApiRefusesBadInputAndOtherAccountsAndRevokesAtOnce) {
  TestGateway gw(Backend::kSqlite);
  const std::string admin = gw.create_key("acme");
  const std::string other = gw.create_key("other");
  gw.start();
  auto err = [&](const json& body) { return gw.post_json("/v1/keys", admin, body); };
  auto r = err({{"name", "x"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["code"], "missing_field");
  EXPECT_EQ(r.json["error"]["field"], "scopes");
  r = err({{"scopes", {"root"}}});
  EXPECT_EQ(r.json["error"]["code"], "invalid_scope");
  EXPECT_EQ(r.json["error"]["field"], "scopes");
  r = err({{"scopes", json::array()}});
  EXPECT_EQ(r.json["error"]["code"], "invalid_scope");
  r = err({{"scopes", {"admin"}}, {"expires_at", "2001-01-01T00:00:00Z"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.json["error"]["code"], "invalid_expiry");
  r = err({{"scopes", {"admin"}}, {"expires_at", "tomorrow"}});
  EXPECT_EQ(r.json["error"]["field"], "expires_at");
  r = err({{"scopes", {"admin"}}, {"rate_limit", -1}});
  EXPECT_EQ(r.json["error"]["field"], "rate_limit");
  r = err({{"scopes", {"admin"}}, {"name", std::string(65, 'n')}});
  EXPECT_EQ(r.json["error"]["field"], "name");
  r = err({{"scopes", {"admin"}}, {"owner", "me"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["code"], "unknown_field");
  r = gw.request("POST", "/v1/keys", admin, "{not json", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400);

  auto made = err({{"name", "temp"}, {"scopes", {"messages:read"}}});
  ASSERT_EQ(made.status, 201);
  const std::string id = made.json["id"];
  const std::string secret = made.json["key"];
  auto list = gw.get("/v1/keys", admin);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  EXPECT_EQ(list.json["data"].size(), 2u);  // the CLI's and this one
  EXPECT_EQ(gw.get("/v1/keys/" + id, other).status, 404);
  EXPECT_EQ(gw.request("DELETE", "/v1/keys/" + id, other).status, 404);
  EXPECT_EQ(gw.get("/v1/messages", secret).status, 200);  // now cached
  auto del = gw.request("DELETE", "/v1/keys/" + id, admin);
  ASSERT_EQ(del.status, 200);
  EXPECT_EQ(del.json["state"], "revoked");
  EXPECT_FALSE(del.json["revoked_at"].is_null());
  EXPECT_EQ(gw.get("/v1/messages", secret).status, 401);  // this instance: at once
  EXPECT_EQ(gw.request("DELETE", "/v1/keys/" + id, admin).json["revoked_at"],
            del.json["revoked_at"]);
  EXPECT_EQ(gw.get("/v1/keys/" + id, admin).json["state"], "revoked");
}

TEST(ApiKeysTest, AnExpiredKeyIsRefusedAndARateLimitedKeyGets429WithRetryAfter) {
  TestGateway gw(Backend::kSqlite);
  const std::string admin = gw.create_key("acme");
  gw.start();
  const TimeMs expiry = SystemClock::instance().now_ms() + 1500;
  auto brief = gw.post_json("/v1/keys", admin,
                            {{"scopes", {"messages:read"}}, {"expires_at", format_rfc3339(expiry)}});
  ASSERT_EQ(brief.status, 201) << brief.body;
  const std::string brief_key = brief.json["key"];
  EXPECT_EQ(gw.get("/v1/messages", brief_key).status, 200);
  const auto took = time_until([&] { return gw.get("/v1/messages", brief_key).status == 401; },
                               std::chrono::milliseconds(5000));
  EXPECT_LE(took.count(), 5000);
  EXPECT_GE(SystemClock::instance().now_ms(), expiry);
  EXPECT_EQ(gw.get("/v1/keys/" + brief.json["id"].get<std::string>(), admin).json["state"],
            "expired");

  auto limited = gw.post_json("/v1/keys", admin, {{"scopes", {"messages:read"}}, {"rate_limit", 3}});
  ASSERT_EQ(limited.status, 201);
  const std::string lk = limited.json["key"];
  int ok = 0;
  HttpResult refused;
  for (int i = 0; i < 20 && refused.status == 0; ++i) {
    auto r = gw.get("/v1/messages", lk);
    if (r.status == 200) ++ok;
    if (r.status == 429) refused = r;
  }
  EXPECT_GE(ok, 3);
  EXPECT_LE(ok, 5);  // three at once, and what refilled meanwhile
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(refused.json["error"]["code"], "rate_limited");
  EXPECT_GE(std::stoi(refused.header("retry-after")), 1);
  // Other keys are not slowed by it.
  EXPECT_EQ(gw.get("/v1/messages", admin).status, 200);
}

TEST(ApiKeysTest, ARevocationOnOneInstanceIsRefusedByAnotherWithinASecond) {
  if (!pg_admin_url()) {
    if (pg_required()) FAIL() << "PostgreSQL is required (SWITCHBOARD_REQUIRE_PG=1)";
    GTEST_SKIP() << "no PostgreSQL test server";
  }
  TestGateway a(Backend::kPostgres);
  const std::string admin = a.create_key("acme");
  a.start();
  TestGateway b(Backend::kPostgres, {}, {}, a.database_url());
  b.start();
  auto made = a.post_json("/v1/keys", admin, {{"scopes", {"messages:read"}}});
  ASSERT_EQ(made.status, 201);
  const std::string key = made.json["key"];
  ASSERT_EQ(b.get("/v1/messages", key).status, 200);  // B has it cached now
  ASSERT_EQ(a.request("DELETE", "/v1/keys/" + made.json["id"].get<std::string>(), admin).status,
            200);
  const auto took = time_until([&] { return b.get("/v1/messages", key).status == 401; },
                               std::chrono::milliseconds(1000));
  EXPECT_LE(took.count(), 1000) << "instance B still accepted the revoked key";
  std::cout << "revocation reached the other instance in " << took.count() << " ms\n";
}

}  // namespace
}  // namespace sb::test
