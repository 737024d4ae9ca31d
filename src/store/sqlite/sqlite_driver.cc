// SQLite driver: one writer connection (WAL, synchronous=FULL so a commit is fsync'd), a pool
// of reader connections, and a checkpointer thread; prepared statements cached per connection.
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/thread_name.h"

#include "store/db.h"

namespace sb::store {
namespace {

// Rewrites $N placeholders to SQLite's ?N.
std::string to_sqlite_placeholders(std::string_view sql) {
  std::string out(sql);
  for (auto& c : out) {
    if (c == '$') c = '?';
  }
  return out;
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw DbError("cannot open SQLite database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 10'000);
    exec_script(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
        "PRAGMA temp_store=MEMORY;");
  }
  ~SqliteConnection() override {
    for (auto& [_, st] : cache_) sqlite3_finalize(st);
    sqlite3_close(db_);
  }

  void exec(std::string_view sql, const Params& params) override {
    sqlite3_stmt* st = prepare(sql, params);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    finish(st, rc);
  }

  std::vector<Row> query(std::string_view sql, const Params& params) override {
    sqlite3_stmt* st = prepare(sql, params);
    std::vector<Row> rows;
    int rc;
    const int n = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::vector<std::optional<std::string>> cols;
      cols.reserve(n);
      for (int i = 0; i < n; ++i) {
        if (sqlite3_column_type(st, i) == SQLITE_NULL) {
          cols.emplace_back(std::nullopt);
        } else {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
          cols.emplace_back(std::string(p, sqlite3_column_bytes(st, i)));
        }
      }
      rows.emplace_back(std::move(cols));
    }
    finish(st, rc);
    return rows;
  }

  int64_t changes() override { return sqlite3_changes64(db_); }

  sqlite3* handle() const { return db_; }

  void exec_script(std::string_view sql) override {
    char* err = nullptr;
    const std::string s(sql);
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw DbError("SQLite: " + msg);
    }
  }

 private:
  sqlite3_stmt* prepare(std::string_view sql, const Params& params) {
    auto it = cache_.find(sql);  // heterogeneous lookup: no key copy per statement
    sqlite3_stmt* st;
    if (it == cache_.end()) {
      const std::string s = to_sqlite_placeholders(sql);
      if (sqlite3_prepare_v3(db_, s.c_str(), static_cast<int>(s.size()), SQLITE_PREPARE_PERSISTENT,
                             &st, nullptr) != SQLITE_OK) {
        throw DbError(std::string("SQLite prepare: ") + sqlite3_errmsg(db_) + " in: " + s);
      }
      cache_.emplace(std::string(sql), st);
    } else {
      st = it->second;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      int rc;
      if (std::holds_alternative<std::nullptr_t>(params[i])) {
        rc = sqlite3_bind_null(st, idx);
      } else if (auto* v = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(st, idx, *v);
      } else {
        const auto& s = std::get<std::string>(params[i]);
        // SQLITE_STATIC: `params` outlives the statement's use (exec/query step it to the end
        // and reset it before returning; the next use rebinds).
        rc = sqlite3_bind_text(st, idx, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) throw DbError(std::string("SQLite bind: ") + sqlite3_errmsg(db_));
    }
    return st;
  }

  void finish(sqlite3_stmt* st, int rc) {
    if (rc != SQLITE_DONE) {
      std::string msg = sqlite3_errmsg(db_);
      sqlite3_reset(st);
      throw DbError("SQLite: " + msg);
    }
    sqlite3_reset(st);
  }

  sqlite3* db_ = nullptr;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> cache_;
};

// WAL checkpoints off the commit path. By default SQLite checkpoints inside the COMMIT that
// pushes the WAL past 1,000 pages: that commit then copies the pages into the database file and
// fsyncs it, and every caller waiting on that group commit waits too (the store bench's commit
// p99 was 3-5x its p50 because of it). Here the writer only notes the WAL's size; a thread with
// its own connection runs PASSIVE checkpoints, which never block the writer. Under sustained
// writes a passive checkpoint can never catch up with the last frame, and SQLite only restarts
// the WAL from its start once it has, so past kInlinePages the writer checkpoints the (by then
// small) remainder itself, as before, which bounds the file.
class Checkpointer {
 public:
  static constexpr int kBackgroundPages = 1000;  // SQLite's own auto-checkpoint threshold
  static constexpr int kInlinePages = 16000;     // ~64 MB of WAL

