// The WAL-batching VFS (store/sqlite/wal_vfs.h): every committed transaction is whole in the
// WAL file when COMMIT returns, whatever its shape, and readers never see half of one.
#include "store/sqlite/wal_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/db.h"

namespace sb::store {
namespace {

namespace fs = std::filesystem;

class WalVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sb_wal_vfs.XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = (dir_ / "t.db").string();
    fs::create_directory(dir_ / "snap");
  }
  void TearDown() override { fs::remove_all(dir_); }

  struct Seen {
    int64_t rows = -1;
    int64_t sum = 0;
    std::string integrity;
  };

  // What a crash right now would leave: the database and WAL files as they are (no shared
  // memory), opened with SQLite's default VFS, which rebuilds the WAL index from the frames'
  // own headers and checksums and keeps only whole transactions.
  Seen after_crash() {
    const fs::path snap = dir_ / "snap" / "t.db";
    fs::remove(snap.string() + "-shm");
    fs::copy_file(path_, snap, fs::copy_options::overwrite_existing);
    if (fs::exists(path_ + "-wal")) {
      fs::copy_file(path_ + "-wal", snap.string() + "-wal", fs::copy_options::overwrite_existing);
    } else {
      fs::remove(snap.string() + "-wal");
    }
    sqlite3* db = nullptr;
    Seen seen;
    if (sqlite3_open_v2(snap.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
      seen.integrity = one_text(db, "PRAGMA integrity_check");
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(v), 0) FROM t", -1, &st,
                             nullptr) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW) {
        seen.rows = sqlite3_column_int64(st, 0);
        seen.sum = sqlite3_column_int64(st, 1);
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return seen;
  }

  static std::string one_text(sqlite3* db, const char* sql) {
    sqlite3_stmt* st = nullptr;
    std::string out = "(error)";
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }

