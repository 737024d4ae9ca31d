// TestGateway: writes a config, runs `switchboard serve`, parses the port from stdout.
#include "support/gateway.h"

#include <signal.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "providers/transport/curl_client.h"

namespace sb::test {

std::string HttpResult::header(const std::string& name) const {
  HttpResponse r;
  r.headers = headers;
  return r.header(name);
}

std::string backend_name(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgres"; }

TestGateway::TestGateway(Backend backend, std::string extra_toml, std::string server_toml,
                         std::string database_url)
    : http_(providers::make_curl_client()) {
  std::string db_url = std::move(database_url);
  if (!db_url.empty()) {
    // another gateway's database
  } else if (backend == Backend::kPostgres) {
    auto admin = pg_admin_url();
    if (!admin) throw std::runtime_error("SWITCHBOARD_TEST_PG_URL is not set");
    pg_ = std::make_unique<PgTestDatabase>(*admin);
    db_url = pg_->url();
  } else {
    db_url = "sqlite://" + dir_.file("switchboard.db");
  }
  db_url_ = db_url;
  std::ofstream cfg(config_path());
  cfg << "[server]\nlisten = \"127.0.0.1:0\"\nmax_body_bytes = 65536\nshutdown_grace_ms = 5000\n"
      << server_toml << (server_toml.empty() || server_toml.back() == '\n' ? "" : "\n")
      << "[database]\nurl = \"" << db_url << "\"\n"
      << "[accounts]\nprint_first_key = false\n"
      << "[dispatcher]\npoll_interval_ms = 50\nretry_base_ms = 50\nretry_max_ms = 500\n"
      << "lease_ms = 2000\n"
      // Durability tests mix per-message transient failures (the sim's flaky recipient) into
      // bulk traffic; the circuit breaker has its own unit tests.
      << "circuit_failure_threshold = 1000\n"
      // Fake providers answer from scripts that a start-up health check would consume; the
      // health check has its own test (provider_twilio_test.cc).
      << "health_check_at_start = false\n"
      << "[log]\nlevel = \"info\"\n"
      // The tests' apps (fake callback and forward receivers) listen on loopback: allowed by
      // the outbound URL policy unless a test brings its own [network] table.
      << (extra_toml.find("[network]") == std::string::npos
              ? "[network]\noutbound_allow = [\"127.0.0.1\", \"::1\"]\n"
              : "")
      << "[[connectors]]\nid = \"sim\"\nprovider = \"sim\"\ndelivery_delay_ms = 200\n"
      << "journal = \"" << sim_journal() << "\"\n"
      << "[[numbers]]\nnumber = \"+12025550100\"\naccount = \"acme\"\nconnector = \"sim\"\n"
      << "[[numbers]]\nnumber = \"+12025550101\"\naccount = \"acme\"\nconnector = \"sim\"\n"
      << "mms = false\n"
      << "[[numbers]]\nnumber = \"+12025550199\"\naccount = \"other\"\nconnector = \"sim\"\n"
      << extra_toml;
}

TestGateway::~TestGateway() {
  proc_.reset();  // kills the server before its database is dropped
  pg_.reset();
}

void TestGateway::start() {
  proc_ = std::make_unique<Process>(
      std::vector<std::string>{switchboard_bin(), "serve", "--config", config_path()},
      std::map<std::string, std::string>{}, dir_.file("server.log"));
  const std::string line = proc_->wait_for_line("listening on ", std::chrono::seconds(30));
  base_url_ = line.substr(line.find("http://"));
}

std::string TestGateway::server_log() const {
  std::ifstream in(dir_.file("server.log"));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int TestGateway::sim_submissions(const std::string& id) const {
  std::ifstream f(sim_journal());
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j["op"] == "submit" && j["result"] == "accepted" &&
        j["message_id"] == id) {
      ++n;
    }
  }
  return n;
}

void TestGateway::kill9() {
  proc_->signal(SIGKILL);
  proc_->wait(std::chrono::seconds(10));
}

int TestGateway::terminate() {
  proc_->signal(SIGTERM);
  return proc_->wait(std::chrono::seconds(20));
}

std::string TestGateway::create_key(const std::string& account) {
  auto r = run_command({switchboard_bin(), "keys", "create", "--account", account, "--config",
                        config_path()});
  if (r.exit_code != 0) throw std::runtime_error("keys create failed: " + r.out);
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.substr(out.rfind('\n') + 1);
}

HttpResult TestGateway::request(const std::string& method, const std::string& path,
                                const std::string& key, const std::string& body, Headers headers) {
  HttpRequest req;
  req.method = method;
  req.url = base_url_ + path;
  req.body = body;
  req.headers = std::move(headers);
  if (!key.empty()) req.headers.emplace_back("Authorization", "Bearer " + key);
  req.timeout_ms = 30'000;
  HttpResponse resp = http_->send(req);
  HttpResult out;
  out.status = resp.status;
  out.body = resp.body;
  out.headers = resp.headers;
  out.json = nlohmann::json::parse(resp.body, nullptr, false);
  return out;
}

HttpResult TestGateway::post_json(const std::string& path, const std::string& key,
                                  const nlohmann::json& body, Headers headers) {
  headers.emplace_back("Content-Type", "application/json");
  return request("POST", path, key, body.dump(), std::move(headers));
}

HttpResult TestGateway::get(const std::string& path, const std::string& key) {
  return request("GET", path, key);
}

nlohmann::json TestGateway::wait_for_status(const std::string& id, const std::string& key,
                                            const std::string& status,
                                            std::chrono::milliseconds timeout) {
  nlohmann::json last;
  wait_until(
      [&] {
        auto r = get("/v1/messages/" + id, key);
        if (r.status == 200) last = r.json;
        return r.status == 200 && r.json.value("status", "") == status;
      },
      timeout);
  return last;
}

}  // namespace sb::test
