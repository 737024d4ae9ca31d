// Observability end to end. GET /metrics: the series move with real traffic through the
// simulated carrier, the output passes `promtool check metrics`, the shipped alerting rules pass
// `promtool check rules`, and who may scrape follows [metrics] (loopback, token, dedicated
// listener). [log] format = "json": every line the server writes is one JSON object with the
// documented fields, request ids are taken, generated and echoed (X-Request-Id), and secrets
// stay out of the log.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "providers/transport/curl_client.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;

// The value of the sample written exactly as `series` (name and labels), 0 when absent.
double sample(const std::string& text, const std::string& series) {
  const std::string head = series + " ";
  size_t at = 0;
  while ((at = text.find(head, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      return std::stod(text.substr(at + head.size(), text.find('\n', at) - at - head.size()));
    }
    at += head.size();
  }
  return 0;
}

// Runs `promtool ARGS < input` (input may be empty); returns its exit status and output.
std::pair<int, std::string> promtool(const std::string& args, const std::string& dir,
                                     const std::string& input) {
  const std::string in = dir + "/promtool.in";
  const std::string out = dir + "/promtool.out";
  std::ofstream(in) << input;
  const int rc = std::system(("promtool " + args + " < " + in + " > " + out + " 2>&1").c_str());
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text};
}

// A local IPv4 address other than loopback (to be a non-loopback client of our own server).
std::string non_loopback_address() {
  ifaddrs* all = nullptr;
  if (getifaddrs(&all) != 0) return {};
  std::string found;
  for (ifaddrs* a = all; a && found.empty(); a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    const uint32_t ip = ntohl(in->sin_addr.s_addr);
    if ((ip >> 24) == 127) continue;
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    found = buf;
  }
  freeifaddrs(all);
  return found;
}

// Replaces `from` (which must be there) in the config file the gateway will start with.
void edit_config(const TestGateway& gw, const std::string& from, const std::string& to) {
  std::ifstream in(gw.config_path());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  std::ofstream(gw.config_path()) << text;
}

// Every address, loopback and others: the server sees the clients' own addresses.
void listen_on_all(const TestGateway& gw) {
  edit_config(gw, "listen = \"127.0.0.1:0\"", "listen = \"0.0.0.0:0\"");
}

int port_of(const std::string& url) {
  const auto colon = url.rfind(':');
  return std::stoi(url.substr(colon + 1));
}

TEST(MetricsTest, SeriesMoveWithTrafficAndPassPromtool) {
  TestGateway gw(Backend::kSqlite);
  const std::string key = gw.create_key("acme");
  gw.start();
  auto before = gw.request("GET", "/metrics", "");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");

  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    auto sent = gw.post_json("/v1/messages", key,
                             {{"to", "+12025550123"}, {"from", "+12025550100"}, {"body", "hi"}});
    ASSERT_EQ(sent.status, 202) << sent.body;
    ids.push_back(sent.json["id"]);
  }
  for (const auto& id : ids) ASSERT_EQ(gw.wait_for_status(id, key, "delivered")["status"], "delivered");
  auto in = gw.post_json("/v1/sim/inbound", key,
                         {{"from", "+12025550124"}, {"to", "+12025550100"}, {"body", "hello"}});
  ASSERT_EQ(in.status, 201) << in.body;
  auto refused = gw.post_json("/v1/messages", key, {{"from", "+12025550100"}, {"body", "x"}});
  ASSERT_GE(refused.status, 400);

  auto after = gw.request("GET", "/metrics", "");
  ASSERT_EQ(after.status, 200) << after.body;
  const std::string& t = after.body;
  const auto delta = [&](const std::string& series) {
    return sample(t, series) - sample(before.body, series);
  };
  const std::string out = "switchboard_messages_total{direction=\"outbound\",status=";
  EXPECT_EQ(delta(out + "\"queued\",connector=\"sim\"}"), 2) << t;
  EXPECT_EQ(delta(out + "\"sent\",connector=\"sim\"}"), 2) << t;
  EXPECT_EQ(delta(out + "\"delivered\",connector=\"sim\"}"), 2) << t;
  EXPECT_EQ(delta("switchboard_messages_total{direction=\"inbound\",status=\"received\","
                  "connector=\"sim\"}"),
            1);
  EXPECT_EQ(delta("switchboard_provider_requests_total{connector=\"sim\",outcome=\"ok\"}"), 2);
  EXPECT_EQ(delta("switchboard_provider_request_duration_seconds_count{connector=\"sim\"}"), 2);
  EXPECT_GE(delta("switchboard_receipts_total{connector=\"sim\",outcome=\"applied\"}"), 2);
  EXPECT_EQ(delta("switchboard_webhooks_total{connector=\"sim\",outcome=\"stored\"}"), 1);
  EXPECT_EQ(delta("switchboard_http_requests_total{method=\"POST\",route=\"/v1/messages\","
                  "code=\"202\"}"),
            2);
  EXPECT_GE(delta("switchboard_http_requests_total{method=\"GET\",route=\"/v1/messages/{id}\","
                  "code=\"200\"}"),
            2);
  EXPECT_EQ(delta("switchboard_http_request_duration_seconds_count{method=\"POST\","
                  "route=\"/v1/messages\"}"),
            3);
  EXPECT_EQ(sample(t, "switchboard_http_requests_total{method=\"GET\",route=\"/metrics\","
                      "code=\"200\"}"),
            1)
      << "the first scrape, counted once its answer was made";
  EXPECT_GE(delta("switchboard_group_commit_batch_size_count{queue=\"outbox\"}"), 1);
  EXPECT_GE(delta("switchboard_group_commit_sync_duration_seconds_count{queue=\"outbox\"}"), 1);
  EXPECT_NE(t.find("\nswitchboard_outbox_depth "), std::string::npos) << t;
  EXPECT_NE(t.find("\nswitchboard_outbox_oldest_age_seconds "), std::string::npos) << t;
  EXPECT_NE(t.find("\nswitchboard_scheduled_messages 0\n"), std::string::npos) << t;
  EXPECT_NE(t.find("\nswitchboard_connector_circuit_state{connector=\"sim\"} 0\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("\nswitchboard_build_info{version=\""), std::string::npos) << t;
  EXPECT_GT(sample(t, "process_start_time_seconds"), 1.7e9);
  // No unbounded values as labels: message ids, phone numbers, raw paths.
  EXPECT_EQ(t.find("msg_"), std::string::npos) << t;
  EXPECT_EQ(t.find("+1202"), std::string::npos) << t;
  EXPECT_EQ(t.find(ids[0]), std::string::npos) << t;

  const auto [rc, report] = promtool("check metrics", gw.dir(), t);
  EXPECT_EQ(rc, 0) << "promtool check metrics:\n" << report << "\n" << t;
}