  Checkpointer(std::string path, sqlite3* writer) : path_(std::move(path)), writer_(writer) {
    sqlite3_wal_hook(writer_, &Checkpointer::on_commit, this);
    thread_ = std::thread([this] {
      set_thread_name("sb-checkpoint");
      run();
    });
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  ~Checkpointer() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
    sqlite3_wal_hook(writer_, nullptr, nullptr);
  }

  Driver::CheckpointCounts counts() const {
    return {background_runs_.load(std::memory_order_relaxed),
            on_commit_runs_.load(std::memory_order_relaxed)};
  }

 private:
  // Runs on the writer after each commit, with the WAL's size in pages.
  static int on_commit(void* self, sqlite3* db, const char* schema, int pages) {
    auto* cp = static_cast<Checkpointer*>(self);
    if (pages >= kInlinePages) {
      int log = 0, done = 0;
      const int rc =
          sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        spdlog::warn("sqlite: checkpoint on commit failed: {}", sqlite3_errstr(rc));
      }
      cp->on_commit_runs_.fetch_add(1, std::memory_order_relaxed);
    } else if (pages >= kBackgroundPages) {
      {
        std::lock_guard lk(cp->mu_);
        cp->wanted_ = true;
      }
      cp->cv_.notify_one();
    }
    return SQLITE_OK;
  }

  void run() {
    std::unique_ptr<SqliteConnection> c;
    for (;;) {
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return stopping_ || wanted_; });
        if (stopping_) return;
        wanted_ = false;
      }
      try {
        if (!c) c = std::make_unique<SqliteConnection>(path_);
        int log = 0, done = 0;
        const int rc = sqlite3_wal_checkpoint_v2(c->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                 &log, &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
          spdlog::warn("sqlite: checkpoint failed: {}", sqlite3_errstr(rc));
        }
        background_runs_.fetch_add(1, std::memory_order_relaxed);
      } catch (const std::exception& e) {
        spdlog::warn("sqlite: checkpoint failed: {}", e.what());
      }
    }
  }

  std::string path_;
  sqlite3* writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stopping_ = false;
  std::atomic<int64_t> background_runs_{0};
  std::atomic<int64_t> on_commit_runs_{0};
  std::thread thread_;
};

class SqliteDriver final : public Driver {
 public:
  explicit SqliteDriver(std::string path) : path_(std::move(path)) {
    writer_ = std::make_unique<SqliteConnection>(path_);
    // After a restart of the WAL, truncate the file back to this size (it grows to the high
    // water mark of frames between restarts otherwise).
    writer_->exec_script("PRAGMA journal_size_limit=67108864;");
    checkpointer_ = std::make_unique<Checkpointer>(path_, writer_->handle());
  }
  ~SqliteDriver() override {
    checkpointer_.reset();  // before the writer it hooks into
  }
  CheckpointCounts checkpoints() const override { return checkpointer_->counts(); }
  Dialect dialect() const override { return Dialect::kSqlite; }
  std::string_view begin_write_sql() const override { return "BEGIN IMMEDIATE"; }
  std::string_view begin_sql(bool durable) const override {
    return durable ? "PRAGMA synchronous=FULL; BEGIN IMMEDIATE"
                   : "PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE";
  }

  // Prepared statements instead of begin_sql's script (which sqlite3_exec would parse on every
  // transaction), and the synchronous pragma only when the mode changes.
  void begin(Connection& c, bool durable) override {
    if (durable != writer_durable_) {  // the caller holds write_mu_ (a writer() lease)
      c.exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
      writer_durable_ = durable;
    }
    c.exec("BEGIN IMMEDIATE");
  }

  ConnectionLease writer() override {
    write_mu_.lock();
    return ConnectionLease(writer_.get(), [this] { write_mu_.unlock(); });
  }

  ConnectionLease reader() override {
    std::unique_ptr<SqliteConnection> c;
    {
      std::lock_guard lk(pool_mu_);
      if (!idle_.empty()) {
        c = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!c) c = std::make_unique<SqliteConnection>(path_);
    SqliteConnection* raw = c.release();
    return ConnectionLease(raw, [this, raw] {
      std::lock_guard lk(pool_mu_);
      if (idle_.size() < 16) {
        idle_.emplace_back(raw);
      } else {
        delete raw;
      }
    });
  }

 private:
  std::string path_;
  std::mutex write_mu_;
  std::unique_ptr<SqliteConnection> writer_;
  std::unique_ptr<Checkpointer> checkpointer_;
  bool writer_durable_ = true;  // connections open with synchronous=FULL
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
};

}  // namespace

std::unique_ptr<Driver> make_sqlite_driver(const std::string& path) {
  return std::make_unique<SqliteDriver>(path);
}

}  // namespace sb::store