  // One transaction of `n` rows of `pad` bytes; deferred (synchronous=NORMAL, nothing synced)
  // or durable.
  static void insert(Driver& d, int n, size_t pad, bool deferred, int64_t v = 1) {
    const std::string p(pad, 'x');
    auto c = d.writer();
    if (deferred) {
      d.begin_deferred(*c);
    } else {
      d.begin(*c, true);
    }
    for (int i = 0; i < n; ++i) c->exec("INSERT INTO t (v, pad) VALUES ($1, $2)", {v, p});
    c->exec("COMMIT");
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(WalVfsTest, EveryCommitIsWholeInTheWalFileWhenCommitReturns) {
  auto d = make_sqlite_driver(path_);
  d->writer()->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT)");
  int64_t rows = 0;
  const auto check = [&](const char* what) {
    const Seen seen = after_crash();
    EXPECT_EQ(seen.integrity, "ok") << what;
    EXPECT_EQ(seen.rows, rows) << what;
  };
  // Small and mid-sized transactions, both kinds of commit.
  const int shapes[][2] = {{1, 10}, {5, 3000}, {50, 200}, {400, 900}, {1, 5000}, {30, 4000}};
  for (int round = 0; round < 3; ++round) {
    for (const auto& s : shapes) {
      insert(*d, s[0], static_cast<size_t>(s[1]), round % 2 == 0);
      rows += s[0];
      check("after a commit");
    }
  }
  // One transaction larger than the VFS's buffer (~12 MB of pages): written out in pieces.
  insert(*d, 3000, 4000, true);
  rows += 3000;
  check("after a 12 MB commit");
  // A rolled-back transaction leaves frames past the end of the WAL's content; the next one
  // writes over them.
  {
    auto c = d->writer();
    d->begin_deferred(*c);
    for (int i = 0; i < 200; ++i) c->exec("INSERT INTO t (v, pad) VALUES (7, 'rolled back')");
    c->exec("ROLLBACK");
  }
  insert(*d, 3, 100, true);
  rows += 3;
  check("after a rollback and a commit");
  // A transaction bigger than the writer's page cache spills pages to the WAL before COMMIT and
  // then writes some of them again: SQLite overwrites those frames in place and rewrites the
  // checksums after the commit frame.
  {
    auto c = d->writer();
    c->exec("PRAGMA cache_size=20");
    d->begin_deferred(*c);
    for (int i = 0; i < 300; ++i) c->exec("INSERT INTO t (v, pad) VALUES (1, $1)", {std::string(3000, 's')});
    c->exec("UPDATE t SET pad = 'rewritten' WHERE id % 3 = 0");
    c->exec("COMMIT");
    c->exec("PRAGMA cache_size=-2000");
  }
  rows += 300;
  check("after a commit that spilled and overwrote frames");
  // The WAL starts over: at offset 0 of a file still holding older (now invalid) frames, and
  // from an empty file.
  for (const char* mode : {"PRAGMA wal_checkpoint(RESTART)", "PRAGMA wal_checkpoint(TRUNCATE)"}) {
    d->writer()->exec(mode);
    for (const auto& s : shapes) {
      insert(*d, s[0], static_cast<size_t>(s[1]), true);
      rows += s[0];
      check(mode);
    }
  }
  // The frames do go out batched: a 100-page commit is a handful of writes, not 200.
  const WalVfsCounts before = wal_vfs_counts();
  insert(*d, 100, 3000, true);
  const WalVfsCounts after = wal_vfs_counts();
  const uint64_t frames = after.batched_frames - before.batched_frames;
  const uint64_t writes = after.batched_writes - before.batched_writes;
  EXPECT_GE(frames, 100u);
  EXPECT_LE(writes * 10, frames) << writes << " writes for " << frames << " frames";
}

TEST_F(WalVfsTest, AWalThatExistedAtOpenIsAppendedToCorrectly) {
  sqlite3* keeper = nullptr;  // another connection: keeps the WAL when the first driver closes
  int64_t rows = 0;
  {
    auto d = make_sqlite_driver(path_);
    d->writer()->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT)");
    insert(*d, 20, 500, true);
    rows += 20;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &keeper, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    ASSERT_EQ(one_text(keeper, "SELECT count(*) FROM t"), "20");
  }
  ASSERT_GT(fs::file_size(path_ + "-wal"), 0u);
  // A new writer appends to a WAL whose header it never wrote: it learns the frame size from
  // its first frames, then batches.
  auto d = make_sqlite_driver(path_);
  const WalVfsCounts before = wal_vfs_counts();
  for (int i = 0; i < 10; ++i) {
    insert(*d, 40, 1000, true);
    rows += 40;
    const Seen seen = after_crash();
    EXPECT_EQ(seen.integrity, "ok");
    EXPECT_EQ(seen.rows, rows);
  }
  EXPECT_GT(wal_vfs_counts().batched_frames, before.batched_frames);
  EXPECT_EQ(one_text(keeper, "SELECT count(*) FROM t"), std::to_string(rows));
  sqlite3_close(keeper);
}