TEST(MetricsTest, ShippedAlertingRulesPassPromtool) {
  TempDir dir;
  const auto [rc, report] = promtool(
      std::string("check rules ") + SB_SOURCE_DIR + "/docs/prometheus-alerts.yml", dir.path(), "");
  EXPECT_EQ(rc, 0) << report;
  EXPECT_NE(report.find("SUCCESS"), std::string::npos) << report;
}

// A request to our own server from a local non-loopback address (its remote address is not
// loopback), with an optional Authorization header.
int scrape_from(const std::string& address, int port, const std::string& token = {}) {
  auto http = providers::make_curl_client();
  HttpRequest req;
  req.url = "http://" + address + ":" + std::to_string(port) + "/metrics";
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  return http->send(req).status;
}

TEST(MetricsTest, OnlyLoopbackTokenHoldersOrTheDedicatedListenerMayScrape) {
  const std::string address = non_loopback_address();
  if (address.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
  {
    // No token, a dedicated listener: the main listener serves loopback only.
    TestGateway gw(Backend::kSqlite, "[metrics]\nlisten = \"0.0.0.0:0\"\n");
    listen_on_all(gw);
    gw.start();
    const int port = port_of(gw.base_url());
    std::string metrics_url;
    for (const auto& line : gw.printed()) {
      if (line.rfind("metrics on ", 0) == 0) metrics_url = line.substr(11);
    }
    ASSERT_FALSE(metrics_url.empty()) << "the dedicated listener's address is printed";
    const int metrics_port = port_of(metrics_url.substr(0, metrics_url.rfind('/')));
    EXPECT_EQ(scrape_from("127.0.0.1", port), 200);
    EXPECT_EQ(scrape_from(address, port), 403);
    EXPECT_EQ(scrape_from(address, port, "anything"), 403);
    EXPECT_EQ(scrape_from(address, metrics_port), 200);
    EXPECT_EQ(gw.request("GET", "/healthz", "").status, 200);
  }
  {
    // A token: non-loopback clients need it.
    TestGateway gw(Backend::kSqlite, "[metrics]\ntoken = \"scrape-secret-1\"\n");
    listen_on_all(gw);
    gw.start();
    const int port = port_of(gw.base_url());
    EXPECT_EQ(scrape_from(address, port), 401);
    EXPECT_EQ(scrape_from(address, port, "scrape-secret-2"), 401);
    EXPECT_EQ(scrape_from(address, port, "scrape-secret-1"), 200);
    EXPECT_EQ(scrape_from("127.0.0.1", port), 200);
    EXPECT_EQ(gw.server_log().find("scrape-secret-1"), std::string::npos) << "never logged";
  }
  {
    // Off: 404 for everyone.
    TestGateway gw(Backend::kSqlite, "[metrics]\nenabled = false\n");
    gw.start();
    EXPECT_EQ(gw.request("GET", "/metrics", "").status, 404);
  }
}

TEST(JsonLogsTest, EveryLineIsJsonWithFieldsAndRequestIds) {
  TestGateway gw(Backend::kSqlite, "[metrics]\ntoken = \"metrics-secret-9\"\n");
  edit_config(gw, "[log]\nlevel = \"info\"\n", "[log]\nlevel = \"info\"\nformat = \"json\"\n");
  const std::string key = gw.create_key("acme");
  gw.start();

  // A sane incoming id is kept and echoed; an insane one is replaced by a generated one.
  auto rejected = gw.post_json("/v1/messages", key, {{"from", "+12025550100"}, {"body", "x"}},
                               {{"X-Request-Id", "client-req-42"}});
  ASSERT_GE(rejected.status, 400) << rejected.body;
  EXPECT_EQ(rejected.header("X-Request-Id"), "client-req-42");
  auto long_id = gw.request("GET", "/healthz", "", "", {{"X-Request-Id", std::string(200, 'r')}});
  ASSERT_EQ(long_id.status, 200);
  const std::string generated = long_id.header("X-Request-Id");
  EXPECT_TRUE(std::regex_match(generated, std::regex("[0-9a-f]{16}"))) << generated;
  auto plain = gw.request("GET", "/healthz", "");
  EXPECT_TRUE(std::regex_match(plain.header("X-Request-Id"), std::regex("[0-9a-f]{16}")));
  EXPECT_NE(plain.header("X-Request-Id"), generated);

  auto sent = gw.post_json("/v1/messages", key,
                           {{"to", "+12025550123"}, {"from", "+12025550100"}, {"body", "hi"}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = sent.json["id"];
  ASSERT_EQ(gw.wait_for_status(id, key, "delivered")["status"], "delivered");
  // A message body with quotes, control characters and invalid UTF-8 reaches a log line
  // through a webhook that cannot be read (the unknown connector's name is logged).
  auto odd = gw.request("POST", "/webhooks/na%22me%0A%C3%28", "", "x=1",
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(odd.status, 404);
  ASSERT_EQ(gw.terminate(), 0);

  std::istringstream lines(gw.server_log());
  std::string line;
  int n = 0;
  bool saw_rejected = false, saw_delivered = false, saw_odd = false, saw_startup = false;
  const std::regex time_re(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  while (std::getline(lines, line)) {
    ++n;
    json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    ASSERT_TRUE(j.is_object()) << line;
    ASSERT_TRUE(j["time"].is_string()) << line;
    EXPECT_TRUE(std::regex_match(j["time"].get<std::string>(), time_re)) << line;
    ASSERT_TRUE(j["level"].is_string()) << line;
    ASSERT_TRUE(j["message"].is_string()) << line;
    const std::string msg = j["message"];
    if (msg.find("send rejected for acme") != std::string::npos) {
      saw_rejected = true;
      EXPECT_EQ(j["module"], "api") << line;
      EXPECT_EQ(j["request_id"], "client-req-42") << line;
    }
    if (msg.rfind("message " + id + " status delivered", 0) == 0) {
      saw_delivered = true;
      EXPECT_EQ(j["message_id"], id) << line;
      EXPECT_EQ(j["connector"], "sim") << line;
    }
    if (msg.find("request for unknown connector") != std::string::npos) {
      saw_odd = true;
      EXPECT_EQ(j["module"], "webhooks") << line;
      EXPECT_TRUE(j["request_id"].is_string()) << line;
    }
    if (msg.rfind("switchboard ", 0) == 0 && msg.find(" listening on ") != std::string::npos) {
      saw_startup = true;
      EXPECT_FALSE(j.contains("request_id")) << "not a request's line: " << line;
    }
    EXPECT_EQ(line.find(key), std::string::npos) << "an API key in the log: " << line;
    EXPECT_EQ(line.find("metrics-secret-9"), std::string::npos) << line;
  }
  EXPECT_GT(n, 3);
  EXPECT_TRUE(saw_rejected) << gw.server_log();
  EXPECT_TRUE(saw_delivered) << gw.server_log();
  EXPECT_TRUE(saw_odd) << gw.server_log();
  EXPECT_TRUE(saw_startup) << gw.server_log();
}

}  // namespace
}  // namespace sb::test
