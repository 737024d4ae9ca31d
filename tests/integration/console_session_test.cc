// The console's users and sessions against the real binary: users made with the CLI, sign-in
// (one answer for every wrong email or password, slowed down after repeated failures), the
// session cookie's attributes, the same rights through the API as through the screens (an agent
// gets 403 on admin calls), cross-origin requests with the cookie refused, sign-out and disabling
// ending sessions.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;

class ConsoleSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = gw_.create_key("acme");
    create_user("admin@acme.example", "admin", "correct horse battery");
    create_user("Agent@Acme.example", "agent", "agent password 1");
    gw_.start();
  }

  void create_user(const std::string& email, const std::string& role, const std::string& pw) {
    auto r = run_command_with_input({switchboard_bin(), "users", "create", "--account", "acme",
                                     "--email", email, "--role", role, "--password-stdin",
                                     "--config", gw_.config_path()},
                                    pw + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }

  HttpResult sign_in(const std::string& email, const std::string& password) {
    return gw_.post_json("/v1/session", "", {{"email", email}, {"password", password}});
  }

  // The cookie a successful sign-in set ("sb_session=<token>").
  static std::string cookie_of(const HttpResult& r) {
    const std::string set = r.header("set-cookie");
    return set.substr(0, set.find(';'));
  }

  Headers with(const std::string& cookie, const std::string& origin = "") {
    Headers h = {{"Cookie", cookie}, {"Content-Type", "application/json"}};
    if (!origin.empty()) h.emplace_back("Origin", origin);
    return h;
  }

  TestGateway gw_{Backend::kSqlite};
  std::string key_;
};

TEST_F(ConsoleSessionTest, SignInSaysTheSameForEveryWrongAnswerAndSetsAStrictCookie) {
  auto wrong = sign_in("admin@acme.example", "not the password");
  EXPECT_EQ(wrong.status, 401);
  auto nobody = sign_in("nobody@acme.example", "not the password");
  EXPECT_EQ(nobody.status, 401);
  EXPECT_EQ(wrong.json["error"]["message"], nobody.json["error"]["message"]);
  EXPECT_TRUE(wrong.header("set-cookie").empty());

  auto ok = sign_in("ADMIN@acme.example", "correct horse battery");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json["role"], "admin");
  EXPECT_EQ(ok.json["account"], "acme");
  const std::string set = ok.header("set-cookie");
  EXPECT_NE(set.find("HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(set.find("Path=/"), std::string::npos);
  EXPECT_EQ(set.find("Secure"), std::string::npos);  // http public URL
  const std::string cookie = cookie_of(ok);
  auto me = gw_.request("GET", "/v1/session", "", "", with(cookie));
  EXPECT_EQ(me.json["email"], "admin@acme.example");
  EXPECT_EQ(gw_.request("GET", "/v1/messages", "", "", with(cookie)).status, 200);

  // The users list never shows a password or its hash.
  auto list = run_command({switchboard_bin(), "users", "list", "--json", "--config",
                           gw_.config_path()});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("\"agent@acme.example\""), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("argon2"), std::string::npos);
  EXPECT_EQ(list.out.find("password"), std::string::npos);
}

