// Test support: a throwaway PostgreSQL database per test, on the server named by
// SWITCHBOARD_TEST_PG_URL (make test starts one with scripts/test-postgres.sh).
#pragma once

#include <optional>
#include <string>

namespace sb::test {

// The admin URL, or nullopt when no test server is configured.
std::optional<std::string> pg_admin_url();
// True when tests must not skip PostgreSQL (SWITCHBOARD_REQUIRE_PG=1, set by make test).
bool pg_required();

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
