// SQLite driver: one writer connection (WAL; a durable commit's WAL is fsync'd by
// sync_deferred() once the writer is released), a pool of reader connections, and a
// checkpointer thread; prepared statements cached per connection.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/latency_histogram.h"
#include "core/thread_name.h"
#include "store/db.h"
#include "store/sqlite/wal_vfs.h"

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
  // `vfs`: wal_batching_vfs() unless given (the checkpointer's is wal_paced_vfs()).
  explicit SqliteConnection(const std::string& path, const char* vfs = nullptr) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        vfs ? vfs : wal_batching_vfs()) != SQLITE_OK) {
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
    if (const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      if ((rc & 0xff) == SQLITE_FULL) throw DiskFull("SQLite: " + msg);
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
      if ((rc & 0xff) == SQLITE_FULL) throw DiskFull("SQLite: " + msg);
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
// its own connection runs PASSIVE checkpoints, which never block the writer.
//
// SQLite restarts the WAL from its beginning only when a write transaction starts with every
// frame already copied, which under sustained writes a passive checkpoint never achieves: it
// copies what was there when it began while the writer appends more. So the thread repeats
// passes (each copies what the writer appended during the last one, fewer each time, and syncs
// the database file) and, once a pass found at most kFinishFrames new frames, copies the rest
// while holding the writer (a pause of about that many pages and two small fsyncs), after which
// the next commit restarts the WAL. When the writer is idle a pass copies everything and no
// finish is needed. As a last resort, a commit that finds the WAL past kInlinePages checkpoints
// itself, which bounds the file.
class Checkpointer {
 public:
  // 64 MB of WAL: a page written many times between checkpoints (the tails of the messages
  // table and its indexes, hot conversations) is copied once. At SQLite's own 1,000 the
  // checkpointer took 16 % of the server's CPU in bench/run.sh, at 8,000 about 8 %; with paced
  // passes, 16,000 took bench/run.sh's p99 from 10.2 to 9.2 ms (mean of four alternating pairs).
  static constexpr int kBackgroundPages = 16000;
  static constexpr int kInlinePages = 32000;  // ~128 MB of WAL
  static constexpr int kUnpacedPages = 24000;
  static constexpr int kFinishFrames = 256;
  static constexpr int kMaxPasses = 8;

  // `with_writer` runs a function on the writer connection while holding it.
  using WithWriter = std::function<void(const std::function<void(sqlite3*)>&)>;

  Checkpointer(std::string path, sqlite3* writer, WithWriter with_writer)
      : path_(std::move(path)), writer_(writer), with_writer_(std::move(with_writer)) {
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

  const LatencyHistogram& finish_held() const { return finish_held_; }
  Driver::CheckpointCounts counts() const {
    return {background_.load(std::memory_order_relaxed), finished_.load(std::memory_order_relaxed),
            on_commit_.load(std::memory_order_relaxed), restarts_.load(std::memory_order_relaxed)};
  }

 private:
  // One passive checkpoint on `db`: it copies the frames that were in the WAL when it began
  // (unless a reader still needs some).
  struct Pass {
    bool ok = false;
    int frames = 0;  // in the WAL when the pass began
    int copied = 0;  // of those, copied into the database file
  };
  static Pass passive(sqlite3* db) {
    Pass p;
    const int rc =
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &p.frames, &p.copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("sqlite: checkpoint failed: {}", sqlite3_errstr(rc));
    }
    p.ok = rc == SQLITE_OK;
    return p;
  }

  // fdatasync of the database file through `db`'s own handle (opening and closing another
  // descriptor on the file would drop SQLite's POSIX locks on it).
  static void sync_database(sqlite3* db) {
    sqlite3_file* f = nullptr;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        !f->pMethods) {
      return;
    }
    if (const int rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL); rc != SQLITE_OK) {
      spdlog::warn("sqlite: sync of the database file failed: {}", sqlite3_errstr(rc));
    }
  }

  // Runs on the writer after each commit, with the WAL's size in pages.
  static int on_commit(void* self, sqlite3* db, const char*, int pages) {
    auto* cp = static_cast<Checkpointer*>(self);
    // Behind (the WAL is halfway from where passes start to where commits checkpoint): the
    // passes copy at full speed until the WAL restarts.
    cp->pacing_.store(pages < kUnpacedPages, std::memory_order_relaxed);
    if (pages < cp->wal_pages_.load(std::memory_order_relaxed)) {
      cp->restarts_.fetch_add(1, std::memory_order_relaxed);
    }
    cp->wal_pages_.store(pages, std::memory_order_relaxed);
    if (pages >= kInlinePages) {
      passive(db);
      cp->on_commit_.fetch_add(1, std::memory_order_relaxed);
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
        // Paced: its passes sync the database file every kPaceBytes, so the outbox's next WAL
        // sync does not pay for a whole pass's pages (wal_vfs.h).
        if (!c) {
          c = std::make_unique<SqliteConnection>(path_, wal_paced_vfs());
          sqlite3_file_control(c->handle(), "main", kPacingSwitchOp, &pacing_);
        }
        // Each pass copies what the writer appended during the last one; once that is under
        // kFinishFrames, one more pass holding the writer leaves nothing behind.
        int last = -1;
        for (int pass = 0; pass < kMaxPasses; ++pass) {
          const Pass p = passive(c->handle());
          background_.fetch_add(1, std::memory_order_relaxed);
          // Failed; or the WAL restarted since the pass was wanted or since the last pass; or
          // nothing came in since the last pass, which copied it all (SQLite then synced the
          // database file itself, and the next commit restarts the WAL with no finish needed).
          if (!p.ok || p.frames < last || (pass == 0 && p.frames < kBackgroundPages)) break;
          if (p.frames == last && p.copied == p.frames) break;
          // A pass that does not catch up with the writer leaves the pages it copied unsynced:
          // SQLite syncs the database file only when a checkpoint copied the whole WAL, so the
          // finish below used to flush every page of every pass (~30 MB) while holding the
          // writer. Synced here, off the writer, the finish has only its own few pages to sync.
          sync_database(c->handle());
          if (last >= 0 && p.frames - last <= kFinishFrames) {
            with_writer_([&](sqlite3* w) {
              // Already restarted (the last pass had copied everything): nothing to finish.
              if (wal_pages_.load(std::memory_order_relaxed) < p.frames) return;
              const auto held = std::chrono::steady_clock::now();
              if (passive(w).ok) finished_.fetch_add(1, std::memory_order_relaxed);
              finish_held_.add(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - held)
                                   .count());
            });
            break;
          }
          last = p.frames;
        }
      } catch (const std::exception& e) {
        spdlog::warn("sqlite: checkpoint failed: {}", e.what());
      }
    }
  }

  std::string path_;
  sqlite3* writer_;
  WithWriter with_writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stopping_ = false;
  std::atomic<int64_t> background_{0};
  std::atomic<int64_t> finished_{0};
  LatencyHistogram finish_held_;  // µs each finish held the writer
  std::atomic<int64_t> restarts_{0};
  std::atomic<int> wal_pages_{0};  // the WAL's size after the last commit
  std::atomic<bool> pacing_{true};  // the passes sync every kPaceBytes (wal_vfs.h)
  std::atomic<int64_t> on_commit_{0};
  std::thread thread_;
};

