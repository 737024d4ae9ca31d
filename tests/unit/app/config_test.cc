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

TEST_F(ConfigTest, TextLoadsLikeAFile) {
  const std::string toml =
      "[messages]\ndefault_region = \"GB\"\n[[numbers]]\nnumber = \"07911 123456\"\n";
  auto from_text = load_config_text(toml, "inline.toml", {});
  ASSERT_TRUE(from_text.ok()) << from_text.error().message;
  auto from_file = load_config(write(toml), {});
  ASSERT_TRUE(from_file.ok());
  ASSERT_EQ(from_text->numbers.size(), 1u);
  EXPECT_EQ(from_text->numbers[0].number, "+447911123456");
  EXPECT_EQ(from_text->numbers[0].number, from_file->numbers[0].number);
  auto bad = load_config_text("[server\n", "inline.toml", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_config");
  EXPECT_EQ(bad.error().message.rfind("inline.toml:1: ", 0), 0u) << bad.error().message;
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
  EXPECT_FALSE(
      load_config(write("[[numbers]]\nnumber = \"+12025550100\"\nconnector = \"x\"\n"), {}).ok());
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
      write(
          "[[connectors]]\nid = \"s\"\nprovider = \"sim\"\njournal = \"${SB_TEST_SIM_MISSING}\"\n"),
      {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "connectors[s].journal");
}

// A float where an integer belongs is refused, however large (toml++ would convert 7e80 to an
// int64: undefined behaviour, found by fuzz/config).
TEST_F(ConfigTest, AFloatWhereAnIntegerBelongsIsAnErrorNamingTheKey) {
  for (const char* v : {"7e80", "5.0", "-1e300"}) {
    auto setting = load_config(write(std::string("[[connectors]]\nid = \"s\"\nprovider = \"sim\"\n"
                                                 "delivery_delay_ms = ") +
                                     v + "\n"),
                               {});
    ASSERT_FALSE(setting.ok()) << v;
    EXPECT_EQ(setting.error().field, "connectors[s].delivery_delay_ms") << v;
    auto timeout = load_config(write(std::string("[[connectors]]\nid = \"s\"\nprovider = \"sim\"\n"
                                                 "timeout_ms = ") +
                                     v + "\n"),
                               {});
    ASSERT_FALSE(timeout.ok()) << v;
    EXPECT_EQ(timeout.error().field, "connectors[0].timeout_ms") << v;  // read before the id
  }
}

TEST_F(ConfigTest, TheSmppServersListenersAreCheckedAndTlsNeedsItsCertificateAndKey) {
  auto plain = load_config(write("[smpp]\nlisten = \"127.0.0.1:2775\"\n"), {});
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->smpp_listen, "127.0.0.1:2775");
  EXPECT_EQ(plain->smpp_bind_throughput, 500);
  for (const char* bad : {"2775", ":2775", "host:", "host:70000", "host:x"}) {
    auto r = load_config(write(std::string("[smpp]\nlisten = \"") + bad + "\"\n"), {});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "smpp.listen") << bad;
  }
  auto no_cert = load_config(write("[smpp]\ntls_listen = \"0.0.0.0:3550\"\n"), {});
  ASSERT_FALSE(no_cert.ok());
  EXPECT_EQ(no_cert.error().field, "smpp.tls_cert_file");
  auto no_key = load_config(
      write("[smpp]\ntls_listen = \"0.0.0.0:3550\"\ntls_cert_file = \"/etc/c.pem\"\n"), {});
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().field, "smpp.tls_key_file");
  auto tls = load_config(write("[smpp]\ntls_listen = \"0.0.0.0:3550\"\ntls_cert_file = "
                               "\"/etc/c.pem\"\ntls_key_file = \"/etc/k.pem\"\n"),
                         {});
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_EQ(tls->smpp_tls_listen, "0.0.0.0:3550");
  EXPECT_TRUE(tls->smpp_listen.empty());
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

