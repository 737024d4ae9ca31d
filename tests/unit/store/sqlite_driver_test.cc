// The SQLite driver's WAL checkpointing: off the commit path, and bounded under sustained writes.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "store/db.h"

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

TEST_F(SqliteDriverTest, CheckpointsInTheBackgroundOnceTheWalPassesAThousandPages) {
  auto d = make_sqlite_driver(path_);
  d->writer()->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  const auto db_size = [&] { return fs::file_size(path_); };
  write(*d, 10, 4096);  // ~20 pages: below the threshold, everything stays in the WAL
  EXPECT_EQ(d->checkpoints().background, 0);
  // ~1,200 pages in 300 commits: past the background threshold, far below the inline one (the
  // commit path never checkpoints here), so only the checkpointer thread can move the pages.
  write(*d, 300, 16000);
  EXPECT_TRUE(wait_for([&] { return db_size() > 4u * 1024 * 1024; }))
      << "database file " << db_size() << " bytes: no checkpoint ran";
  EXPECT_GE(d->checkpoints().background, 1);
  EXPECT_EQ(d->checkpoints().on_commit, 0) << "a commit waited for a checkpoint";
  auto rows = d->reader()->query("SELECT count(*) FROM t");
  EXPECT_EQ(rows.at(0).i64(0), 310);
}

TEST_F(SqliteDriverTest, WalStaysBoundedUnderSustainedWrites) {
  auto d = make_sqlite_driver(path_);
  d->writer()->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  // ~120 MB through the WAL with no pause for the background checkpointer to catch up with the
  // last frame: the inline checkpoint and journal_size_limit keep the file near 64 MB.
  write(*d, 120, 1 << 20);
  const auto wal = fs::file_size(path_ + "-wal");
  EXPECT_LT(wal, 80u * 1024 * 1024) << "WAL grew to " << wal << " bytes";
  auto rows = d->reader()->query("SELECT count(*) FROM t");
  EXPECT_EQ(rows.at(0).i64(0), 120);
}

}  // namespace
}  // namespace sb::store