TEST_F(ConsoleSessionTest, CrossOriginRequestsWithTheCookieAreRefused) {
  const std::string cookie = cookie_of(sign_in("admin@acme.example", "correct horse battery"));
  const std::string send = R"({"to": "+14155550123", "body": "from the console"})";
  // A state change needs this host's Origin.
  EXPECT_EQ(gw_.request("POST", "/v1/messages", "", send, with(cookie)).status, 403);
  EXPECT_EQ(gw_.request("POST", "/v1/messages", "", send, with(cookie, "https://evil.example"))
                .status,
            403);
  auto ok = gw_.request("POST", "/v1/messages", "", send, with(cookie, gw_.base_url()));
  EXPECT_EQ(ok.status, 202) << ok.body;
  // A WebSocket handshake from another site (cross-site WebSocket hijacking) is refused.
  Headers ws = with(cookie, "https://evil.example");
  ws.insert(ws.end(), {{"Connection", "Upgrade"},
                       {"Upgrade", "websocket"},
                       {"Sec-WebSocket-Version", "13"},
                       {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(gw_.request("GET", "/v1/events", "", "", ws).status, 403);
  // A sign-in or sign-out posted by another site too.
  EXPECT_EQ(gw_.post_json("/v1/session", "",
                          {{"email", "admin@acme.example"}, {"password", "correct horse battery"}},
                          {{"Origin", "https://evil.example"}})
                .status,
            403);
}

TEST_F(ConsoleSessionTest, AnAgentGets403OnAdminCallsAndAnAdminDoesNot) {
  const std::string agent = cookie_of(sign_in("agent@acme.example", "agent password 1"));
  const std::string admin = cookie_of(sign_in("admin@acme.example", "correct horse battery"));
  const std::string forwarding = R"({"forwarding": {"url": "https://app.example.com/in"}})";
  const std::string origin = gw_.base_url();
  EXPECT_EQ(gw_.request("GET", "/v1/numbers", "", "", with(agent)).status, 200);
  auto refused = gw_.request("PATCH", "/v1/numbers/%2B12025550100", "", forwarding,
                             with(agent, origin));
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.json["error"]["code"], "forbidden");
  EXPECT_EQ(gw_.request("GET", "/v1/opt-outs", "", "", with(agent)).status, 403);
  EXPECT_EQ(gw_.request("GET", "/v1/auto-replies", "", "", with(agent)).status, 403);
  EXPECT_EQ(gw_.request("GET", "/v1/signing-secret", "", "", with(agent)).status, 403);
  EXPECT_EQ(gw_.request("PATCH", "/v1/numbers/%2B12025550100", "", forwarding, with(admin, origin))
                .status,
            200);
  EXPECT_EQ(gw_.request("GET", "/v1/opt-outs", "", "", with(admin)).status, 200);
  // An API key keeps every right.
  EXPECT_EQ(gw_.get("/v1/signing-secret", key_).status, 200);
}

TEST_F(ConsoleSessionTest, AdminsManageTheirAccountsUsersOverTheApi) {
  const std::string admin = cookie_of(sign_in("admin@acme.example", "correct horse battery"));
  const std::string agent = cookie_of(sign_in("agent@acme.example", "agent password 1"));
  const std::string origin = gw_.base_url();
  EXPECT_EQ(gw_.request("GET", "/v1/users", "", "", with(agent)).status, 403);
  EXPECT_EQ(gw_.request("POST", "/v1/users", "", R"({"email":"x@acme.example","role":"agent"})",
                        with(agent, origin))
                .status,
            403);

  // Created without a password: one is generated and shown once; it signs in.
  auto made = gw_.request("POST", "/v1/users", "",
                          R"({"email":"Nurse@Acme.example","role":"agent"})", with(admin, origin));
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.json["email"], "nurse@acme.example");
  EXPECT_EQ(made.header("cache-control"), "no-store");
  const std::string password = made.json["password"];
  EXPECT_EQ(password.size(), 16u);
  const std::string nurse = cookie_of(sign_in("nurse@acme.example", password));
  ASSERT_EQ(gw_.request("GET", "/v1/session", "", "", with(nurse)).status, 200);
  EXPECT_EQ(gw_.request("POST", "/v1/users", "", R"({"email":"nurse@acme.example","role":"agent"})",
                        with(admin, origin))
                .status,
            409);
  EXPECT_EQ(gw_.request("POST", "/v1/users", "", R"({"email":"n2@acme.example","role":"boss"})",
                        with(admin, origin))
                .json["error"]["field"],
            "role");

  // The list shows no password or hash; another account's users are not there.
  auto other = gw_.create_key("other");
  ASSERT_EQ(gw_.post_json("/v1/users", other, {{"email", "it@other.example"}, {"role", "admin"}})
                .status,
            201);
  auto list = gw_.request("GET", "/v1/users", "", "", with(admin));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json["data"].size(), 3u) << list.body;
  EXPECT_EQ(list.body.find("hash"), std::string::npos);
  EXPECT_EQ(list.body.find("other.example"), std::string::npos);
  std::string nurse_id, admin_id;
  for (const auto& u : list.json["data"]) {
    if (u["email"] == "nurse@acme.example") nurse_id = u["id"];
    if (u["email"] == "admin@acme.example") admin_id = u["id"];
  }
  auto others = gw_.get("/v1/users", other);
  const std::string other_id = others.json["data"][0]["id"];
  EXPECT_EQ(gw_.request("PATCH", "/v1/users/" + other_id, "", R"({"disabled":true})",
                        with(admin, origin))
                .status,
            404);

  // Disabling ends the user's session; nobody disables themselves.
  auto off = gw_.request("PATCH", "/v1/users/" + nurse_id, "", R"({"disabled":true})",
                         with(admin, origin));
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(off.json["disabled"], true);
  EXPECT_EQ(gw_.request("GET", "/v1/session", "", "", with(nurse)).status, 401);
  auto self = gw_.request("PATCH", "/v1/users/" + admin_id, "", R"({"disabled":true})",
                          with(admin, origin));
  EXPECT_EQ(self.status, 409) << self.body;
  EXPECT_EQ(self.json["error"]["field"], "disabled");
  ASSERT_EQ(gw_.request("PATCH", "/v1/users/" + nurse_id, "", R"({"disabled":false})",
                        with(admin, origin))
                .status,
            200);

  // A reset password is generated, returned once, and the old one stops working.
  auto reset = gw_.request("POST", "/v1/users/" + nurse_id + "/password", "", "",
                           with(admin, origin));
  ASSERT_EQ(reset.status, 200) << reset.body;
  const std::string fresh = reset.json["password"];
  EXPECT_NE(fresh, password);
  EXPECT_EQ(sign_in("nurse@acme.example", password).status, 401);
  EXPECT_EQ(sign_in("nurse@acme.example", fresh).status, 200);
  EXPECT_EQ(gw_.request("POST", "/v1/users/" + nurse_id + "/password", "", R"({"password":"short"})",
                        with(admin, origin))
                .json["error"]["code"],
            "weak_password");
}

