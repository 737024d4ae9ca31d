// the store itself: migrations, and opening a database URL; every test runs on SQLite and
// PostgreSQL (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class StoreTest : public StoreContractTest {};

TEST_P(StoreTest, MigrateIsIdempotentAndKeepsData) {
  const int latest = migrations().back().version;
  EXPECT_EQ(store_->schema_version(), latest);
  ASSERT_TRUE(store_->ping().ok());

  add(outbound(kAcctA, kT0));
  auto again = store_->migrate();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, latest);
  EXPECT_EQ(store_->schema_version(), latest);
  EXPECT_TRUE(unwrap(store_->accounts().account_exists(kAcctA)));
  EXPECT_EQ(unwrap(store_->messages().list({.account = kAcctA})).size(), 1u);

  // A second instance on the same database finds it migrated and migrates as a no-op.
  Store& other = another_instance();
  EXPECT_EQ(other.schema_version(), latest);
  auto third = other.migrate();
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_EQ(*third, latest);
  EXPECT_EQ(unwrap(other.messages().list({.account = kAcctA})).size(), 1u);
}

// Migration 28 moves each message's state out of its row into message_states: a database
// written by the schema before it keeps every message, its status, attempts, outbox due time,
// provider reference and error, and the dispatcher, reports and lists find them as before.
TEST_P(StoreTest, MessageStatesMoveToTheirOwnTableWithTheirMessages) {
  const std::string url = fresh_url();
  auto old = open(url);
  ASSERT_NE(old, nullptr);
  auto v = old->migrate(27);
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(*v, 27);
  ASSERT_TRUE(old->accounts().ensure_account(kAcctA, kT0).ok());
  const std::string columns =
      "INSERT INTO messages (id, account_id, direction, from_addr, to_addr, body, media_urls, "
      "status, segments, encoding, created_at, updated_at, metadata, attempts, next_attempt_at, "
      "connector_id, provider_message_id, error_code, error_message) VALUES ";
  exec_sql(url,
           columns +
               "('msg_1', 'acct_a', 'outbound', '+15550000001', '+15550000002', 'due', '[]', "
               "'queued', 1, 'GSM-7', 1, 2, '{}', 0, 5, NULL, NULL, NULL, NULL), "
               "('msg_2', 'acct_a', 'outbound', '+15550000001', '+15550000002', 'out', '[]', "
               "'sent', 1, 'GSM-7', 1, 3, '{}', 1, NULL, 'sim', 'SM-2', NULL, NULL), "
               "('msg_3', 'acct_a', 'outbound', '+15550000001', '+15550000002', 'no', '[]', "
               "'failed', 1, 'GSM-7', 1, 4, '{}', 3, NULL, 'sim', NULL, '30003', 'unreachable')");
  old.reset();

  auto now = open(url);
  ASSERT_NE(now, nullptr);
  v = now->migrate();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, migrations().back().version);

  const auto read = [&](const std::string& id) {
    return unwrap(now->messages().get(kAcctA, id)).value_or(Message{});
  };
  const Message failed = read("msg_3");
  EXPECT_EQ(failed.status, Status::kFailed);
  EXPECT_EQ(failed.attempts, 3);
  EXPECT_EQ(failed.updated_at, 4);
  EXPECT_EQ(failed.error_code, "30003");
  EXPECT_EQ(failed.error_message, "unreachable");
  EXPECT_EQ(failed.body, "no");
  EXPECT_EQ(unwrap(now->messages().list({.account = kAcctA, .status = Status::kSent})).size(), 1u);

  // The queued message is the outbox's; the sent one is found by its provider reference.
  auto claimed = unwrap(now->messages().claim_due("w", 10, 1'000, 10));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, "msg_1");
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(read("msg_1").status, Status::kSending);
  ProviderStatus report;
  report.connector = "sim";
  report.provider_message_id = "SM-2";
  report.status = Status::kDelivered;
  report.at = 20;
  auto applied = unwrap(now->status().apply({Transition::from_report(report)}, {}));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_TRUE(applied[0].applied);
  EXPECT_EQ(applied[0].message_id, "msg_2");
  EXPECT_EQ(read("msg_2").status, Status::kDelivered);
  EXPECT_EQ(read("msg_2").updated_at, 20);
}

TEST_P(StoreTest, FreshDatabaseHasVersionZeroUntilMigrated) {
  auto fresh = open(fresh_url());
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->schema_version(), 0);
  EXPECT_TRUE(fresh->ping().ok());
  auto v = fresh->migrate();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, migrations().back().version);
  EXPECT_EQ(fresh->schema_version(), migrations().back().version);
}

TEST_P(StoreTest, ConcurrentMigrationsOfAFreshDatabaseAllSucceed) {
  const std::string url = fresh_url();
  constexpr int kInstances = 4;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kInstances; ++i) {
    stores.push_back(open(url));
    ASSERT_NE(stores.back(), nullptr);
  }
  std::latch start(kInstances);
  std::vector<std::string> errors(kInstances);
  std::vector<int> versions(kInstances, -1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto v = stores[i]->migrate();
      if (v.ok()) {
        versions[i] = *v;
      } else {
        errors[i] = v.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kInstances; ++i) {
    EXPECT_EQ(errors[i], "") << "instance " << i;
    EXPECT_EQ(versions[i], migrations().back().version) << "instance " << i;
  }
  EXPECT_EQ(stores[0]->schema_version(), migrations().back().version);
  ASSERT_TRUE(stores[0]->accounts().ensure_account("acct_x", kT0).ok());
  EXPECT_TRUE(unwrap(stores[3]->accounts().account_exists("acct_x")));
}

TEST(OpenStoreTest, RejectsUnknownOrEmptyUrls) {
  ManualClock clock;
  auto r = open_store("mysql://localhost/db", clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_database_url");
  r = open_store("sqlite://", clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_database_url");
  r = open_store("", clock);
  EXPECT_FALSE(r.ok());
}

TEST(OpenStoreTest, UnreachablePostgresIsAnErrorNotACrash) {
  ManualClock clock;
  auto r = open_store("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2", clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "database_unavailable");
}

TEST(OpenStoreTest, WithDatabaseRewritesOnlyThePath) {
  EXPECT_EQ(with_database("postgresql://postgres@127.0.0.1:5432/postgres", "x"),
            "postgresql://postgres@127.0.0.1:5432/x");
  EXPECT_EQ(with_database("postgresql://u:p@h:1/postgres?sslmode=disable", "x"),
            "postgresql://u:p@h:1/x?sslmode=disable");
  EXPECT_EQ(with_database("postgres://h", "x"), "postgres://h/x");
  EXPECT_EQ(with_database("postgres://h?a=b", "x"), "postgres://h/x?a=b");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_name);

}  // namespace
}  // namespace sb::store
