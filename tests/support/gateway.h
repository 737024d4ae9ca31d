// Test support: a running switchboard (real binary, port 0, temp data dir) and an HTTP client.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/http_types.h"
#include "support/pg_database.h"
#include "support/process.h"

namespace sb::test {

struct HttpResult {
  int status = 0;
  nlohmann::json json;
  std::string body;
  Headers headers;
  std::string header(const std::string& name) const;
};

enum class Backend { kSqlite, kPostgres };
std::string backend_name(Backend b);

class TestGateway {
 public:
  // Throws if the backend is unavailable; callers skip on PostgreSQL without a server.
  // `extra_toml` is appended after the built-in [[numbers]]; `server_toml` goes into [server]
  // (e.g. public_url = "https://sms.example.test").
  // `database_url`: another gateway's database (database_url()), for two instances on one
  // PostgreSQL; the first gateway keeps owning it.
  explicit TestGateway(Backend backend, std::string extra_toml = {}, std::string server_toml = {},
                       std::string database_url = {});
  ~TestGateway();

  void start();
  void kill9();
  // SIGTERM and wait; returns the exit code.
  int terminate();
  const std::string& base_url() const { return base_url_; }
  const std::string& dir() const { return dir_.path(); }
  std::string sim_journal() const { return dir_.file("sim.jsonl"); }
  // Accepted submissions of message `id` at the simulated carrier (its journal).
  int sim_submissions(const std::string& id) const;
  std::string config_path() const { return dir_.file("switchboard.toml"); }
  const std::string& database_url() const { return db_url_; }
  // What the server logged so far (its stderr, kept across restarts).
  std::string server_log() const;
  // What the running server printed on stdout so far (first-start secrets, "listening on").
  const std::vector<std::string>& printed() const { return proc_->lines(); }
  // Creates an API key for `account` with the CLI.
  std::string create_key(const std::string& account);

  HttpResult request(const std::string& method, const std::string& path, const std::string& key,
                     const std::string& body = {}, Headers headers = {});
  HttpResult post_json(const std::string& path, const std::string& key, const nlohmann::json& body,
                       Headers headers = {});
  HttpResult get(const std::string& path, const std::string& key);
  // Waits until GET /v1/messages/{id} reports `status`; returns the last message seen.
  nlohmann::json wait_for_status(const std::string& id, const std::string& key,
                                 const std::string& status,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  TempDir dir_;
  std::unique_ptr<PgTestDatabase> pg_;
  std::string db_url_;
  std::unique_ptr<Process> proc_;
  std::unique_ptr<HttpClient> http_;
  std::string base_url_;
};

}  // namespace sb::test
