// Test support: a throwaway PostgreSQL database per test, on the server named by
// SWITCHBOARD_TEST_PG_URL (make test starts one with scripts/test-postgres.sh), and direct reads of
// a gateway's database through the client libraries (no command-line client needed).
#pragma once

#include <optional>
#include <string>

namespace sb::test {

// The admin URL, or nullopt when no test server is configured.
std::optional<std::string> pg_admin_url();
// True when tests must not skip PostgreSQL (SWITCHBOARD_REQUIRE_PG=1, set by make test).
bool pg_required();

// Runs one SQL query on the database named by a gateway's URL (sqlite:///path, sqlite://rel/path,
// postgresql://...) and returns its rows as the sqlite3 / psql -At clients print them: columns
// joined by '|', rows by '\n'. SQLite is opened read-only beside the running gateway (WAL).
// Throws std::runtime_error with the database's message when the query fails.
std::string query_database(const std::string& url, const std::string& sql);

class PgTestDatabase {
 public:
  explicit PgTestDatabase(const std::string& admin_url);  // creates sb_test_<random>
  ~PgTestDatabase();                                        // drops it
  const std::string& url() const { return url_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace sb::test
