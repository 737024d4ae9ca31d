// The narrow SQL driver interface the repositories are written against (through SqlContext,
// store/sql_context.h); one implementation per database. Drivers throw DbError; SqlContext turns
// that into Result errors at its boundary.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace sb::store {

struct DbError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The database's disk is full (SQLITE_FULL, PostgreSQL's 53100 disk_full): nothing was written,
// and the same write succeeds once space returns.
struct DiskFull : DbError {
  using DbError::DbError;
};
// The database cannot be reached, or the connection was lost during the statement (a PostgreSQL
// server stopping or restarting). For a COMMIT, whether it took effect is unknown.
struct DbUnreachable : DbError {
  using DbError::DbError;
};
// A COMMIT during which the connection was lost: the transaction may or may not have taken effect
// (the server can commit and die before answering).
struct CommitUnknown : DbError {
  using DbError::DbError;
};

using Value = std::variant<std::nullptr_t, int64_t, std::string>;
using Params = std::vector<Value>;

inline Value opt(const std::optional<std::string>& s) {
  return s ? Value(*s) : Value(nullptr);
}
inline Value opt(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(nullptr); }
inline Value null_if_empty(const std::string& s) { return s.empty() ? Value(nullptr) : Value(s); }

class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> cols) : cols_(std::move(cols)) {}
  bool is_null(size_t i) const { return !cols_.at(i).has_value(); }
  std::string str(size_t i) const { return cols_.at(i).value_or(""); }
  int64_t i64(size_t i) const { return cols_.at(i) ? std::stoll(*cols_[i]) : 0; }
  std::optional<int64_t> opt_i64(size_t i) const {
    return cols_.at(i) ? std::optional<int64_t>(std::stoll(*cols_[i])) : std::nullopt;
  }
  size_t size() const { return cols_.size(); }

 private:
  std::vector<std::optional<std::string>> cols_;
};

enum class Dialect { kSqlite, kPostgres };

// One database connection. SQL uses $1..$n placeholders in both dialects.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void exec(std::string_view sql, const Params& params = {}) = 0;
  virtual std::vector<Row> query(std::string_view sql, const Params& params = {}) = 0;
  // Rows changed by the last exec.
  virtual int64_t changes() = 0;
  // Runs a multi-statement script without parameters (migrations).
  virtual void exec_script(std::string_view sql) = 0;
};

// A borrowed connection, returned to its pool (and unlocked) when destroyed.
class ConnectionLease {
 public:
  ConnectionLease(Connection* c, std::function<void()> release)
      : c_(c), release_(std::move(release)) {}
  ConnectionLease(ConnectionLease&& o) noexcept : c_(o.c_), release_(std::move(o.release_)) {
    o.release_ = nullptr;
  }
  ConnectionLease(const ConnectionLease&) = delete;
  ConnectionLease& operator=(const ConnectionLease&) = delete;
  ~ConnectionLease() {
    if (release_) release_();
  }
  Connection* operator->() const { return c_; }
  Connection& operator*() const { return *c_; }

 private:
  Connection* c_;
  std::function<void()> release_;
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual Dialect dialect() const = 0;
  // A connection for a write transaction (SQLite: the single writer).
  virtual ConnectionLease writer() = 0;
  // A connection for reads.
  virtual ConnectionLease reader() = 0;
  // Statement that opens a write transaction.
  virtual std::string_view begin_write_sql() const = 0;
  // Script that opens a write transaction. Durable ones are on disk when COMMIT returns
  // (SQLite synchronous=FULL, PostgreSQL synchronous commit); relaxed ones survive a process
  // crash but may be lost with the machine until the next durable commit (SQLite
  // synchronous=NORMAL in WAL mode, PostgreSQL synchronous_commit=off).
  virtual std::string_view begin_sql(bool durable) const = 0;
  // Opens such a write transaction on `c`, a writer() connection held by the caller.
  virtual void begin(Connection& c, bool durable) { c.exec_script(begin_sql(durable)); }

  // Deferred durability (SQLite): a group commit's transaction commits relaxed, and the thread
  // that answers its callers calls sync_deferred() first, so the fsync of batch N overlaps the
  // work of batch N+1 instead of stalling the single writer. The rows are visible before they
  // are on disk, so whoever acts on them outside the database (the dispatcher sending a claimed
  // message) calls sync_deferred() before acting. PostgreSQL commits durably: no-ops there.
  //
  // Opens a write transaction whose durability is deferred this way. Drivers without deferral
  // (PostgreSQL) open a durable one: a deferred commit is never weaker than the caller asked.
  virtual void begin_deferred(Connection& c) { begin(c, /*durable=*/true); }
  // Call after committing a begin_deferred() transaction, with the writer() lease still held.
  virtual void note_deferred_commit() {}
  // Returns once every transaction noted so far is on disk. Never fails: if the disk refuses an
  // fsync, the process stops (as PostgreSQL does) rather than answer for data it cannot keep.
  virtual void sync_deferred() {}
  // The fsyncs sync_deferred() has made (SQLite; 0 where there is no deferral).
  virtual int64_t wal_syncs() const { return 0; }

  // WAL checkpoints run so far (SQLite): passes by the background thread, of those the final
  // ones that held the writer to copy the last frames, and checkpoints by a commit that found the
  // WAL past its bound.
  struct CheckpointCounts {
    int64_t background = 0;
    int64_t finished = 0;
    int64_t on_commit = 0;
    int64_t restarts = 0;  // times a commit started the WAL file over
  };
  virtual CheckpointCounts checkpoints() const { return {}; }
};

std::unique_ptr<Driver> make_sqlite_driver(const std::string& path);

// An online copy of the SQLite database at `path` into `dest` (docs/operations.md): one read
// transaction through SQLite's backup API, so the copy is the database as of one commit while
// the gateway goes on writing (readers do not block writers in WAL mode). Written to
// `dest`.partial, checked (PRAGMA integrity_check), synced, then renamed: `dest` is either the
// whole copy or untouched. Errors: backup_failed (with SQLite's message).
struct SqliteBackup {
  int64_t pages = 0;
  int64_t bytes = 0;
};
Result<SqliteBackup> backup_sqlite(const std::string& path, const std::string& dest);

std::unique_ptr<Driver> make_postgres_driver(const std::string& conninfo, int pool_size);

}  // namespace sb::store
