// CREATE DATABASE / DROP DATABASE through libpq; direct reads through libpq or SQLite.
#include "support/pg_database.h"

#include <libpq-fe.h>
#include <sqlite3.h>

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
std::string sqlite_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  std::string out, error;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
  } else {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (!out.empty()) out += '\n';
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        if (i > 0) out += '|';
        const auto* text = sqlite3_column_text(st, i);
        if (text) out += reinterpret_cast<const char*>(text);
      }
    }
    if (rc != SQLITE_DONE) error = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (!error.empty()) throw std::runtime_error(sql + ": " + error);
  return out;
}

std::string pg_query(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot reach PostgreSQL: " + msg);
  }
  PGresult* r = PQexec(c, sql.c_str());
  std::string out, error;
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    error = PQresultErrorMessage(r);
  } else {
    for (int row = 0; row < PQntuples(r); ++row) {
      if (row > 0) out += '\n';
      for (int col = 0; col < PQnfields(r); ++col) {
        if (col > 0) out += '|';
        out += PQgetvalue(r, row, col);
      }
    }
  }
  PQclear(r);
  PQfinish(c);
  if (!error.empty()) throw std::runtime_error(sql + ": " + error);
  return out;
}
}  // namespace

std::string query_database(const std::string& url, const std::string& sql) {
  const std::string sqlite = "sqlite://";
  if (url.rfind(sqlite, 0) == 0) return sqlite_query(url.substr(sqlite.size()), sql);
  return pg_query(url, sql);
}

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