TEST_F(WalVfsTest, ReadersNeverSeeHalfATransaction) {
  auto d = make_sqlite_driver(path_);
  d->writer()->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT)");
  // Each transaction adds rows summing to zero.
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      int64_t last = 0;
      while (!done.load()) {
        try {
          // The newest transaction's ten rows (ids are consecutive within one): all there, and
          // summing to zero. Short reads, so the checkpointer can still catch up between them.
          auto rows = d->reader()->query(
              "SELECT m, (SELECT count(*) FROM t WHERE id > m - 10), "
              "(SELECT coalesce(sum(v), 0) FROM t WHERE id > m - 10) "
              "FROM (SELECT coalesce(max(id), 0) AS m FROM t)");
          const int64_t n = rows.at(0).i64(0);
          const bool whole = n == 0 || (rows.at(0).i64(1) == 10 && rows.at(0).i64(2) == 0);
          if (!whole || n % 10 != 0 || n < last) failures.fetch_add(1);
          last = n;
          reads.fetch_add(1);
        } catch (const std::exception&) {
          failures.fetch_add(1);
        }
      }
    });
  }
  const std::string pad(2000, 'r');
  // ~90 MB, past where the background checkpointer starts (64 MB), and on while no pass has
  // finished yet, so the readers run across at least one pass copying pages under them. A pass
  // over 64 MB can take seconds on a busy machine: it is waited for, not assumed.
  int transactions = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (transactions < 4000 ||
         (d->checkpoints().background == 0 && std::chrono::steady_clock::now() < deadline)) {
    const int64_t tx = ++transactions;
    auto c = d->writer();
    d->begin_deferred(*c);
    for (int i = 0; i < 9; ++i) c->exec("INSERT INTO t (v, pad) VALUES ($1, $2)", {tx, pad});
    c->exec("INSERT INTO t (v, pad) VALUES ($1, $2)", {-9 * tx, pad});
    c->exec("COMMIT");
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GT(reads.load(), 0);
  EXPECT_GE(d->checkpoints().background, 1);
  const Seen seen = after_crash();
  EXPECT_EQ(seen.integrity, "ok");
  EXPECT_EQ(seen.rows, int64_t{10} * transactions);
  EXPECT_EQ(seen.sum, 0);
}

// The checkpointer's connection (wal_paced_vfs) syncs the database file every kPaceBytes while a
// checkpoint copies pages into it, and not at all while its switch is off; either way the
// database is whole afterwards.
TEST_F(WalVfsTest, ACheckpointOnThePacedVfsSyncsTheDatabaseFileInPieces) {
  const auto open = [&](const char* vfs) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
              SQLITE_OK);
    return db;
  };
  const auto exec = [](sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
  };
  sqlite3* writer = open(wal_batching_vfs());
  exec(writer,
       "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
       "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT)");
  // ~4 MB of new pages in the WAL, none of them in the database file yet.
  const auto add = [&](int rows) {
    exec(writer, "BEGIN");
    for (int i = 0; i < rows; ++i) {
      exec(writer, "INSERT INTO t (v, pad) VALUES (1, '" + std::string(3000, 'x') + "')");
    }
    exec(writer, "COMMIT");
  };
  add(1000);
  sqlite3* checkpointer = open(wal_paced_vfs());
  exec(checkpointer, "PRAGMA journal_mode=WAL");
  const auto checkpoint = [&] {
    int frames = 0, copied = 0;
    EXPECT_EQ(sqlite3_wal_checkpoint_v2(checkpointer, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames,
                                        &copied),
              SQLITE_OK);
    EXPECT_EQ(copied, frames);
    return copied;
  };
  uint64_t before = wal_vfs_counts().paced_syncs;
  const int copied = checkpoint();
  const uint64_t pieces = wal_vfs_counts().paced_syncs - before;
  const uint64_t expected = static_cast<uint64_t>(copied) * 4096 / kPaceBytes;
  EXPECT_GE(copied, 1000);
  EXPECT_GE(pieces + 1, expected) << copied << " pages copied";
  EXPECT_LE(pieces, expected + 1);

  // Switched off (the checkpointer is behind): one sync at the end, by SQLite, as unpaced.
  std::atomic<bool> pacing{false};
  ASSERT_EQ(sqlite3_file_control(checkpointer, "main", kPacingSwitchOp, &pacing), SQLITE_OK);
  add(1000);
  before = wal_vfs_counts().paced_syncs;
  EXPECT_GE(checkpoint(), 1000);
  EXPECT_EQ(wal_vfs_counts().paced_syncs, before);
  // And on again.
  pacing = true;
  add(1000);
  before = wal_vfs_counts().paced_syncs;
  checkpoint();
  EXPECT_GT(wal_vfs_counts().paced_syncs, before);

  sqlite3_close(checkpointer);
  sqlite3_close(writer);
  const Seen seen = after_crash();
  EXPECT_EQ(seen.integrity, "ok");
  EXPECT_EQ(seen.rows, 3000);
}

}  // namespace
}  // namespace sb::store