TEST_F(ConfigTest, ComplianceDefaultsOverridesAndLanguages) {
  auto d = load_config("", {});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->compliance.enabled);
  EXPECT_EQ(d->compliance.opt_out_scope, "account");
  ASSERT_EQ(d->compliance.languages.size(), 1u);
  EXPECT_EQ(d->compliance.languages[0].opt_out.size(), 8u);

  auto c = load_config(write(R"(
[[connectors]]
id = "tw"
provider = "twilio"
account_sid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
auth_token = "t"
provider_handles_keywords = true
[[numbers]]
number = "+12025550100"
account = "acme"
[[numbers]]
number = "+12025550101"
account = "acme"
[compliance]
help_reply = "Help!"
[[compliance.languages]]
language = "fr"
opt_out_keywords = ["ARRET", "ARRÊT"]
opt_out_reply = "Désinscrit."
[[compliance.accounts]]
number = "(202) 555-0101"
opt_out_scope = "number"
[[compliance.accounts]]
account = "acme"
help_reply = "Acme help"
opt_in_keywords = ["GO"]
)"),
                       {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->connectors[0].provider_handles_keywords);
  EXPECT_EQ(c->compliance.languages[0].help_reply, "Help!");
  ASSERT_EQ(c->compliance.languages.size(), 2u);
  EXPECT_EQ(c->compliance.languages[1].opt_out_reply, "Désinscrit.");
  ASSERT_EQ(c->compliance_overrides.size(), 2u);
  const auto& num = c->compliance_overrides[0];
  EXPECT_EQ(num.number, "+12025550101");
  EXPECT_EQ(num.account, "acme");
  EXPECT_EQ(num.profile.opt_out_scope, "number");
  // The number inherits its account's override, which inherits [compliance].
  EXPECT_EQ(num.profile.languages[0].help_reply, "Acme help");
  EXPECT_EQ(num.profile.languages[0].opt_in, std::vector<std::string>{"GO"});
  EXPECT_EQ(num.profile.languages.size(), 2u);
  EXPECT_EQ(c->compliance_overrides[1].profile.opt_out_scope, "account");

  for (const auto& [toml, key] : std::vector<std::pair<std::string, std::string>>{
           {"[compliance]\nopt_out_scope = \"all\"\n", "compliance.opt_out_scope"},
           {"[compliance]\nstop_words = [\"X\"]\n", "compliance.stop_words"},
           {"[compliance]\nopt_out_keywords = [\"\"]\n", "compliance.opt_out_keywords"},
           {"[[compliance.accounts]]\nnumber = \"+19995550100\"\n",
            "compliance.accounts[0].number"},
           {"[[compliance.languages]]\nopt_out_keywords = [\"X\"]\n",
            "compliance.languages[0].language"}}) {
    auto bad = load_config(write(toml), {});
    ASSERT_FALSE(bad.ok()) << toml;
    EXPECT_EQ(bad.error().field, key) << toml << bad.error().message;
  }
}

// [network] outbound_allow (the outbound URL policy's allow-list) and [retention].
TEST_F(ConfigTest, NetworkAllowListAndRetention) {
  auto d = load_config("", {});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->network_outbound_allow.empty());
  EXPECT_EQ(d->retention_redact_after_days, 0);
  auto c = load_config(write("[network]\noutbound_allow = [\"10.20.0.0/16\", \"127.0.0.1:8081\"]\n"
                             "[retention]\nredact_after_days = 90\n"),
                       {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->network_outbound_allow,
            (std::vector<std::string>{"10.20.0.0/16", "127.0.0.1:8081"}));
  EXPECT_EQ(c->retention_redact_after_days, 90);
  auto e = load_config("", {{"SWITCHBOARD_NETWORK_OUTBOUND_ALLOW", "10.0.0.1, [::1]:9"}});
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->network_outbound_allow, (std::vector<std::string>{"10.0.0.1", "[::1]:9"}));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"[network]\noutbound_allow = [\"app.example.com\"]\n", "network.outbound_allow[0]"},
      {"[network]\noutbound_allow = \"10.0.0.1\"\n", "network.outbound_allow"},
      {"[network]\nallow = []\n", "network.allow"},
      {"[retention]\nredact_after_days = -1\n", "retention.redact_after_days"},
  };
  for (const auto& [toml, field] : bad) {
    auto r = load_config(write(toml), {});
    ASSERT_FALSE(r.ok()) << toml;
    EXPECT_EQ(r.error().field, field) << toml << ": " << r.error().message;
  }
}