// The very first start prints an API key and a console admin's password, once; they work.
TEST(ConsoleFirstStartTest, TheFirstStartPrintsAConsoleAdminOnce) {
  TestGateway gw(Backend::kSqlite);
  {
    std::ifstream in(gw.config_path());
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    const std::string off = "print_first_key = false";
    config.replace(config.find(off), off.size(), "print_first_key = true");
    std::ofstream(gw.config_path()) << config;
  }
  gw.start();
  std::string console_line;
  for (const auto& line : gw.printed()) {
    if (line.rfind("Console: ", 0) == 0) console_line = line;
  }
  ASSERT_FALSE(console_line.empty());
  EXPECT_NE(console_line.find(gw.base_url() + "/"), std::string::npos) << console_line;
  const std::string marker = "password ";
  const auto at = console_line.find(marker) + marker.size();
  const std::string password = console_line.substr(at, console_line.find(';', at) - at);
  ASSERT_EQ(password.size(), 16u) << console_line;
  auto in = gw.post_json("/v1/session", "",
                         {{"email", "admin@switchboard.local"}, {"password", password}});
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.json["role"], "admin");
  EXPECT_EQ(gw.server_log().find(password), std::string::npos) << "never logged";

  ASSERT_EQ(gw.terminate(), 0);
  gw.start();
  for (const auto& line : gw.printed()) {
    EXPECT_EQ(line.rfind("Console: ", 0), std::string::npos) << "printed again: " << line;
  }
}

TEST_F(ConsoleSessionTest, SignOutAndDisablingEndSessions) {
  const std::string first = cookie_of(sign_in("admin@acme.example", "correct horse battery"));
  auto out = gw_.request("DELETE", "/v1/session", "", "", with(first, gw_.base_url()));
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(gw_.request("GET", "/v1/messages", "", "", with(first)).status, 401);

  const std::string second = cookie_of(sign_in("agent@acme.example", "agent password 1"));
  EXPECT_EQ(gw_.request("GET", "/v1/messages", "", "", with(second)).status, 200);
  auto disabled = run_command({switchboard_bin(), "users", "disable", "--email",
                               "agent@acme.example", "--config", gw_.config_path()});
  ASSERT_EQ(disabled.exit_code, 0) << disabled.out;
  EXPECT_EQ(gw_.request("GET", "/v1/messages", "", "", with(second)).status, 401);
  EXPECT_EQ(sign_in("agent@acme.example", "agent password 1").status, 401);

  // A reset password ends the sessions too, and the new one works.
  const std::string third = cookie_of(sign_in("admin@acme.example", "correct horse battery"));
  auto reset = run_command_with_input({switchboard_bin(), "users", "reset-password", "--email",
                                       "admin@acme.example", "--password-stdin", "--config",
                                       gw_.config_path()},
                                      "a brand new password\n");
  ASSERT_EQ(reset.exit_code, 0) << reset.out;
  EXPECT_EQ(gw_.request("GET", "/v1/messages", "", "", with(third)).status, 401);
  EXPECT_EQ(sign_in("admin@acme.example", "a brand new password").status, 200);
}

TEST_F(ConsoleSessionTest, RepeatedFailuresAreSlowedDown) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(sign_in("admin@acme.example", "guess " + std::to_string(i)).status, 401);
  }
  auto slowed = sign_in("admin@acme.example", "correct horse battery");
  EXPECT_EQ(slowed.status, 429) << slowed.body;
  EXPECT_FALSE(slowed.header("retry-after").empty());
  // The other user, from the same address, is slowed too (per address).
  EXPECT_EQ(sign_in("agent@acme.example", "agent password 1").status, 429);
}

}  // namespace
}  // namespace sb::test
