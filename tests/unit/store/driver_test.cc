// The drivers' durability machinery: SQLite's WAL checkpointing (off the commit path, bounded
// under sustained writes) and deferred commits on both databases.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "forwarding_driver.h"
#include "store/db.h"
#include "store/migrations.h"
#include "store/sql_rows.h"
#include "store/sqlite/wal_vfs.h"
#include "store/store.h"

namespace sb::store {
namespace {

namespace fs = std::filesystem;

constexpr TimeMs kT0 = 1'700'000'000'000;

class SqliteDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sb_sqlite_driver.XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = (dir_ / "t.db").string();
  }
  void TearDown() override {
    store_.reset();  // before its files go
    fs::remove_all(dir_);
  }

  // A migrated store over `driver` (SQLite at path_, maybe wrapped), on a clock at kT0; the
  // fixture keeps it.
  Store& store_over(std::unique_ptr<Driver> driver) {
    store_ = make_store(std::move(driver), clock_);
    EXPECT_TRUE(store_->migrate().ok());
    return *store_;
  }

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
  ManualClock clock_{kT0};
  std::unique_ptr<Store> store_;
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

// An outbound message, queued, from account "acme"; the caller may add to it.
NewMessage queued_message(TimeMs at) {
  NewMessage nm;
  Message& m = nm.message;
  m.id = new_id("msg_", at);
  m.account = "acme";
  m.direction = Direction::kOutbound;
  m.from = "+15550000001";
  m.to = "+15550000002";
  m.body = "hello";
  m.connector = "sim";
  m.status = Status::kQueued;
  m.created_at = m.updated_at = m.next_attempt_at = at;
  return nm;
}

// A deferred insert is visible before it is on disk, so claiming it must sync first: the claim
// is what lets the dispatcher send it.
TEST_F(SqliteDriverTest, ClaimingSyncsDeferredInserts) {
  auto driver = make_sqlite_driver(path_);
  const Driver& d = *driver;
  Store& st = store_over(std::move(driver));
  ASSERT_TRUE(st.accounts().ensure_account("acme", kT0).ok());
  std::vector<NewMessage> batch{queued_message(kT0)};
  const int64_t before = d.wal_syncs();
  ASSERT_TRUE(st.messages().insert(batch, Commit::kDeferred).ok());
  EXPECT_EQ(d.wal_syncs(), before) << "a deferred insert synced at once";
  auto claimed = st.messages().claim_due("worker", kT0, 30'000, 10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(d.wal_syncs(), before + 1) << "claimed a deferred insert without a sync";
  // Nothing left to sync: claiming nothing, or again, does not touch the disk.
  ASSERT_TRUE(st.messages().claim_due("worker", kT0, 30'000, 10).ok());
  EXPECT_EQ(d.wal_syncs(), before + 1);
}

// Writing a message's state evaluates the outbox index's predicate; with an IN list of three
// statuses SQLite built a temporary b-tree for it on every statement. The queries that claim
// work repeat the predicate verbatim, so the planner still takes the partial index, and the
// claim's order is the index's own (no sort).
TEST_F(SqliteDriverTest, OutboxIndexCostsNoTemporaryBtreePerWriteAndStillServesTheClaim) {
  auto driver = make_sqlite_driver(path_);
  Driver& d = *driver;
  store_over(std::move(driver));
  const auto& ms = migrations();
  for (int version : {14, 28}) {
    const auto m =
        std::find_if(ms.begin(), ms.end(), [&](const auto& m) { return m.version == version; });
    ASSERT_NE(m, ms.end());
    EXPECT_NE(m->sql.find(kOutboxStatuses), std::string_view::npos) << version;
  }

  const auto opcodes = [&](const std::string& sql) {
    std::string out;
    for (const auto& row : d.reader()->query("EXPLAIN " + sql)) out += row.str(1) + " ";
    return out;
  };
  for (const char* write :
       {"UPDATE message_states SET status = 'sent', updated_at = 2, next_attempt_at = NULL "
        "WHERE message_id = 'msg_1'",
        "INSERT INTO message_states (message_id, status, updated_at, next_attempt_at) VALUES "
        "('msg_2', 'queued', 1, 1)"}) {
    EXPECT_EQ(opcodes(write).find("OpenEphemeral"), std::string::npos) << write;
  }
  const std::string where = " WHERE " + std::string(kOutboxStatuses);
  for (const std::string& query :
       {"SELECT id FROM " + std::string(kMessagesFrom) + where +
            " AND next_attempt_at <= 5 ORDER BY next_attempt_at, message_id LIMIT 10",
        "SELECT MIN(next_attempt_at) FROM message_states" + where}) {
    std::string plan;
    for (const auto& row : d.reader()->query("EXPLAIN QUERY PLAN " + query)) plan += row.str(3);
    EXPECT_NE(plan.find("message_states_outbox"), std::string::npos) << query << ": " << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << query << ": " << plan;
  }
}

// Wraps a driver and, each time the store syncs, checks from another thread that the writer
// can be taken meanwhile (so the fsync holds up no other writer).
class WriterFreeDuringSync : public ForwardingDriver {
 public:
  using ForwardingDriver::ForwardingDriver;
  ~WriterFreeDuringSync() override {
    for (auto& t : probes_) t.join();
  }
  void sync_deferred() override {
    auto taken = std::make_shared<std::promise<void>>();
    auto done = taken->get_future();
    // If the caller held the writer this thread would wait for it until after this sync:
    // joined at the end, never waited for here.
    probes_.emplace_back([this, taken] {
      auto c = inner_->writer();
      taken->set_value();
    });
    (done.wait_for(std::chrono::seconds(5)) == std::future_status::ready ? free_ : held_)++;
    inner_->sync_deferred();
  }
  int free_ = 0;  // syncs during which another thread took the writer
  int held_ = 0;  // syncs during which it could not (within 5 s)

 private:
  std::vector<std::thread> probes_;
};

// Runs `between` once, at the next sync: after a durable transaction has committed and released
// the writer, before its fsync. That is the window in which its rows are visible but not on disk.
class BetweenCommitAndSync : public ForwardingDriver {
 public:
  using ForwardingDriver::ForwardingDriver;
  void sync_deferred() override {
    if (auto f = std::exchange(between, nullptr)) f();
    inner_->sync_deferred();
  }
  std::function<void()> between;
};

// A status report that queues a status callback is durable: its delivery row is visible from
// COMMIT, before the fsync. A worker that claims it in that window is about to POST it to the
// app, so the claim must sync first (claim_rows), or a power cut could take back a callback
// the app already received.
TEST_F(SqliteDriverTest, ClaimingADeliveryInTheWindowBeforeItsSyncSyncsFirst) {
  auto wrapper = std::make_unique<BetweenCommitAndSync>(make_sqlite_driver(path_));
  BetweenCommitAndSync& d = *wrapper;
  Store& st = store_over(std::move(wrapper));
  ASSERT_TRUE(st.accounts().ensure_account("acme", kT0).ok());
  NewMessage nm = queued_message(kT0);
  nm.message.status_callback = "https://app.example/status";
  std::vector<NewMessage> batch{nm};
  ASSERT_TRUE(st.messages().insert(batch, Commit::kDurable).ok());
  ASSERT_EQ(st.messages().claim_due("worker", kT0, 30'000, 10)->size(), 1u);
  Transition sent;
  sent.message_id = nm.message.id;
  sent.to = Status::kSent;
  sent.at = kT0;
  sent.provider_message_id = "SIM1";
  sent.connector = "sim";
  ASSERT_TRUE(st.status().apply({sent}, {.messages = false}).ok());
  // The callbacks queued so far are leased by this claim, so only the next one can be due.
  ASSERT_FALSE(st.deliveries().claim(kT0, 60'000, 100)->empty());

  StatusReport delivered;
  delivered.connector = "sim";
  delivered.provider_message_id = "SIM1";
  delivered.status = Status::kDelivered;
  delivered.provider_status = "delivered";
  delivered.at = kT0;
  size_t claimed = 0;
  int64_t syncs_before_claim = -1, syncs_after_claim = -1;
  d.between = [&] {
    syncs_before_claim = d.wal_syncs();
    auto r = st.deliveries().claim(kT0, 60'000, 100);
    ASSERT_TRUE(r.ok());
    claimed = r->size();
    syncs_after_claim = d.wal_syncs();
  };
  auto applied =
      st.status().apply({Transition::from_report(delivered)}, {.messages = false, .durable = true});
  ASSERT_TRUE(applied.ok());
  ASSERT_TRUE(applied->at(0).callback_queued);
  ASSERT_EQ(claimed, 1u) << "the delivered report's callback was not visible before its sync";
  EXPECT_EQ(syncs_after_claim, syncs_before_claim + 1)
      << "a delivery was claimed before the commit that queued it was on disk";
}

// A durable transaction commits without an fsync under the writer and is synced once the writer
// is released, so other writers are not held behind its disk write; it is on disk when the call
// returns.
TEST_F(SqliteDriverTest, DurableTransactionsSyncWithTheWriterReleased) {
  auto probe = std::make_unique<WriterFreeDuringSync>(make_sqlite_driver(path_));
  WriterFreeDuringSync& d = *probe;
  Store& st = store_over(std::move(probe));
  const int64_t before = d.wal_syncs();
  ASSERT_TRUE(st.accounts().ensure_account("acme", kT0).ok());
  EXPECT_EQ(d.wal_syncs(), before + 1) << "a durable transaction returned before an fsync";
  ASSERT_TRUE(st.accounts().ensure_account("globex", kT0).ok());
  EXPECT_EQ(d.wal_syncs(), before + 2);
  EXPECT_EQ(d.free_, 2);
  EXPECT_EQ(d.held_, 0) << "the fsync ran while the transaction still held the writer";
}

// The admin URL of the test PostgreSQL, or empty (the test then skips, or fails under
// SWITCHBOARD_REQUIRE_PG=1).
std::string test_pg_url() {
  const char* url = std::getenv("SWITCHBOARD_TEST_PG_URL");
  if (url && *url) return url;
  const char* required = std::getenv("SWITCHBOARD_REQUIRE_PG");
  if (required && std::string(required) == "1")
    ADD_FAILURE() << "SWITCHBOARD_TEST_PG_URL is not set";
  return "";
}

// PostgreSQL has no deferral: a deferred transaction must commit durably there (a relaxed one
// runs with synchronous_commit off, and nothing would sync it later).
TEST(PostgresDriverTest, DeferredTransactionsAreDurable) {
  const std::string url = test_pg_url();
  if (url.empty()) GTEST_SKIP() << "SWITCHBOARD_TEST_PG_URL is not set";
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

// Statements are prepared once per connection and run by name. A statement prepared inside a
// transaction that rolled back still runs (preparation is not transactional); one the server
// refuses is an error that leaves the connection usable; past the bound of prepared statements
// the rest still run (unprepared), with the right results.
TEST(PostgresDriverTest, PreparedStatementsOutliveRollbacksErrorsAndTheirBound) {
  const std::string url = test_pg_url();
  if (url.empty()) GTEST_SKIP() << "SWITCHBOARD_TEST_PG_URL is not set";
  auto d = make_postgres_driver(url, 1);  // one connection: every lease is the same one
  const std::string add = "SELECT CAST($1 AS BIGINT) + 1";
  {
    auto c = d->writer();
    c->exec("BEGIN");
    EXPECT_EQ(c->query(add, {int64_t{1}}).at(0).i64(0), 2);
    c->exec("ROLLBACK");
    EXPECT_EQ(c->query(add, {int64_t{2}}).at(0).i64(0), 3);
    EXPECT_THROW(c->query("SELECT no_such_column FROM pg_class WHERE oid = $1", {int64_t{1}}),
                 DbError);
    EXPECT_EQ(c->query(add, {int64_t{3}}).at(0).i64(0), 4);
  }
  auto c = d->reader();
  for (int64_t i = 0; i < 1'100; ++i) {
    const std::string sql = "SELECT CAST($1 AS BIGINT) + " + std::to_string(i);
    ASSERT_EQ(c->query(sql, {int64_t{1}}).at(0).i64(0), 1 + i) << sql;
  }
  EXPECT_EQ(c->query(add, {int64_t{4}}).at(0).i64(0), 5);  // still prepared, still right
}

}  // namespace
}  // namespace sb::store
