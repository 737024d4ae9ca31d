// A real SMS gateway as the SMPP server's client: Kannel's bearerbox (Debian `kannel`) binds to
// Switchboard with an `smsc = smpp` group, its smsbox takes 10,000 messages over sendsms, and
// every one must be stored by Switchboard exactly once.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

#include "providers/transport/curl_client.h"
#include "support/gateway.h"
#include "support/pg_database.h"

namespace sb::test {
namespace {

using namespace std::chrono_literals;

int free_port() {
  // Kannel needs fixed ports in its configuration: ask the kernel for free ones.
  auto r = run_command({"/usr/bin/python3", "-c",
                        "import socket;s=socket.socket();s.bind(('127.0.0.1',0));"
                        "print(s.getsockname()[1])"});
  return std::stoi(r.out);
}

std::string database_url(const TestGateway& gw) {
  std::ifstream cfg(gw.config_path());
  std::string line, url;
  while (std::getline(cfg, line)) {
    if (line.rfind("url = \"", 0) == 0) url = line.substr(7, line.size() - 8);
  }
  return url;
}

TEST(SmppKannelTest, KannelBoundToTheSmppServerDelivers10000MessagesEachStoredOnce) {
  if (access("/usr/sbin/bearerbox", X_OK) != 0) GTEST_SKIP() << "kannel is not installed";
  TestGateway gw(Backend::kSqlite, "[smpp]\nlisten = \"127.0.0.1:0\"\nbind_throughput = 0\n");
  gw.create_key("acme");
  gw.start();
  std::smatch port_match;
  std::string log;
  ASSERT_TRUE(wait_until(
      [&] {
        log = gw.server_log();
        return std::regex_search(log, port_match, std::regex("smpp: listening on [0-9.]+:([0-9]+)"));
      },
      10s))
      << log;
  const std::string smpp_port = port_match[1];
  auto creds = run_command({switchboard_bin(), "smpp-credentials", "--account", "acme",
                            "--config", gw.config_path(), "--json"});
  ASSERT_EQ(creds.exit_code, 0) << creds.out;
  const auto cj = nlohmann::json::parse(creds.out);

  TempDir k;
  const int admin = free_port(), box = free_port(), sendsms = free_port();
  {
    std::ofstream conf(k.file("kannel.conf"));
    conf << "group = core\nadmin-port = " << admin
         << "\nadmin-password = test\nadmin-allow-ip = 127.0.0.1\nsmsbox-port = " << box
         << "\nbox-allow-ip = 127.0.0.1\nlog-file = " << k.file("bearerbox.log")
         << "\nlog-level = 1\n\n"
            "group = smsc\nsmsc = smpp\nsmsc-id = switchboard\nhost = 127.0.0.1\nport = "
         << smpp_port << "\ntransceiver-mode = true\nsmsc-username = "
         << cj["system_id"].get<std::string>()
         << "\nsmsc-password = " << cj["password"].get<std::string>()
         << "\nsystem-type = \"\"\nmax-pending-submits = 10\nsource-addr-ton = 1\n"
            "source-addr-npi = 1\ndest-addr-ton = 1\ndest-addr-npi = 1\n\n"
            "group = smsbox\nbearerbox-host = 127.0.0.1\nsendsms-port = "
         << sendsms << "\nlog-file = " << k.file("smsbox.log")
         << "\nlog-level = 1\n\ngroup = sendsms-user\nusername = test\npassword = test\n";
  }
  Process bearerbox({"/usr/sbin/bearerbox", "-v", "1", k.file("kannel.conf")}, {},
                    k.file("bearerbox.out"));
  // Bound: bearerbox's status page shows the SMPP link online.
  auto http = providers::make_curl_client();
  const std::string status_url =
      "http://127.0.0.1:" + std::to_string(admin) + "/status.txt?password=test";
  ASSERT_TRUE(wait_until(
      [&] {
        HttpRequest req;
        req.method = "GET";
        req.url = status_url;
        req.timeout_ms = 2000;
        auto r = http->send(req);
        return r.body.find("(online") != std::string::npos;
      },
      30s))
      << gw.server_log();
  Process smsbox({"/usr/sbin/smsbox", "-v", "1", k.file("kannel.conf")}, {}, k.file("smsbox.out"));

  const auto sendsms_url = [&](int i) {
    return "http://127.0.0.1:" + std::to_string(sendsms) +
           "/cgi-bin/sendsms?username=test&password=test&from=%2B12025550100&to=%2B1415555" +
           std::to_string(1000 + i % 9000) + "&text=kannel+message+" + std::to_string(i);
  };
  // smsbox is up once it accepts the first one.
  ASSERT_TRUE(wait_until(
      [&] {
        HttpRequest req;
        req.method = "GET";
        req.url = sendsms_url(0);
        req.timeout_ms = 2000;
        auto r = http->send(req);
        return r.status / 100 == 2;
      },
      30s));
  constexpr int kMessages = 10'000;
  std::atomic<int> next{1}, refused{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      auto client = providers::make_curl_client();
      for (int i = next++; i < kMessages; i = next++) {
        HttpRequest req;
        req.method = "GET";
        req.url = sendsms_url(i);
        req.timeout_ms = 10'000;
        auto r = client->send(req);
        if (r.status / 100 != 2) ++refused;
      }
    });
  }
  for (auto& c : clients) c.join();
  ASSERT_EQ(refused.load(), 0);

  const std::string db = database_url(gw);
  std::string count;
  ASSERT_TRUE(wait_until(
      [&] {
        count = query_database(db, "SELECT COUNT(*) FROM messages WHERE direction = 'outbound'");
        return std::stoi(count) >= kMessages;
      },
      120s))
      << "stored " << count;
  EXPECT_EQ(query_database(db, "SELECT COUNT(*) FROM messages WHERE direction = 'outbound'"),
            std::to_string(kMessages));
  EXPECT_EQ(query_database(db, "SELECT COUNT(DISTINCT body) FROM messages"),
            std::to_string(kMessages));
  EXPECT_EQ(query_database(db, "SELECT COUNT(*) FROM messages WHERE body = 'kannel message 42' "
                               "AND from_addr = '+12025550100' AND account_id = 'acme'"),
            "1");
}

}  // namespace
}  // namespace sb::test
