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