// [metrics] and [log] format (docs/operations.md).
TEST_F(ConfigTest, MetricsAndLogFormat) {
  auto d = load_config("", {});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->metrics_enabled);
  EXPECT_EQ(d->metrics_listen, "");
  EXPECT_EQ(d->metrics_token, "");
  EXPECT_EQ(d->log_format, "text");
  auto c = load_config(write("[metrics]\nenabled = false\nlisten = \"0.0.0.0:9464\"\n"
                             "token = \"t\"\n[log]\nformat = \"json\"\n"),
                       {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->metrics_enabled);
  EXPECT_EQ(c->metrics_listen, "0.0.0.0:9464");
  EXPECT_EQ(c->metrics_token, "t");
  EXPECT_EQ(c->log_format, "json");
  auto e = load_config("", {{"SWITCHBOARD_METRICS_TOKEN", "from-env"},
                            {"SWITCHBOARD_METRICS_LISTEN", "127.0.0.1:0"},
                            {"SWITCHBOARD_LOG_FORMAT", "json"}});
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->metrics_token, "from-env");
  EXPECT_EQ(e->metrics_listen, "127.0.0.1:0");
  EXPECT_EQ(e->log_format, "json");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"[log]\nformat = \"xml\"\n", "log.format"},
      {"[metrics]\nlisten = \"9464\"\n", "metrics.listen"},
      {"[metrics]\nlisten = \"host:99999\"\n", "metrics.listen"},
      {"[metrics]\nlisten = \"host:\"\n", "metrics.listen"},
      {"[metrics]\npath = \"/m\"\n", "metrics.path"},
  };
  for (const auto& [toml, field] : bad) {
    auto r = load_config(write(toml), {});
    ASSERT_FALSE(r.ok()) << toml;
    EXPECT_EQ(r.error().field, field) << toml << ": " << r.error().message;
  }
}

}  // namespace
}  // namespace sb::app

// ---- [media] (docs/media.md) -------------------------------------------------------------------

namespace sb::app {
namespace {

TEST_F(ConfigTest, MediaDefaultsListsAndEnvironment) {
  auto d = load_config("", {});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->media_enabled);
  EXPECT_EQ(d->media_dir, "var/media");
  EXPECT_EQ(d->media_max_bytes, 5 * 1024 * 1024);
  EXPECT_TRUE(d->media_fetch_allow.empty());

  auto c = load_config(write("[media]\ndir = \"/srv/media\"\nmax_bytes = 1000\n"
                             "fetch_allow = [\"127.0.0.1:9000\", \"10.0.0.0/8\", \"[::1]:8080\"]\n"
                             "allowed_types = [\"image/*\", \"application/pdf\"]\n"),
                       {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->media_dir, "/srv/media");
  EXPECT_EQ(c->media_max_bytes, 1000);
  EXPECT_EQ(c->media_fetch_allow,
            (std::vector<std::string>{"127.0.0.1:9000", "10.0.0.0/8", "[::1]:8080"}));
  EXPECT_EQ(c->media_allowed_types, (std::vector<std::string>{"image/*", "application/pdf"}));

  auto e = load_config("", {{"SWITCHBOARD_MEDIA_FETCH_ALLOW", "127.0.0.1:1, 10.0.0.0/8"},
                            {"SWITCHBOARD_MEDIA_ENABLED", "false"}});
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->media_fetch_allow, (std::vector<std::string>{"127.0.0.1:1", "10.0.0.0/8"}));
  EXPECT_FALSE(e->media_enabled);
}

TEST_F(ConfigTest, MediaBadValuesNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[media]\nfetch_allow = [\"localhost\"]\n", "media.fetch_allow[0]"},
      {"[media]\nfetch_allow = [\"10.0.0.0/8\", \"10.0.0.0/40\"]\n", "media.fetch_allow[1]"},
      {"[media]\nfetch_allow = \"127.0.0.1\"\n", "media.fetch_allow"},
      {"[media]\nfetch_allow = [1]\n", "media.fetch_allow[0]"},
      {"[media]\nallowed_types = [\"png\"]\n", "media.allowed_types[0]"},
      {"[media]\nmax_bytes = 0\n", "media.max_bytes"},
      {"[media]\nfetch_alow = []\n", "media.fetch_alow"},
      {"[media]\nurl_ttl_seconds = 100\nmax_url_ttl_seconds = 10\n", "media.url_ttl_seconds"},
  };
  for (const auto& [toml, field] : cases) {
    auto c = load_config(write(toml), {});
    ASSERT_FALSE(c.ok()) << toml;
    EXPECT_EQ(c.error().field, field) << toml << ": " << c.error().message;
  }
}

}  // namespace
}  // namespace sb::app
