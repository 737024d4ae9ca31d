// The drivers' durability machinery: SQLite's WAL checkpointing (off the commit path, bounded
// under sustained writes) and deferred commits on both databases.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "store/db.h"
#include "store/sqlite/wal_vfs.h"
#include "store/store.h"

namespace sb::store {
namespace {

namespace fs = std::filesystem;

class SqliteDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sb_sqlite_driver.XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = (dir_ / "t.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Commits `n` durable transactions of one `bytes`-sized row each.
  static void write(Driver& d, int n, size_t bytes) {
    const std::string blob(bytes, 'x');
    for (int i = 0; i < n; ++i) {
      auto c = d.writer();
      d.begin(*c, true);
      c->exec("INSERT INTO t (v) VALUES ($1)", {blob});
      c->exec("COMMIT");
    }
  }

  static bool wait_for(const std::function<bool()>& cond) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return cond();
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(SqliteDriverTest, CheckpointsInTheBackgroundNotInACommit) {
  auto d = make_sqlite_driver(path_);
  d->writer()->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  const auto db_size = [&] { return fs::file_size(path_); };
  write(*d, 10, 4096);  // ~20 pages: below the threshold, everything stays in the WAL
  EXPECT_EQ(d->checkpoints().background, 0);
  EXPECT_LT(db_size(), 64u * 1024);
  // Up to ~80 MB (20,000 pages, short of the commit's own bound), in ~400-page steps, until the
  // background thread has checkpointed; only it can have moved pages into the database file.
  int rows = 10;
  const uint64_t paced_before = wal_vfs_counts().paced_syncs;
  for (int step = 0; step < 50 && d->checkpoints().background == 0; ++step) {
    write(*d, 100, 16000);
    rows += 100;
  }
  EXPECT_TRUE(wait_for([&] { return db_size() > 4u * 1024 * 1024; }))
      << "database file " << db_size() << " bytes: no checkpoint ran";
  EXPECT_GE(d->checkpoints().background, 1);
  EXPECT_EQ(d->checkpoints().on_commit, 0) << "a commit waited for a checkpoint";
  // The passes synced the database file in pieces (the checkpointer's connection is paced).
  EXPECT_GT(wal_vfs_counts().paced_syncs, paced_before);
  // With the writer (nearly) idle the passes catch up, so a commit starts the WAL over, and
  // from then on the file is reused from its beginning rather than grown.
  EXPECT_TRUE(wait_for([&] {
    write(*d, 1, 100);
    ++rows;
    return d->checkpoints().restarts >= 1;
  }));
  const auto wal = fs::file_size(path_ + "-wal");
  write(*d, 20, 100);
  rows += 20;
  EXPECT_EQ(fs::file_size(path_ + "-wal"), wal);
  auto count = d->reader()->query("SELECT count(*) FROM t");
  EXPECT_EQ(count.at(0).i64(0), rows);
}

TEST_F(SqliteDriverTest, FinishingACheckpointHoldsTheWriterOncePerRestart) {
  auto d = make_sqlite_driver(path_);
  d->writer()->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  // Sustained one-page commits: the passes never catch up alone, so each WAL cycle ends with a
  // finish that holds the writer. A finish must never be repeated on a WAL that a pass had
  // already copied whole (or that has restarted since): each one is a pause for every writer.
  int rows = 0;
  for (int i = 0; i < 60'000 && d->checkpoints().finished < 3; ++i) {
    write(*d, 1, 3000);
    ++rows;
  }
  EXPECT_TRUE(wait_for([&] {
    write(*d, 1, 100);  // a commit after the last finish restarts the WAL
    ++rows;
    const auto n = d->checkpoints();
    return n.restarts >= n.finished;
  }));
  const auto n = d->checkpoints();
  EXPECT_GE(n.finished, 1) << n.background << " passes, " << n.on_commit << " on commit";
  EXPECT_LE(n.finished, n.restarts);
  auto count = d->reader()->query("SELECT count(*) FROM t");
  EXPECT_EQ(count.at(0).i64(0), rows);
}

TEST_F(SqliteDriverTest, WalStaysBoundedUnderSustainedWrites) {
  auto d = make_sqlite_driver(path_);
  d->writer()->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  // ~240 MB through the WAL with no pause for the background checkpointer to catch up with the
  // last frame: the inline checkpoint and journal_size_limit keep the file near 128 MB.
  write(*d, 240, 1 << 20);
  const auto wal = fs::file_size(path_ + "-wal");
  EXPECT_LT(wal, 150u * 1024 * 1024) << "WAL grew to " << wal << " bytes";
  auto rows = d->reader()->query("SELECT count(*) FROM t");
  EXPECT_EQ(rows.at(0).i64(0), 240);
}

// How many of this process's descriptors are open on `file`.
int open_descriptors_on(const std::string& file) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (fs::read_symlink(e.path(), ec) == fs::path(file)) ++n;
  }
  return n;
}

TEST_F(SqliteDriverTest, DeferredCommitsAreSyncedThroughTheWalFile) {
  auto d = make_sqlite_driver(path_);
  d->writer()->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  d->sync_deferred();  // nothing noted: returns without touching the disk
  const std::string wal = fs::canonical(dir_).string() + "/t.db-wal";
  const int before = open_descriptors_on(wal);  // SQLite's own
  {
    auto c = d->writer();
    d->begin(*c, /*durable=*/false);
    c->exec("INSERT INTO t (v) VALUES ('deferred')");
    c->exec("COMMIT");
    d->note_deferred_commit();
  }
  d->sync_deferred();
  // The sync went to the WAL file through a descriptor of the driver's own.
  EXPECT_EQ(open_descriptors_on(wal), before + 1);
  d->sync_deferred();  // already covered: no second descriptor, no error
  EXPECT_EQ(open_descriptors_on(wal), before + 1);
  EXPECT_EQ(d->reader()->query("SELECT v FROM t").at(0).str(0), "deferred");
}

// A deferred insert is visible before it is on disk, so claiming it must sync first: the claim
// is what lets the dispatcher send it. The sync shows as the driver's own descriptor on the WAL.
TEST_F(SqliteDriverTest, ClaimingSyncsDeferredInserts) {
  constexpr TimeMs kT0 = 1'700'000'000'000;
  ManualClock clock(kT0);
  auto opened = open_store("sqlite://" + path_, clock);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& st = **opened;
  ASSERT_TRUE(st.migrate().ok());
  ASSERT_TRUE(st.ensure_account("acme", kT0).ok());
  NewMessage nm;
  Message& m = nm.message;
  m.id = new_id("msg_", kT0);
  m.account = "acme";
  m.direction = Direction::kOutbound;
  m.from = "+15550000001";
  m.to = "+15550000002";
  m.body = "hello";
  m.status = Status::kQueued;
  m.created_at = m.updated_at = m.next_attempt_at = kT0;
  std::vector<NewMessage> batch{nm};
  ASSERT_TRUE(st.insert_messages(batch, Store::Commit::kDeferred).ok());
  const std::string wal = fs::canonical(dir_).string() + "/t.db-wal";
  ASSERT_TRUE(st.get_message("acme", m.id).has_value());  // opens the reader the claim reuses
  const int before = open_descriptors_on(wal);  // SQLite's connections
  auto claimed = st.claim_due("worker", kT0, 30'000, 10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(open_descriptors_on(wal), before + 1) << "claimed a deferred insert without a sync";
}

// PostgreSQL has no deferral: a deferred transaction must commit durably there (a relaxed one
// runs with synchronous_commit off, and nothing would sync it later).
TEST(PostgresDriverTest, DeferredTransactionsAreDurable) {
  const char* url = std::getenv("SWITCHBOARD_TEST_PG_URL");
  if (!url || !*url) {
    const char* required = std::getenv("SWITCHBOARD_REQUIRE_PG");
    if (required && std::string(required) == "1") FAIL() << "SWITCHBOARD_TEST_PG_URL is not set";
    GTEST_SKIP() << "SWITCHBOARD_TEST_PG_URL is not set (scripts/test-postgres.sh start)";
  }
  auto d = make_postgres_driver(url, 1);
  const auto setting_in = [&](const std::function<void(Connection&)>& begin) {
    auto c = d->writer();
    begin(*c);
    const std::string v = c->query("SHOW synchronous_commit").at(0).str(0);
    c->exec("ROLLBACK");
    return v;
  };
  EXPECT_EQ(setting_in([&](Connection& c) { d->begin(c, /*durable=*/false); }), "off");
  EXPECT_EQ(setting_in([&](Connection& c) { d->begin_deferred(c); }), "on");
  d->sync_deferred();  // nothing to do, and no error
}

}  // namespace
}  // namespace sb::store