class SqliteDriver final : public Driver {
 public:
  explicit SqliteDriver(std::string path) : path_(std::move(path)) {
    writer_ = std::make_unique<SqliteConnection>(path_);
    // After a restart of the WAL, truncate the file back to this size (it grows to the high
    // water mark of frames between restarts otherwise).
    // Set above the bound commits enforce (kInlinePages frames of 4 KB pages and their headers),
    // so a cycle never shrinks the file just to regrow it: blocks allocated again make each WAL
    // sync write metadata too.
    constexpr int64_t kWalLimitBytes =
        int64_t{Checkpointer::kInlinePages} * (4096 + 24) + (4 << 20);
    writer_->exec_script("PRAGMA journal_size_limit=" + std::to_string(kWalLimitBytes) + ";");
    // The writer's page cache: 32 MiB rather than SQLite's 2. Every insert walks the messages
    // table's indexes (idempotency key, outbox, batch) and the contacts' and conversations'; once
    // a database holds a few hundred thousand messages those pages no longer fit in 2 MiB and
    // each insert read them back from the OS (pread: 12 % of a 200,000-row batch's
    // materialisation in perf).
    writer_->exec_script("PRAGMA cache_size=-32768;");
    checkpointer_ = std::make_unique<Checkpointer>(path_, writer_->handle(),
                                                   [this](const std::function<void(sqlite3*)>& fn) {
                                                     std::lock_guard lk(write_mu_);
                                                     fn(writer_->handle());
                                                   });
  }
  ~SqliteDriver() override {
    if (checkpointer_) {
      const auto n = checkpointer_->counts();
      const LatencyHistogram& held = checkpointer_->finish_held();
      spdlog::info(
          "sqlite: checkpoints: {} passes, {} finished holding the writer (us p50/max {}/{}), {} "
          "on commit, {} WAL restarts; {} WAL syncs",
          n.background, n.finished, held.percentile(0.5), held.max(), n.on_commit, n.restarts,
          wal_syncs());
    }
    checkpointer_.reset();  // before the writer it hooks into
    if (wal_fd_ >= 0) ::close(wal_fd_);
  }

