// The SQL context every repository is written over: the driver, write transactions (durable,
// relaxed, deferred: the group commit's), reads, leased claims, and the one place a database
// failure (a driver's DbError, or any exception while a row is read) becomes a Result error.
#pragma once

#include <functional>
#include <cstddef>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/db.h"

namespace sb::store {

// Thrown inside a transaction to roll it back on purpose (not a database failure): the
// transaction's Result carries the code "rolled_back".
struct Rollback : DbError {
  Rollback() : DbError("rolled back") {}
};

// The Result error for an exception thrown by a driver or a row converter: "rolled_back" for a
// Rollback, else "storage_error" (logged with its cause, which the caller does not see).
Error db_error(const std::exception& e);

// Multi-row statements are built for a few fixed row counts so each SQL text is prepared once.
inline constexpr size_t kChunkSizes[] = {64, 16, 4, 1};

// "($1, $2, $3), ($4, $5, $6)" for `rows` rows of `cols` placeholders, starting after `first`.
std::string placeholders(size_t rows, size_t cols, size_t first = 0);

// Calls fn(first, count) over [0, total) in chunks of the fixed kChunkSizes.
template <typename F>
void for_chunks(size_t total, F&& fn) {
  size_t at = 0;
  for (size_t size : kChunkSizes) {
    while (total - at >= size) {
      fn(at, size);
      at += size;
    }
  }
}

// Appends " AND <cond> $n" to a listing's WHERE clause, `v` becoming its parameter n.
inline void add_condition(std::string& sql, Params& p, std::string_view cond, Value v) {
  p.push_back(std::move(v));
  sql += " AND ";
  sql += cond;
  sql += " $" + std::to_string(p.size());
}

// One SQL text per chunk size, built once (a function-local static): make(k) for k rows.
class ChunkedSql {
 public:
  template <typename Make>
  explicit ChunkedSql(Make&& make) {
    for (size_t k : kChunkSizes) texts_.emplace(k, make(k));
  }
  const std::string& operator()(size_t rows) const { return texts_.at(rows); }

 private:
  std::map<size_t, std::string> texts_;
};

class SqlContext {
 public:
  SqlContext(std::unique_ptr<Driver> driver, const Clock& clock)
      : db_(std::move(driver)), clock_(clock) {}

  Driver& driver() { return *db_; }
  const Clock& clock() const { return clock_; }
  bool pg() const { return db_->dialect() == Dialect::kPostgres; }

  // Durable: on disk when the transaction returns. Relaxed: may be lost with the machine (not
  // with the process). Deferred: relaxed now, on disk after the next sync_deferred() (see
  // Driver). A durable transaction is a deferred one followed by sync_deferred() once the
  // writer is released: on SQLite the fsync then no longer holds the only writer (a
  // synchronous=FULL COMMIT would, for a millisecond or more, stalling the outbox and every
  // other writer behind it), and durable transactions of several threads share fsyncs.
  enum class TxSync { kDurable, kRelaxed, kDeferred };

  // Runs fn(Connection&) in one write transaction and returns what it returns: committed when it
  // returns, rolled back when it throws.
  template <typename F>
  auto write_tx_as(TxSync sync, F&& fn) -> Result<std::invoke_result_t<F&, Connection&>> {
    using R = std::invoke_result_t<F&, Connection&>;
    return guarded([&]() -> R {
      if constexpr (std::is_void_v<R>) {
        in_tx(sync, fn);
        if (sync == TxSync::kDurable) db_->sync_deferred();
      } else {
        R value = in_tx(sync, fn);
        if (sync == TxSync::kDurable) db_->sync_deferred();
        return value;
      }
    });
  }
  template <typename F>
  auto write_tx(F&& fn, bool durable = true) {
    return write_tx_as(durable ? TxSync::kDurable : TxSync::kRelaxed, std::forward<F>(fn));
  }

  // Runs fn(Connection&) on a reader connection and returns what it returns (rows converted
  // inside fn, so a bad row is a database error like a failed query).
  template <typename F>
  auto read(F&& fn) -> Result<std::invoke_result_t<F&, Connection&>> {
    return guarded([&] {
      auto c = db_->reader();
      return fn(*c);
    });
  }

  // Returns once every deferred commit so far is on disk.
  void sync_deferred() { db_->sync_deferred(); }

  // Called after every committed write transaction, on the committing thread (cheap, and never
  // back into the store). Set before the store is shared.
  void set_commit_listener(std::function<void()> fn) { commit_listener_ = std::move(fn); }

  // True when the probe query ($1 = now) finds a row, or cannot tell (then the caller's claim
  // decides).
  bool due_exists(std::string_view sql, TimeMs now);

  // Leases due work rows (deliveries, redactions, media): a cheap look (`probe_sql`, $1 = now)
  // before taking the write lock, since idle workers poll; then one transaction selects up to
  // `limit` due rows (`select_sql`, $1 = now, $2 = limit; on PostgreSQL skipping rows another
  // instance has locked) and `take` records each row's lease and returns its record.
  template <typename T, typename Take>
  Result<std::vector<T>> claim_rows(std::string_view probe_sql, std::string select_sql, TimeMs now,
                                    int limit, bool durable, Take&& take) {
    if (!due_exists(probe_sql, now)) return std::vector<T>{};
    if (pg()) select_sql += " FOR UPDATE SKIP LOCKED";
    auto r = write_tx(
        [&](Connection& c) {
          std::vector<T> out;
          for (const auto& row : c.query(select_sql, {now, int64_t{limit}})) {
            out.push_back(take(c, row));
          }
          return out;
        },
        durable);
    // As claim_due: a claimed row may come from a commit that is not on disk yet, and the
    // worker is about to act on it outside the database.
    if (r && !r->empty()) db_->sync_deferred();
    return r;
  }

 private:
  // Runs fn on the writer between BEGIN and COMMIT (ROLLBACK when it throws); the writer is
  // released when this returns, before a durable transaction's sync.
  template <typename F>
  auto in_tx(TxSync sync, F& fn) -> std::invoke_result_t<F&, Connection&> {
    auto c = db_->writer();
    if (sync == TxSync::kRelaxed) {
      db_->begin(*c, /*durable=*/false);
    } else {
      db_->begin_deferred(*c);
    }
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F&, Connection&>>) {
        fn(*c);
        commit(*c, sync);
      } else {
        auto value = fn(*c);
        commit(*c, sync);
        return value;
      }
    } catch (...) {
      try {
        c->exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }
  void commit(Connection& c, TxSync sync) {
    try {
      c.exec("COMMIT");
    } catch (const DbUnreachable& e) {
      throw CommitUnknown(e.what());  // the server may have committed before the connection died
    }
    if (sync != TxSync::kRelaxed) db_->note_deferred_commit();
    if (commit_listener_) commit_listener_();
  }

  // The boundary: fn's value, or the error for what it threw (db_error).
  template <typename F>
  static auto guarded(F&& fn) -> Result<std::invoke_result_t<F&>> {
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        fn();
        return Ok();
      } else {
        return fn();
      }
    } catch (const std::exception& e) {
      return db_error(e);
    }
  }

  std::unique_ptr<Driver> db_;
  const Clock& clock_;
  std::function<void()> commit_listener_;
};

}  // namespace sb::store
