// PostgreSQL driver over libpq: a bounded pool of connections; text-format parameters;
// statements prepared once per connection.
#include <libpq-fe.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/db.h"

namespace sb::store {
namespace {

// Statements a connection keeps prepared. The store's SQL is a fixed set of strings (multi-row
// statements come in a few chunk sizes), a few hundred at most; past the bound a statement is
// parsed and planned at each execution, as every one was before.
constexpr size_t kMaxPrepared = 1'000;

class PgConnection final : public Connection {
 public:
  explicit PgConnection(const std::string& conninfo) {
    conn_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn_);
      PQfinish(conn_);
      throw DbUnreachable("cannot connect to PostgreSQL: " + msg);
    }
    PQclear(PQexec(conn_, "SET client_min_messages TO warning"));
  }
  ~PgConnection() override { PQfinish(conn_); }

  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

  void exec(std::string_view sql, const Params& params) override {
    PGresult* r = run(sql, params);
    const char* n = PQcmdTuples(r);
    changes_ = (n && *n) ? std::stoll(n) : 0;
    PQclear(r);
  }

  std::vector<Row> query(std::string_view sql, const Params& params) override {
    PGresult* r = run(sql, params);
    std::vector<Row> rows;
    const int nr = PQntuples(r), nc = PQnfields(r);
    rows.reserve(nr);
    for (int i = 0; i < nr; ++i) {
      std::vector<std::optional<std::string>> cols;
      cols.reserve(nc);
      for (int j = 0; j < nc; ++j) {
        if (PQgetisnull(r, i, j)) {
          cols.emplace_back(std::nullopt);
        } else {
          cols.emplace_back(std::string(PQgetvalue(r, i, j), PQgetlength(r, i, j)));
        }
      }
      rows.emplace_back(std::move(cols));
    }
    PQclear(r);
    return rows;
  }

  int64_t changes() override { return changes_; }

  void exec_script(std::string_view sql) override {
    PGresult* r = PQexec(conn_, std::string(sql).c_str());
    check(r);
    PQclear(r);
  }

 private:
  PGresult* run(std::string_view sql, const Params& params) {
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (std::holds_alternative<std::nullptr_t>(params[i])) {
        values[i] = nullptr;
      } else if (auto* v = std::get_if<int64_t>(&params[i])) {
        storage[i] = std::to_string(*v);
        values[i] = storage[i].c_str();
      } else {
        values[i] = std::get<std::string>(params[i]).c_str();
      }
    }
    const int n = static_cast<int>(params.size());
    const std::string* name = prepared(sql, n);
    PGresult* r = name ? PQexecPrepared(conn_, name->c_str(), n, values.data(), nullptr, nullptr, 0)
                       : PQexecParams(conn_, std::string(sql).c_str(), n, nullptr, values.data(),
                                      nullptr, nullptr, 0);
    check(r);
    return r;
  }

  // The name `sql` is prepared under on this connection, preparing it the first time: the server
  // parses and plans a statement once per connection rather than at every execution (a plan
  // PostgreSQL keeps is generic only when it costs no more than planning each time). Protocol-
  // level preparation outlives a transaction that rolls back; a broken connection is dropped
  // with its statements. nullptr past kMaxPrepared.
  const std::string* prepared(std::string_view sql, int params) {
    if (auto it = prepared_.find(std::string(sql)); it != prepared_.end()) return &it->second;
    if (prepared_.size() >= kMaxPrepared) return nullptr;
    std::string name = "sb" + std::to_string(prepared_.size());
    std::string text(sql);
    check(PQprepare(conn_, name.c_str(), text.c_str(), params, nullptr), /*keep=*/false);
    return &prepared_.emplace(std::move(text), std::move(name)).first->second;
  }

  // Throws the error `r` reports, if any; otherwise leaves it to the caller, or frees it
  // unless `keep`.
  void check(PGresult* r, bool keep = true) {
    const auto st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
      if (!keep) PQclear(r);
      return;
    }
    std::string msg = PQresultErrorMessage(r);
    if (msg.empty()) msg = PQerrorMessage(conn_);
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const std::string_view code = state ? state : "";
    const bool disk_full = code == "53100";
    // Connection exceptions (08...), the server shutting down (57P01-57P03), or a connection
    // that is simply gone (no SQLSTATE).
    const bool lost = !healthy() || code.substr(0, 2) == "08" || code == "57P01" ||
                      code == "57P02" || code == "57P03";
    PQclear(r);
    if (disk_full) throw DiskFull("PostgreSQL: " + msg);
    if (lost) throw DbUnreachable("PostgreSQL: " + msg);
    throw DbError("PostgreSQL: " + msg);
  }

  PGconn* conn_ = nullptr;
  int64_t changes_ = 0;
  std::unordered_map<std::string, std::string> prepared_;  // SQL → statement name
};

class PgDriver final : public Driver {
 public:
  PgDriver(std::string conninfo, int pool_size) : conninfo_(std::move(conninfo)), max_(pool_size) {
    // Fail fast at startup if the database is unreachable.
    idle_.push_back(std::make_unique<PgConnection>(conninfo_));
    open_ = 1;
  }
  Dialect dialect() const override { return Dialect::kPostgres; }
  std::string_view begin_write_sql() const override { return "BEGIN"; }
  std::string_view begin_sql(bool durable) const override {
    return durable ? "BEGIN" : "BEGIN; SET LOCAL synchronous_commit TO OFF";
  }
  ConnectionLease writer() override { return acquire(); }
  ConnectionLease reader() override { return acquire(); }

 private:
  ConnectionLease acquire() {
    std::unique_ptr<PgConnection> c;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return !idle_.empty() || open_ < max_; });
      if (!idle_.empty()) {
        c = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;
      }
    }
    if (!c) {
      try {
        c = std::make_unique<PgConnection>(conninfo_);
      } catch (...) {
        std::lock_guard lk(mu_);
        --open_;
        cv_.notify_one();
        throw;
      }
    }
    PgConnection* raw = c.release();
    return ConnectionLease(raw, [this, raw] {
      std::lock_guard lk(mu_);
      if (raw->healthy()) {
        idle_.emplace_back(raw);
      } else {
        delete raw;  // a broken connection is replaced on next use
        --open_;
      }
      cv_.notify_one();
    });
  }

  std::string conninfo_;
  int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;
};

}  // namespace

std::unique_ptr<Driver> make_postgres_driver(const std::string& conninfo, int pool_size) {
  return std::make_unique<PgDriver>(conninfo, pool_size);
}

}  // namespace sb::store
