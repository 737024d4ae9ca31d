// Configuration: defaults, unknown keys rejected with their name, env overrides, ${ENV} expansion.
#include "app/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "support/process.h"

namespace sb::app {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string write(const std::string& toml) {
    const std::string path = dir_.file("switchboard.toml");
    std::ofstream(path) << toml;
    return path;
  }
  test::TempDir dir_;
};

TEST_F(ConfigTest, EmbeddedDefaults) {
  auto c = load_config("", {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c->database_url, "sqlite://var/switchboard.db");
  ASSERT_EQ(c->connectors.size(), 1u);
  EXPECT_EQ(c->connectors[0].provider, "sim");
  ASSERT_EQ(c->numbers.size(), 3u);
  EXPECT_EQ(c->numbers[0].account, "default");
  EXPECT_EQ(c->default_region, "US");
}

TEST_F(ConfigTest, UnknownKeysAndSectionsAreErrorsNamingTheKey) {
  for (const auto& [toml, key] : std::vector<std::pair<std::string, std::string>>{
           {"[server]\nlisten_addr = \"x\"\n", "server.listen_addr"},
           {"[nonsense]\nx = 1\n", "nonsense"},
           {"[[connectors]]\nid = \"s\"\nprovider = \"sim\"\nauth_token = \"x\"\n",
            "connectors[s].auth_token"},
           {"[[connectors]]\nid = \"s\"\nprovider = \"nope\"\n", "connectors[s].provider"},
           {"[[numbers]]\nnumber = \"+12025550100\"\ncolour = \"red\"\n", "numbers[0].colour"},
       }) {
    auto c = load_config(write(toml), {});
    ASSERT_FALSE(c.ok()) << toml;
    EXPECT_EQ(c.error().field, key) << c.error().message;
  }
}

TEST_F(ConfigTest, WrongTypesAndValuesAreRejected) {
  EXPECT_FALSE(load_config(write("[server]\nio_threads = \"two\"\n"), {}).ok());
  EXPECT_FALSE(load_config(write("[server]\nio_threads = 0\n"), {}).ok());
  EXPECT_FALSE(load_config(write("[messages]\ndefault_region = \"XX\"\n"), {}).ok());
  EXPECT_FALSE(load_config(write("[[numbers]]\nnumber = \"12345\"\n"), {}).ok());
  EXPECT_FALSE(load_config(write("[[numbers]]\nnumber = \"+12025550100\"\nconnector = \"x\"\n"), {})
                   .ok());
  EXPECT_FALSE(load_config(write("[server\n"), {}).ok());  // TOML syntax error
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  auto c = load_config(write("[server]\nlisten = \"127.0.0.1:9000\"\n"),
                       {{"SWITCHBOARD_SERVER_LISTEN", "0.0.0.0:7000"},
                        {"SWITCHBOARD_DISPATCHER_WORKERS", "2"},
                        {"SWITCHBOARD_UNRELATED", "ignored"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->listen, "0.0.0.0:7000");
  EXPECT_EQ(c->dispatcher_workers, 2);
  auto bad = load_config("", {{"SWITCHBOARD_DISPATCHER_WORKERS", "many"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "SWITCHBOARD_DISPATCHER_WORKERS");
}

TEST_F(ConfigTest, ConnectorSettingsExpandEnvironmentReferences) {
  setenv("SB_TEST_SIM_DELAY", "250", 1);
  auto c = load_config(write("[[connectors]]\nid = \"s\"\nprovider = \"sim\"\n"
                             "delivery_delay_ms = 5\njournal = \"${SB_TEST_SIM_DELAY}\"\n"),
                       {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->connectors[0].values.at("journal"), "250");
  EXPECT_EQ(c->connectors[0].values.at("delivery_delay_ms"), "5");
  unsetenv("SB_TEST_SIM_MISSING");
  auto missing = load_config(
      write("[[connectors]]\nid = \"s\"\nprovider = \"sim\"\njournal = \"${SB_TEST_SIM_MISSING}\"\n"),
      {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "connectors[s].journal");
}

TEST_F(ConfigTest, NumbersAreNormalizedAndDefaultToTheFirstConnector) {
  auto c = load_config(write("[[connectors]]\nid = \"s\"\nprovider = \"sim\"\n"
                             "[[numbers]]\nnumber = \"(202) 555-0100\"\naccount = \"clinic\"\n"
                             "[[numbers]]\nnumber = \"55555\"\ntype = \"short_code\"\n"),
                       {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->numbers[0].number, "+12025550100");
  EXPECT_EQ(c->numbers[0].connector, "s");
  EXPECT_EQ(c->numbers[1].number, "55555");
}

}  // namespace
}  // namespace sb::app
