// The console in a real browser: Debian's chromium driven by npm playwright-core
// (tests/console/console_e2e.js) against the real binary, signed in as users made with the CLI.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/gateway.h"

namespace sb::test {
namespace {

void create_user(TestGateway& gw, const std::string& email, const std::string& role,
                 const std::string& password) {
  auto r = run_command_with_input({switchboard_bin(), "users", "create", "--account", "acme",
                                   "--email", email, "--role", role, "--password-stdin",
                                   "--config", gw.config_path()},
                                  password + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
}

TEST(ConsoleBrowserTest, AReceptionistsDayInChromium) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium"))
      << "chromium is missing: scripts/setup.sh test installs it";
  TestGateway gw(Backend::kSqlite);
  const std::string key = gw.create_key("acme");
  create_user(gw, "frontdesk@clinic.example", "admin", "front desk password");
  create_user(gw, "agent@clinic.example", "agent", "agent password 1");
  gw.start();
  auto r = run_command({"/usr/bin/node", std::string(SB_SOURCE_DIR) + "/tests/console/console_e2e.js",
                        gw.base_url(), key, "frontdesk@clinic.example", "front desk password",
                        "agent@clinic.example", "agent password 1"},
                       {{"NODE_PATH", std::string(SB_SOURCE_DIR) + "/tests/sdk/node_modules"}});
  EXPECT_EQ(r.exit_code, 0) << r.out << "\n--- gateway log ---\n" << gw.server_log();
  EXPECT_NE(r.out.find("console e2e: ok"), std::string::npos) << r.out;
  std::cout << r.out;
}

// The console's files from the binary: the page and its modules with the same headers, an ETag
// that makes a reload cost a 304, and nothing served that is not one of its files.
TEST(ConsoleFilesTest, ServedFromTheBinaryWithTheirHeadersAndETags) {
  TestGateway gw(Backend::kSqlite);
  gw.start();
  for (const std::string path : {"/", "/console/app.js", "/console/console.css"}) {
    SCOPED_TRACE(path);
    auto r = gw.request("GET", path, "", "");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.header("content-security-policy").find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(r.header("x-frame-options"), "DENY");
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    const std::string etag = r.header("etag");
    ASSERT_FALSE(etag.empty());
    auto again = gw.request("GET", path, "", "", {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
  }
  EXPECT_NE(gw.request("GET", "/console/app.js", "", "").header("content-type").find(
                "text/javascript"),
            std::string::npos);
  for (const std::string path : {"/console/nope.js", "/console/index.html", "/console/..%2Fapp.js"}) {
    EXPECT_EQ(gw.request("GET", path, "", "").status, 404) << path;
  }
}

}  // namespace
}  // namespace sb::test
