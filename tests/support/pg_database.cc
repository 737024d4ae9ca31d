// CREATE DATABASE / DROP DATABASE through libpq.
#include "support/pg_database.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace sb::test {
namespace {
void admin_exec(const std::string& admin_url, const std::string& sql) {
  PGconn* c = PQconnectdb(admin_url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot reach test PostgreSQL: " + msg);
  }
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string msg = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error(sql + ": " + msg);
}
}  // namespace

std::optional<std::string> pg_admin_url() {
  const char* v = std::getenv("SWITCHBOARD_TEST_PG_URL");
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

bool pg_required() {
  const char* v = std::getenv("SWITCHBOARD_REQUIRE_PG");
  return v && std::string(v) == "1";
}

PgTestDatabase::PgTestDatabase(const std::string& admin_url) : admin_url_(admin_url) {
  std::random_device rd;
  name_ = "sb_test_" + std::to_string(rd()) + std::to_string(rd());
  admin_exec(admin_url_, "CREATE DATABASE " + name_);
  // Replace the database name (the path after the last '/') in the admin URL.
  const auto q = admin_url_.find('?');
  const std::string base = admin_url_.substr(0, q);
  const auto slash = base.rfind('/');
  url_ = base.substr(0, slash + 1) + name_ + (q == std::string::npos ? "" : admin_url_.substr(q));
}

PgTestDatabase::~PgTestDatabase() {
  try {
    admin_exec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
  }
}

}  // namespace sb::test