  // A relaxed (synchronous=NORMAL) commit has written its frames to the WAL file but not
  // fsync'd them; an fdatasync of that file later makes them as durable as synchronous=FULL
  // would have (SQLite still syncs the WAL header itself when it restarts the file).
  void begin_deferred(Connection& c) override { begin(c, /*durable=*/false); }
  void note_deferred_commit() override {
    deferred_.store(deferred_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  void sync_deferred() override {
    const uint64_t target = deferred_.load(std::memory_order_acquire);
    if (synced_.load(std::memory_order_acquire) >= target) return;
    std::lock_guard lk(sync_mu_);
    if (synced_.load(std::memory_order_acquire) >= target) return;  // a sync in flight covered it
    const uint64_t covered = deferred_.load(std::memory_order_acquire);
    // Opened once. The file cannot be replaced under it: SQLite deletes a WAL file only when
    // the last connection to the database closes, and the writer connection is open for as long
    // as this driver is, holding its shared lock (so neither this process nor another one can
    // be the last). No stat() per sync to check: on this kernel (multigrain timestamps) a stat
    // of the file makes its next write update mtime at full precision, so every fdatasync also
    // wrote the inode, a second synchronous I/O (bench/fsync_bench, docs/benchmarks.md).
    if (wal_fd_ < 0) wal_fd_ = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0 || ::fdatasync(wal_fd_) != 0) {
      // After a failed fsync the kernel may have dropped the dirty pages: retrying cannot tell
      // whether committed messages are on disk. Stop, as PostgreSQL does; a restart recovers
      // from what the disk holds, and callers that got no answer retry.
      spdlog::critical("sqlite: fsync of {} failed: {}; stopping", wal_path_,
                       std::strerror(errno));
      std::abort();
    }
    synced_.store(covered, std::memory_order_release);
    wal_syncs_.fetch_add(1, std::memory_order_relaxed);
  }
  int64_t wal_syncs() const override { return wal_syncs_.load(std::memory_order_relaxed); }
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
  bool writer_durable_ = true;         // connections open with synchronous=FULL
  std::atomic<uint64_t> deferred_{0};  // deferred commits noted (written by the writer only)
  std::atomic<uint64_t> synced_{0};    // of those, the ones known to be on disk
  std::atomic<int64_t> wal_syncs_{0};  // fdatasyncs made for them
  std::mutex sync_mu_;
  int wal_fd_ = -1;  // guarded by sync_mu_
  std::string wal_path_ = path_ + "-wal";
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
};

}  // namespace

std::unique_ptr<Driver> make_sqlite_driver(const std::string& path) {
  return std::make_unique<SqliteDriver>(path);
}

Result<SqliteBackup> backup_sqlite(const std::string& path, const std::string& dest) {
  const auto failed = [](const std::string& what, sqlite3* db) {
    return Error::make("backup_failed", what + (db ? std::string(": ") + sqlite3_errmsg(db) : ""));
  };
  const std::string partial = dest + ".partial";
  std::remove(partial.c_str());
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  const auto close_both = [&] {
    sqlite3_close(dst);
    sqlite3_close(src);
  };
  // The gateway's own VFS, read-only: the live database is never written by a backup.
  if (sqlite3_open_v2(path.c_str(), &src, SQLITE_OPEN_READONLY, wal_batching_vfs()) !=
      SQLITE_OK) {
    auto e = failed("cannot open " + path, src);
    close_both();
    return e;
  }
  sqlite3_busy_timeout(src, 10'000);
  if (sqlite3_open_v2(partial.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    auto e = failed("cannot create " + partial, dst);
    close_both();
    std::remove(partial.c_str());
    return e;
  }
  SqliteBackup out;
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    auto e = failed("cannot start the backup", dst);
    close_both();
    std::remove(partial.c_str());
    return e;
  }
  // All pages in one step: one read transaction, so one consistent snapshot however busy the
  // gateway is (a copy in several steps restarts whenever another connection writes).
  int rc = sqlite3_backup_step(b, -1);
  while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a lock held by a checkpoint
    rc = sqlite3_backup_step(b, -1);
  }
  out.pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    auto e = Error::make("backup_failed", std::string("copying: ") + sqlite3_errstr(rc));
    close_both();
    std::remove(partial.c_str());
    return e;
  }
  // The copy stands alone: its own journal, not a WAL that a later open would have to find.
  std::string check;
  char* err = nullptr;
  sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
  sqlite3_exec(
      dst, "PRAGMA integrity_check",
      [](void* out, int, char** values, char**) {
        auto* s = static_cast<std::string*>(out);
        if (values[0]) s->append(values[0]);
        return 0;
      },
      &check, &err);
  sqlite3_free(err);
  close_both();
  if (check != "ok") {
    std::remove(partial.c_str());
    return Error::make("backup_failed", "the copy failed its integrity check: " + check);
  }
  const int fd = ::open(partial.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    std::remove(partial.c_str());
    return Error::make("backup_failed", "cannot sync " + partial + ": " + std::strerror(errno));
  }
  out.bytes = ::lseek(fd, 0, SEEK_END);
  ::close(fd);
  if (std::rename(partial.c_str(), dest.c_str()) != 0) {
    std::remove(partial.c_str());
    return Error::make("backup_failed", "cannot rename to " + dest + ": " + std::strerror(errno));
  }
  return out;
}

}  // namespace sb::store
