// The Store contract, checked against every implementation (SQLite and PostgreSQL) by one suite.
// PostgreSQL runs when SWITCHBOARD_TEST_PG_URL names an admin URL (scripts/test-postgres.sh start);
// each test gets its own freshly created database. SWITCHBOARD_REQUIRE_PG=1 turns a missing URL
// into a failure instead of a skip (CI).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/message.h"
#include "store/migrations.h"
#include "store/store.h"

namespace sb {
void PrintTo(Status s, std::ostream* os) { *os << to_string(s); }
namespace store {
void PrintTo(InsertKind k, std::ostream* os) {
  *os << (k == InsertKind::kCreated ? "kCreated" : k == InsertKind::kDuplicate ? "kDuplicate"
                                                                               : "kConflict");
}
}  // namespace store
}  // namespace sb

namespace sb::store {
namespace {

namespace fs = std::filesystem;

enum class Backend { kSqlite, kPostgres };
void PrintTo(Backend b, std::ostream* os) { *os << (b == Backend::kSqlite ? "SQLite" : "PostgreSQL"); }

constexpr TimeMs kT0 = 1'700'000'000'000;
const std::string kAcctA = "acct_a";
const std::string kAcctB = "acct_b";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// Replaces the database of a postgresql:// URL (keeping user, host, port and query parameters).
std::string with_database(const std::string& url, const std::string& db) {
  const size_t authority = url.find("://");
  if (authority == std::string::npos) return url;
  const size_t query = url.find('?', authority + 3);
  const size_t authority_end = std::min(url.find('/', authority + 3), query);
  const std::string tail = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, std::min(authority_end, url.size())) + "/" + db + tail;
}

// Runs one statement on the admin database; returns an error message, empty on success.
std::string pg_admin_exec(const std::string& admin_url, const std::string& sql) {
  PGconn* c = PQconnectdb(admin_url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    return "cannot connect to " + admin_url + ": " + msg;
  }
  PGresult* r = PQexec(c, sql.c_str());
  std::string err;
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
    err = sql + ": " + PQresultErrorMessage(r);
  }
  PQclear(r);
  PQfinish(c);
  return err;
}

std::string random_suffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  static std::mutex mu;
  std::lock_guard lk(mu);
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(kHex[rng() % 16]);
  return s;
}

Message outbound(const std::string& account, TimeMs created, Status status = Status::kQueued,
                 std::optional<TimeMs> next_attempt_at = std::nullopt) {
  Message m;
  m.id = new_id("msg_", created);
  m.account = account;
  m.direction = Direction::kOutbound;
  m.from = "+15550000001";
  m.to = "+15550000002";
  m.body = "hello";
  m.status = status;
  m.segments = 1;
  m.created_at = created;
  m.updated_at = created;
  if (status == Status::kQueued || status == Status::kSending) {
    m.next_attempt_at = next_attempt_at.value_or(created);
  }
  return m;
}

MessageEvent event(Status s, TimeMs at) {
  MessageEvent e;
  e.status = s;
  e.at = at;
  return e;
}

std::vector<std::string> ids(const std::vector<Message>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.id);
  return out;
}

void expect_same_message(const Message& got, const Message& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.account, want.account);
  EXPECT_EQ(got.direction, want.direction);
  EXPECT_EQ(got.from, want.from);
  EXPECT_EQ(got.to, want.to);
  EXPECT_EQ(got.body, want.body);
  EXPECT_EQ(got.media_urls, want.media_urls);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.segments, want.segments);
  EXPECT_EQ(got.encoding, want.encoding);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
  EXPECT_EQ(got.error_code, want.error_code);
  EXPECT_EQ(got.error_message, want.error_message);
  EXPECT_EQ(got.metadata, want.metadata);
  EXPECT_EQ(got.connector, want.connector);
  EXPECT_EQ(got.provider_message_id, want.provider_message_id);
  EXPECT_EQ(got.status_callback, want.status_callback);
  EXPECT_EQ(got.validity_period_s, want.validity_period_s);
  EXPECT_EQ(got.attempts, want.attempts);
  EXPECT_EQ(got.next_attempt_at, want.next_attempt_at);
  EXPECT_EQ(got.idempotency_key, want.idempotency_key);
  EXPECT_EQ(got.request_hash, want.request_hash);
}

class StoreContractTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      admin_url_ = env("SWITCHBOARD_TEST_PG_URL");
      if (admin_url_.empty()) {
        if (env("SWITCHBOARD_REQUIRE_PG") == "1") {
          FAIL() << "SWITCHBOARD_REQUIRE_PG=1 but SWITCHBOARD_TEST_PG_URL is not set; start one "
                    "with: export SWITCHBOARD_TEST_PG_URL=$(scripts/test-postgres.sh start)";
        }
        GTEST_SKIP() << "SWITCHBOARD_TEST_PG_URL is not set (scripts/test-postgres.sh start)";
      }
    } else {
      std::string tmpl = (fs::temp_directory_path() / "sb-store-test-XXXXXX").string();
      ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << "mkdtemp failed";
      dir_ = tmpl;
    }
    url_ = fresh_url();
    store_ = open(url_);
    ASSERT_NE(store_, nullptr) << "cannot open " << url_;
    auto v = store_->migrate();
    ASSERT_TRUE(v.ok()) << v.error().message;
    ASSERT_TRUE(store_->ensure_account(kAcctA, kT0).ok());
    ASSERT_TRUE(store_->ensure_account(kAcctB, kT0).ok());
  }

  void TearDown() override {
    store_.reset();
    extra_stores_.clear();
    for (const auto& db : databases_) {
      const std::string err =
          pg_admin_exec(admin_url_, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      EXPECT_TRUE(err.empty()) << err;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  bool pg() const { return GetParam() == Backend::kPostgres; }

  // A URL naming a new, empty database of the backend under test (dropped at teardown).
  std::string fresh_url() {
    static std::atomic<int> counter{0};
    const std::string name =
        "sb_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
        random_suffix();
    if (!pg()) return "sqlite://" + (dir_ / (name + ".db")).string();
    const std::string err = pg_admin_exec(admin_url_, "CREATE DATABASE " + name);
    EXPECT_TRUE(err.empty()) << err;
    if (err.empty()) databases_.push_back(name);
    return with_database(admin_url_, name);
  }

  std::unique_ptr<Store> open(const std::string& url) {
    auto s = open_store(url, clock_);
    EXPECT_TRUE(s.ok()) << url << ": " << s.error().message;
    if (!s.ok()) return nullptr;
    return std::move(s).value();
  }

  // Another Store on the same database (a second gateway instance), closed at teardown.
  Store& another_instance() {
    auto s = open(url_);
    // gtest reports an exception escaping a test as a failure (a reference cannot be null).
    if (!s) throw std::runtime_error("cannot open another instance on " + url_);
    extra_stores_.push_back(std::move(s));
    return *extra_stores_.back();
  }

  std::vector<InsertResult> insert(std::vector<NewMessage> batch) {
    auto r = store_->insert_messages(batch);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return {};
    EXPECT_EQ(r->size(), batch.size());
    return std::move(r).value();
  }

  // Inserts one message (with an event for its initial status) and returns it.
  Message add(Message m) {
    auto res = insert({NewMessage{m, {event(m.status, m.created_at)}}});
    EXPECT_EQ(res.size(), 1u);
    if (res.size() == 1) {
      EXPECT_EQ(res[0].kind, InsertKind::kCreated);
    }
    return m;
  }

  std::vector<Message> claim(TimeMs now, int64_t lease_ms = 30'000, int limit = 100,
                             const std::string& owner = "worker-1") {
    auto r = store_->claim_due(owner, now, lease_ms, limit);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(r).value() : std::vector<Message>{};
  }

  std::vector<TransitionResult> apply(std::vector<Transition> ts) {
    auto r = store_->apply(ts);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return {};
    EXPECT_EQ(r->size(), ts.size());
    return std::move(r).value();
  }

  TransitionResult apply1(Transition t) {
    auto r = apply({std::move(t)});
    return r.empty() ? TransitionResult{} : r[0];
  }

  Message get(const std::string& id, const std::string& account = kAcctA) {
    auto m = store_->get_message(account, id);
    EXPECT_TRUE(m.has_value()) << id;
    return m.value_or(Message{});
  }

  std::vector<Delivery> claim_deliveries(TimeMs now, int64_t lease_ms = 10'000, int limit = 100) {
    auto r = store_->claim_deliveries(now, lease_ms, limit);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(r).value() : std::vector<Delivery>{};
  }

  ManualClock clock_{kT0};
  std::string admin_url_;
  fs::path dir_;
  std::vector<std::string> databases_;
  std::string url_;
  std::unique_ptr<Store> store_;
  std::vector<std::unique_ptr<Store>> extra_stores_;
};

// ------------------------------------------------------------------------------ migrations

TEST_P(StoreContractTest, MigrateIsIdempotentAndKeepsData) {
  const int latest = migrations().back().version;
  EXPECT_EQ(store_->schema_version(), latest);
  ASSERT_TRUE(store_->ping().ok());

  add(outbound(kAcctA, kT0));
  auto again = store_->migrate();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, latest);
  EXPECT_EQ(store_->schema_version(), latest);
  EXPECT_TRUE(store_->account_exists(kAcctA));
  EXPECT_EQ(store_->list_messages({.account = kAcctA}).size(), 1u);

  // A second instance on the same database finds it migrated and migrates as a no-op.
  Store& other = another_instance();
  EXPECT_EQ(other.schema_version(), latest);
  auto third = other.migrate();
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_EQ(*third, latest);
  EXPECT_EQ(other.list_messages({.account = kAcctA}).size(), 1u);
}

TEST_P(StoreContractTest, FreshDatabaseHasVersionZeroUntilMigrated) {
  auto fresh = open(fresh_url());
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->schema_version(), 0);
  EXPECT_TRUE(fresh->ping().ok());
  auto v = fresh->migrate();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, migrations().back().version);
  EXPECT_EQ(fresh->schema_version(), migrations().back().version);
}

TEST_P(StoreContractTest, ConcurrentMigrationsOfAFreshDatabaseAllSucceed) {
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
  ASSERT_TRUE(stores[0]->ensure_account("acct_x", kT0).ok());
  EXPECT_TRUE(stores[3]->account_exists("acct_x"));
}

// ------------------------------------------------------------------------------ accounts, keys

TEST_P(StoreContractTest, EnsureAccountIsIdempotent) {
  EXPECT_FALSE(store_->account_exists("acct_new"));
  ASSERT_TRUE(store_->ensure_account("acct_new", kT0).ok());
  ASSERT_TRUE(store_->ensure_account("acct_new", kT0 + 1).ok());
  EXPECT_TRUE(store_->account_exists("acct_new"));
  EXPECT_TRUE(store_->account_exists(kAcctA));
  EXPECT_FALSE(store_->account_exists("acct_other"));
  EXPECT_FALSE(store_->account_exists(""));
}

TEST_P(StoreContractTest, ApiKeysInsertFindAndCount) {
  const ApiKey k1{"key_1", kAcctA, std::string(64, 'a'), "sb_live_aaaa", kT0};
  const ApiKey k2{"key_2", kAcctA, std::string(64, 'b'), "sb_live_bbbb", kT0 + 5};
  const ApiKey k3{"key_3", kAcctB, std::string(64, 'c'), "sb_live_cccc", kT0 + 9};
  for (const auto& k : {k1, k2, k3}) ASSERT_TRUE(store_->insert_api_key(k).ok()) << k.id;

  auto found = store_->find_api_key(k2.key_hash);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "key_2");
  EXPECT_EQ(found->account, kAcctA);
  EXPECT_EQ(found->key_hash, k2.key_hash);
  EXPECT_EQ(found->prefix, "sb_live_bbbb");
  EXPECT_EQ(found->created_at, kT0 + 5);
  auto found3 = store_->find_api_key(k3.key_hash);
  ASSERT_TRUE(found3.has_value());
  EXPECT_EQ(found3->account, kAcctB);

  EXPECT_FALSE(store_->find_api_key(std::string(64, 'd')).has_value());
  EXPECT_FALSE(store_->find_api_key("").has_value());
  EXPECT_EQ(store_->count_api_keys(kAcctA), 2);
  EXPECT_EQ(store_->count_api_keys(kAcctB), 1);
  EXPECT_EQ(store_->count_api_keys("acct_none"), 0);

  // A key hash identifies one key: a second key with the same hash is refused.
  EXPECT_FALSE(store_->insert_api_key({"key_4", kAcctB, k1.key_hash, "sb_x", kT0}).ok());
  EXPECT_EQ(store_->find_api_key(k1.key_hash)->id, "key_1");
  EXPECT_EQ(store_->count_api_keys(kAcctB), 1);
}

// ------------------------------------------------------------------------------ numbers

TEST_P(StoreContractTest, SyncNumbersKeepsConfigOrderAndReplaces) {
  const std::vector<NumberRecord> first = {
      {"+15550000300", kAcctA, "twilio", true, true, "long_code"},
      {"+15550000100", kAcctA, "telnyx", true, false, "toll_free"},
      {"12345", kAcctB, "sim", true, false, "short_code"},
      {"+15550000200", kAcctA, "sim", false, true, "long_code"},
  };
  ASSERT_TRUE(store_->sync_numbers(first, kT0).ok());
  auto a = store_->list_numbers(kAcctA);
  ASSERT_EQ(a.size(), 3u);
  // Config order, not number order.
  EXPECT_EQ(a[0].number, "+15550000300");
  EXPECT_EQ(a[1].number, "+15550000100");
  EXPECT_EQ(a[2].number, "+15550000200");
  EXPECT_EQ(a[0].connector, "twilio");
  EXPECT_TRUE(a[0].sms);
  EXPECT_TRUE(a[0].mms);
  EXPECT_EQ(a[1].type, "toll_free");
  EXPECT_FALSE(a[1].mms);
  EXPECT_FALSE(a[2].sms);
  EXPECT_TRUE(a[2].mms);
  EXPECT_EQ(a[2].account, kAcctA);
  auto b = store_->list_numbers(kAcctB);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].number, "12345");
  EXPECT_EQ(b[0].type, "short_code");
  EXPECT_TRUE(store_->list_numbers("acct_none").empty());

  // Sync again: removed numbers disappear, moved numbers change account, new order applies.
  const std::vector<NumberRecord> second = {
      {"+15550000200", kAcctA, "twilio", true, false, "long_code"},
      {"+15550000100", kAcctB, "telnyx", true, true, "toll_free"},
  };
  ASSERT_TRUE(store_->sync_numbers(second, kT0 + 1).ok());
  a = store_->list_numbers(kAcctA);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].number, "+15550000200");
  EXPECT_EQ(a[0].connector, "twilio");
  EXPECT_TRUE(a[0].sms);
  EXPECT_FALSE(a[0].mms);
  b = store_->list_numbers(kAcctB);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].number, "+15550000100");
  EXPECT_TRUE(b[0].mms);

  ASSERT_TRUE(store_->sync_numbers({}, kT0 + 2).ok());
  EXPECT_TRUE(store_->all_numbers().empty());
  EXPECT_TRUE(store_->list_numbers(kAcctA).empty());
  EXPECT_TRUE(store_->list_numbers(kAcctB).empty());
}

TEST_P(StoreContractTest, NumbersCarryThroughputAndDefaults) {
  NumberRecord limited{"+15550000300", kAcctA, "twilio", true, true, "long_code"};
  limited.throughput = 2.5;
  NumberRecord unlimited{"+15550000100", kAcctB, "sim", true, false, "short_code"};
  unlimited.throughput = 0;
  const NumberRecord by_type{"+15550000200", kAcctA, "sim", true, true, "toll_free"};
  ASSERT_TRUE(store_->sync_numbers({limited, unlimited, by_type}, kT0).ok());
  const auto all = store_->all_numbers();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].number, "+15550000300");  // account A in config order, then B
  EXPECT_EQ(all[1].number, "+15550000200");
  EXPECT_EQ(all[2].number, "+15550000100");
  EXPECT_DOUBLE_EQ(all[0].throughput, 2.5);
  EXPECT_DOUBLE_EQ(all[1].throughput, -1);
  EXPECT_DOUBLE_EQ(all[2].throughput, 0);
  for (const auto& n : all) {
    EXPECT_EQ(n.source, "config");
    EXPECT_EQ(n.status, "active");
    EXPECT_FALSE(n.forward_url.has_value());
    EXPECT_EQ(n.forward_method, "POST");
    EXPECT_FALSE(n.status_callback.has_value());
  }
}

// ------------------------------------------------------------------------------ insert & read

TEST_P(StoreContractTest, InsertedMessageRoundTripsEveryField) {
  Message m = outbound(kAcctA, kT0 + 17, Status::kQueued, kT0 + 5000);
  m.from = "+15551230000";
  m.to = "+447700900123";
  m.body = "Grüße 👋 \"quoted\" 'single' back\\slash\nnew line; DROP TABLE messages;--";
  m.media_urls = {"https://example.com/a.jpg", "https://example.com/b.png?x=1&y=2"};
  m.segments = 3;
  m.encoding = Encoding::kUcs2;
  m.updated_at = kT0 + 18;
  m.metadata = {{"order", "42"}, {"ключ", "値"}, {"empty", ""}};
  m.connector = "twilio";
  m.status_callback = "https://app.example.com/status?token=abc";
  m.validity_period_s = 3600;
  m.idempotency_key = "idem-1";
  m.request_hash = std::string(64, 'f');

  Message plain = outbound(kAcctA, kT0 + 18, Status::kAccepted);
  Message inbound = outbound(kAcctA, kT0 + 19, Status::kReceived);
  inbound.direction = Direction::kInbound;
  inbound.connector = "sim";
  inbound.provider_message_id = "SIM-IN-1";

  MessageEvent accepted = event(Status::kAccepted, kT0 + 17);
  accepted.detail = "accepted via API";
  MessageEvent queued = event(Status::kQueued, kT0 + 17);
  queued.provider_status = "n/a";
  auto res = insert({{m, {accepted, queued}}, {plain, {}}, {inbound, {event(Status::kReceived, 1)}}});
  ASSERT_EQ(res.size(), 3u);
  for (const auto& r : res) EXPECT_EQ(r.kind, InsertKind::kCreated);
  EXPECT_EQ(res[0].message.id, m.id);
  EXPECT_EQ(res[1].message.id, plain.id);
  EXPECT_EQ(res[2].message.id, inbound.id);

  expect_same_message(get(m.id), m);
  expect_same_message(get(plain.id), plain);
  expect_same_message(get(inbound.id), inbound);

  auto events = store_->list_events(m.id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message_id, m.id);
  EXPECT_EQ(events[0].type, "status");
  EXPECT_EQ(events[0].status, Status::kAccepted);
  EXPECT_EQ(events[0].at, kT0 + 17);
  EXPECT_TRUE(events[0].applied);
  EXPECT_EQ(events[0].detail, "accepted via API");
  EXPECT_EQ(events[1].status, Status::kQueued);
  EXPECT_EQ(events[1].provider_status, "n/a");
  EXPECT_LT(events[0].id, events[1].id);
  EXPECT_TRUE(store_->list_events(plain.id).empty());
  EXPECT_EQ(store_->list_events(inbound.id).size(), 1u);
  EXPECT_TRUE(store_->list_events("msg_unknown").empty());
}

TEST_P(StoreContractTest, FailedBatchInsertsNothing) {
  Message ok1 = outbound(kAcctA, kT0 + 1);
  Message bad = outbound("acct_does_not_exist", kT0 + 2);
  std::vector<NewMessage> batch = {{ok1, {event(Status::kQueued, kT0)}}, {bad, {}}};
  auto r = store_->insert_messages(batch);
  EXPECT_FALSE(r.ok()) << "a message for an unknown account must fail the batch";
  EXPECT_FALSE(store_->get_message(kAcctA, ok1.id).has_value()) << "the batch is atomic";
  EXPECT_TRUE(store_->list_events(ok1.id).empty());

  // Same id twice is refused, and leaves the first row alone.
  add(ok1);
  Message dup = outbound(kAcctA, kT0 + 3);
  dup.id = ok1.id;
  dup.body = "other";
  std::vector<NewMessage> again = {{dup, {}}};
  EXPECT_FALSE(store_->insert_messages(again).ok());
  EXPECT_EQ(get(ok1.id).body, "hello");
}

TEST_P(StoreContractTest, IdempotentRetryReturnsTheFirstMessage) {
  Message first = outbound(kAcctA, kT0 + 1);
  first.idempotency_key = "key-1";
  first.request_hash = "hash-1";
  first.body = "first";
  add(first);

  Message retry = outbound(kAcctA, kT0 + 2);
  retry.idempotency_key = "key-1";
  retry.request_hash = "hash-1";
  retry.body = "retry";
  auto res = insert({{retry, {event(Status::kQueued, kT0 + 2)}}});
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].kind, InsertKind::kDuplicate);
  EXPECT_EQ(res[0].message.id, first.id);
  EXPECT_EQ(res[0].message.body, "first");
  EXPECT_EQ(res[0].message.request_hash, "hash-1");
  EXPECT_FALSE(store_->get_message(kAcctA, retry.id).has_value());
  EXPECT_TRUE(store_->list_events(retry.id).empty());
  EXPECT_EQ(store_->list_events(first.id).size(), 1u);
  EXPECT_EQ(store_->list_messages({.account = kAcctA}).size(), 1u);
}

TEST_P(StoreContractTest, IdempotencyKeyWithDifferentRequestConflicts) {
  Message first = outbound(kAcctA, kT0 + 1);
  first.idempotency_key = "key-1";
  first.request_hash = "hash-1";
  add(first);

  Message other = outbound(kAcctA, kT0 + 2);
  other.idempotency_key = "key-1";
  other.request_hash = "hash-2";
  auto res = insert({{other, {}}});
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].kind, InsertKind::kConflict);
  EXPECT_EQ(res[0].message.id, first.id);
  EXPECT_EQ(res[0].message.request_hash, "hash-1");
  EXPECT_FALSE(store_->get_message(kAcctA, other.id).has_value());
  EXPECT_EQ(store_->list_messages({.account = kAcctA}).size(), 1u);
}

TEST_P(StoreContractTest, DuplicateKeysWithinOneBatch) {
  auto with_key = [](TimeMs t, std::string key, std::string hash) {
    Message m = outbound(kAcctA, t);
    m.idempotency_key = std::move(key);
    m.request_hash = std::move(hash);
    return m;
  };
  Message a = with_key(kT0 + 1, "k", "h1");
  Message b = with_key(kT0 + 2, "k", "h1");
  Message c = with_key(kT0 + 3, "k", "h2");
  Message d = outbound(kAcctA, kT0 + 4);  // no key: never deduplicated
  Message e = outbound(kAcctA, kT0 + 5);
  Message f = with_key(kT0 + 6, "k2", "h1");
  auto res = insert({{a, {}}, {b, {}}, {c, {}}, {d, {}}, {e, {}}, {f, {}}});
  ASSERT_EQ(res.size(), 6u);
  EXPECT_EQ(res[0].kind, InsertKind::kCreated);
  EXPECT_EQ(res[0].message.id, a.id);
  EXPECT_EQ(res[1].kind, InsertKind::kDuplicate);
  EXPECT_EQ(res[1].message.id, a.id);
  EXPECT_EQ(res[2].kind, InsertKind::kConflict);
  EXPECT_EQ(res[2].message.id, a.id);
  EXPECT_EQ(res[3].kind, InsertKind::kCreated);
  EXPECT_EQ(res[3].message.id, d.id);
  EXPECT_EQ(res[4].kind, InsertKind::kCreated);
  EXPECT_EQ(res[4].message.id, e.id);
  EXPECT_EQ(res[5].kind, InsertKind::kCreated);
  EXPECT_EQ(res[5].message.id, f.id);
  EXPECT_EQ(ids(store_->list_messages({.account = kAcctA})),
            (std::vector<std::string>{f.id, e.id, d.id, a.id}));
}

TEST_P(StoreContractTest, SameIdempotencyKeyInDifferentAccountsAreIndependent) {
  Message a = outbound(kAcctA, kT0 + 1);
  a.idempotency_key = "shared";
  a.request_hash = "h";
  Message b = outbound(kAcctB, kT0 + 2);
  b.idempotency_key = "shared";
  b.request_hash = "h";
  auto res = insert({{a, {}}, {b, {}}});
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0].kind, InsertKind::kCreated);
  EXPECT_EQ(res[1].kind, InsertKind::kCreated);
  EXPECT_EQ(res[1].message.id, b.id);
  Message b2 = outbound(kAcctB, kT0 + 3);
  b2.idempotency_key = "shared";
  b2.request_hash = "h";
  res = insert({{b2, {}}});
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].kind, InsertKind::kDuplicate);
  EXPECT_EQ(res[0].message.id, b.id);
  EXPECT_EQ(get(a.id).account, kAcctA);
  EXPECT_EQ(get(b.id, kAcctB).account, kAcctB);
}

TEST_P(StoreContractTest, GetMessageIsTenantIsolated) {
  Message m = add(outbound(kAcctA, kT0));
  EXPECT_TRUE(store_->get_message(kAcctA, m.id).has_value());
  EXPECT_FALSE(store_->get_message(kAcctB, m.id).has_value());
  EXPECT_FALSE(store_->get_message("", m.id).has_value());
  EXPECT_FALSE(store_->get_message(kAcctA, "msg_missing").has_value());
  EXPECT_TRUE(store_->list_messages({.account = kAcctB}).empty());
  EXPECT_TRUE(store_->count_by_status(kAcctB).empty());
}

TEST_P(StoreContractTest, ListEventsInInsertionOrderAcrossTransitions) {
  Message m = outbound(kAcctA, kT0);
  insert({{m, {event(Status::kAccepted, kT0), event(Status::kQueued, kT0)}}});
  ASSERT_EQ(claim(kT0 + 10).size(), 1u);
  Transition sent{.message_id = m.id, .to = Status::kSent, .at = kT0 + 20};
  sent.provider_status = "queued";
  EXPECT_TRUE(apply1(sent).applied);
  Transition delivered{.message_id = m.id, .to = Status::kDelivered, .at = kT0 + 30};
  EXPECT_TRUE(apply1(delivered).applied);

  auto ev = store_->list_events(m.id);
  ASSERT_EQ(ev.size(), 5u);
  const std::vector<Status> want = {Status::kAccepted, Status::kQueued, Status::kSending,
                                    Status::kSent, Status::kDelivered};
  const std::vector<TimeMs> at = {kT0, kT0, kT0 + 10, kT0 + 20, kT0 + 30};
  for (size_t i = 0; i < ev.size(); ++i) {
    EXPECT_EQ(ev[i].status, want[i]) << i;
    EXPECT_EQ(ev[i].at, at[i]) << i;
    EXPECT_TRUE(ev[i].applied) << i;
    EXPECT_EQ(ev[i].message_id, m.id);
    if (i > 0) {
      EXPECT_GT(ev[i].id, ev[i - 1].id);
    }
  }
  EXPECT_EQ(ev[3].provider_status, "queued");
}

TEST_P(StoreContractTest, ListMessagesFiltersAndPaginatesNewestFirst) {
  const std::string x = "+15550009999";
  Message m1 = outbound(kAcctA, kT0 + 1000);
  m1.to = x;
  Message m2 = outbound(kAcctA, kT0 + 2000, Status::kDelivered);
  Message m3 = outbound(kAcctA, kT0 + 3000, Status::kReceived);
  m3.direction = Direction::kInbound;
  m3.from = x;
  m3.to = "+15550000001";
  Message m4 = outbound(kAcctA, kT0 + 4000, Status::kFailed);
  m4.from = "+15550000007";
  m4.to = x;
  Message m5 = outbound(kAcctA, kT0 + 5000);
  m5.to = x;
  Message other = outbound(kAcctB, kT0 + 6000);
  other.to = x;
  // Inserted out of order: the listing order comes from the data, not insertion.
  insert({{m3, {}}, {m1, {}}, {m5, {}}, {other, {}}, {m2, {}}, {m4, {}}});

  using V = std::vector<std::string>;
  auto list = [&](MessageFilter f) { return ids(store_->list_messages(f)); };
  EXPECT_EQ(list({.account = kAcctA}), (V{m5.id, m4.id, m3.id, m2.id, m1.id}));
  EXPECT_EQ(list({.account = kAcctB}), (V{other.id}));
  EXPECT_EQ(list({.account = "acct_none"}), V{});
  EXPECT_EQ(list({.account = kAcctA, .to = x}), (V{m5.id, m4.id, m1.id}));
  EXPECT_EQ(list({.account = kAcctA, .from = "+15550000001"}), (V{m5.id, m2.id, m1.id}));
  EXPECT_EQ(list({.account = kAcctA, .from = x}), (V{m3.id}));
  EXPECT_EQ(list({.account = kAcctA, .direction = Direction::kInbound}), (V{m3.id}));
  EXPECT_EQ(list({.account = kAcctA, .direction = Direction::kOutbound}),
            (V{m5.id, m4.id, m2.id, m1.id}));
  EXPECT_EQ(list({.account = kAcctA, .status = Status::kQueued}), (V{m5.id, m1.id}));
  EXPECT_EQ(list({.account = kAcctA, .status = Status::kFailed}), (V{m4.id}));
  EXPECT_EQ(list({.account = kAcctA, .status = Status::kSending}), V{});
  // since is inclusive, until exclusive.
  EXPECT_EQ(list({.account = kAcctA, .since = kT0 + 2000}), (V{m5.id, m4.id, m3.id, m2.id}));
  EXPECT_EQ(list({.account = kAcctA, .until = kT0 + 4000}), (V{m3.id, m2.id, m1.id}));
  EXPECT_EQ(list({.account = kAcctA, .since = kT0 + 2000, .until = kT0 + 4000}),
            (V{m3.id, m2.id}));
  EXPECT_EQ(list({.account = kAcctA, .since = kT0 + 2001, .until = kT0 + 2999}), V{});
  EXPECT_EQ(list({.account = kAcctA, .before_id = m4.id}), (V{m3.id, m2.id, m1.id}));
  EXPECT_EQ(list({.account = kAcctA, .before_id = m1.id}), V{});
  EXPECT_EQ(list({.account = kAcctA, .limit = 2}), (V{m5.id, m4.id}));
  EXPECT_EQ(list({.account = kAcctA, .to = x, .status = Status::kQueued, .before_id = m5.id}),
            (V{m1.id}));
  EXPECT_EQ(list({.account = kAcctA, .to = x, .direction = Direction::kOutbound,
                  .since = kT0 + 1001}),
            (V{m5.id, m4.id}));

  // Paging with the cursor visits every message exactly once, newest first.
  V paged;
  std::optional<std::string> cursor;
  for (int page = 0; page < 10; ++page) {
    auto got = store_->list_messages({.account = kAcctA, .before_id = cursor, .limit = 2});
    EXPECT_LE(got.size(), 2u);
    if (got.empty()) break;
    for (const auto& m : got) paged.push_back(m.id);
    cursor = got.back().id;
  }
  EXPECT_EQ(paged, (V{m5.id, m4.id, m3.id, m2.id, m1.id}));

  // Listed messages carry their full content.
  auto one = store_->list_messages({.account = kAcctA, .from = x});
  ASSERT_EQ(one.size(), 1u);
  expect_same_message(one[0], m3);
}

// ------------------------------------------------------------------------------ outbox

TEST_P(StoreContractTest, ClaimDueTakesOnlyDueQueuedMessages) {
  const TimeMs now = kT0 + 10'000;
  Message past = add(outbound(kAcctA, kT0 + 1, Status::kQueued, now - 5000));
  Message other_account = add(outbound(kAcctB, kT0 + 2, Status::kQueued, now - 2000));
  Message exactly_now = add(outbound(kAcctA, kT0 + 3, Status::kQueued, now));
  Message future = add(outbound(kAcctA, kT0 + 4, Status::kQueued, now + 1));
  Message accepted = add(outbound(kAcctA, kT0 + 5, Status::kAccepted));
  Message scheduled = add(outbound(kAcctA, kT0 + 6, Status::kScheduled));
  Message sent = add(outbound(kAcctA, kT0 + 7, Status::kSent));
  Message delivered = add(outbound(kAcctA, kT0 + 8, Status::kDelivered));
  Message received = outbound(kAcctA, kT0 + 9, Status::kReceived);
  received.direction = Direction::kInbound;
  add(received);

  auto claimed = claim(now, 30'000, 100, "worker-7");
  ASSERT_EQ(ids(claimed), (std::vector<std::string>{past.id, other_account.id, exactly_now.id}))
      << "due messages, earliest first, across accounts";
  for (const auto& m : claimed) {
    EXPECT_EQ(m.status, Status::kSending);
    EXPECT_EQ(m.attempts, 1);
    EXPECT_EQ(m.next_attempt_at, now + 30'000);
    EXPECT_EQ(m.updated_at, now);
    Message stored = get(m.id, m.account);
    EXPECT_EQ(stored.status, Status::kSending);
    EXPECT_EQ(stored.attempts, 1);
    EXPECT_EQ(stored.next_attempt_at, now + 30'000);
    EXPECT_EQ(stored.body, "hello");
    auto ev = store_->list_events(m.id);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[1].status, Status::kSending);
    EXPECT_EQ(ev[1].at, now);
    EXPECT_TRUE(ev[1].applied);
  }
  for (const auto* m : {&future, &accepted, &scheduled, &sent, &delivered, &received}) {
    Message stored = get(m->id);
    EXPECT_EQ(stored.status, m->status) << m->id;
    EXPECT_EQ(stored.attempts, 0) << m->id;
    EXPECT_EQ(store_->list_events(m->id).size(), 1u) << m->id;
  }

  EXPECT_TRUE(claim(now).empty()) << "claimed messages are leased; the rest is not due";
  auto later = claim(now + 1);
  EXPECT_EQ(ids(later), (std::vector<std::string>{future.id}));
  EXPECT_EQ(claim(now + 1'000'000'000).size(), 4u)
      << "only the four leased messages come back when their leases expire";
}

TEST_P(StoreContractTest, ClaimDueRespectsLimit) {
  std::vector<std::string> want;
  for (int i = 0; i < 5; ++i) {
    want.push_back(add(outbound(kAcctA, kT0 + i, Status::kQueued, kT0 + 100 - i)).id);
  }
  std::reverse(want.begin(), want.end());  // earliest next_attempt_at first
  std::vector<std::string> got;
  for (size_t expect : {2u, 2u, 1u, 0u}) {
    auto c = claim(kT0 + 1000, 30'000, 2);
    EXPECT_EQ(c.size(), expect);
    for (const auto& m : c) got.push_back(m.id);
  }
  EXPECT_EQ(got, want);
}

TEST_P(StoreContractTest, LeaseExpiryMakesSendingMessageClaimableAgain) {
  const TimeMs now = kT0 + 1000;
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(now, 30'000, 10, "crashed-worker").size(), 1u);
  EXPECT_TRUE(claim(now + 1, 30'000, 10, "worker-2").empty());
  EXPECT_TRUE(claim(now + 29'999, 30'000, 10, "worker-2").empty());
  auto again = claim(now + 30'000, 45'000, 10, "worker-2");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, m.id);
  EXPECT_EQ(again[0].status, Status::kSending);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(again[0].next_attempt_at, now + 30'000 + 45'000);
  Message stored = get(m.id);
  EXPECT_EQ(stored.attempts, 2);
  EXPECT_EQ(stored.status, Status::kSending);
  auto ev = store_->list_events(m.id);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].status, Status::kSending);
  EXPECT_EQ(ev[2].status, Status::kSending);
  EXPECT_EQ(ev[2].at, now + 30'000);
  EXPECT_TRUE(claim(now + 30'000 + 44'999, 45'000, 10).empty());
  EXPECT_EQ(store_->next_due(), now + 30'000 + 45'000);
}

TEST_P(StoreContractTest, ApplyFollowsTheStateMachine) {
  const TimeMs now = kT0 + 1000;
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(now).size(), 1u);

  Transition sent{.message_id = m.id, .to = Status::kSent, .at = now + 100};
  sent.provider_status = "accepted";
  sent.provider_message_id = "SM123";
  sent.connector = "sim";
  auto r = apply1(sent);
  EXPECT_TRUE(r.found);
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.message.id, m.id);
  EXPECT_EQ(r.message.status, Status::kSent);
  EXPECT_EQ(r.message.provider_message_id, "SM123");
  EXPECT_EQ(r.message.connector, "sim");
  EXPECT_EQ(r.message.updated_at, now + 100);
  Message stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kSent);
  EXPECT_EQ(stored.provider_message_id, "SM123");
  EXPECT_EQ(stored.connector, "sim");
  EXPECT_EQ(stored.updated_at, now + 100);
  EXPECT_EQ(stored.attempts, 1);

  r = apply1({.message_id = m.id, .to = Status::kDelivered, .at = now + 200});
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.message.status, Status::kDelivered);
  EXPECT_EQ(get(m.id).status, Status::kDelivered);

  // A late `sent` after `delivered` is recorded but does not move the status backwards.
  Transition late{.message_id = m.id, .to = Status::kSent, .at = now + 300};
  late.provider_status = "late";
  late.provider_message_id = "SM-OTHER";
  r = apply1(late);
  EXPECT_TRUE(r.found);
  EXPECT_FALSE(r.applied);
  EXPECT_EQ(r.message.status, Status::kDelivered);
  stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kDelivered);
  EXPECT_EQ(stored.updated_at, now + 200);
  EXPECT_EQ(stored.provider_message_id, "SM123");
  // Nor do other finals, or a repeat.
  EXPECT_FALSE(apply1({.message_id = m.id, .to = Status::kFailed, .at = now + 400}).applied);
  EXPECT_FALSE(apply1({.message_id = m.id, .to = Status::kDelivered, .at = now + 500}).applied);
  EXPECT_EQ(get(m.id).status, Status::kDelivered);

  auto ev = store_->list_events(m.id);
  ASSERT_EQ(ev.size(), 7u);  // queued, sending, sent, delivered, late sent, failed, delivered
  EXPECT_EQ(ev[2].status, Status::kSent);
  EXPECT_TRUE(ev[2].applied);
  EXPECT_EQ(ev[3].status, Status::kDelivered);
  EXPECT_TRUE(ev[3].applied);
  EXPECT_EQ(ev[4].status, Status::kSent);
  EXPECT_FALSE(ev[4].applied);
  EXPECT_EQ(ev[4].at, now + 300);
  EXPECT_EQ(ev[4].provider_status, "late");
  EXPECT_EQ(ev[5].status, Status::kFailed);
  EXPECT_FALSE(ev[5].applied);
  EXPECT_FALSE(ev[6].applied);

  r = apply1({.message_id = "msg_unknown", .to = Status::kSent, .at = now});
  EXPECT_FALSE(r.found);
  EXPECT_FALSE(r.applied);
}

TEST_P(StoreContractTest, ApplyRecordsErrorsAndRunsABatchInOrder) {
  const TimeMs now = kT0 + 1000;
  Message a = add(outbound(kAcctA, kT0 + 1));
  Message b = add(outbound(kAcctA, kT0 + 2));
  Message c = add(outbound(kAcctA, kT0 + 3, Status::kAccepted));
  ASSERT_EQ(claim(now).size(), 2u);

  Transition fail_a{.message_id = a.id, .to = Status::kUndelivered, .at = now + 1};
  fail_a.error_code = "30003";
  fail_a.error_message = "Unreachable destination handset";
  fail_a.provider_status = "undelivered";
  auto rs = apply({fail_a,
                   {.message_id = "msg_nope", .to = Status::kSent, .at = now + 2},
                   {.message_id = b.id, .to = Status::kSent, .at = now + 3},
                   {.message_id = b.id, .to = Status::kQueued, .at = now + 4},  // sent -> queued
                   {.message_id = c.id, .to = Status::kCanceled, .at = now + 5}});
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_TRUE(rs[0].applied);
  EXPECT_EQ(rs[0].message.id, a.id);
  EXPECT_EQ(rs[0].message.error_code, "30003");
  EXPECT_FALSE(rs[1].found);
  EXPECT_TRUE(rs[2].applied);
  EXPECT_EQ(rs[2].message.id, b.id);
  EXPECT_TRUE(rs[3].found);
  EXPECT_FALSE(rs[3].applied) << "sent -> queued is not a legal transition";
  EXPECT_EQ(rs[3].message.status, Status::kSent) << "later transitions see earlier ones";
  EXPECT_TRUE(rs[4].applied);
  EXPECT_EQ(rs[4].message.status, Status::kCanceled);

  Message stored = get(a.id);
  EXPECT_EQ(stored.status, Status::kUndelivered);
  EXPECT_EQ(stored.error_code, "30003");
  EXPECT_EQ(stored.error_message, "Unreachable destination handset");
  auto ev = store_->list_events(a.id);
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().error_code, "30003");
  EXPECT_EQ(ev.back().error_message, "Unreachable destination handset");
  EXPECT_EQ(ev.back().provider_status, "undelivered");
  EXPECT_EQ(get(b.id).status, Status::kSent);
  EXPECT_EQ(get(c.id).status, Status::kCanceled);
}

TEST_P(StoreContractTest, ApplyHonoursExpectGuard) {
  const TimeMs now = kT0 + 1000;
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(now).size(), 1u);

  Transition guarded{.message_id = m.id, .to = Status::kSent, .at = now + 1};
  guarded.expect = Status::kQueued;
  auto r = apply1(guarded);
  EXPECT_TRUE(r.found);
  EXPECT_FALSE(r.applied);
  EXPECT_EQ(r.message.status, Status::kSending);
  EXPECT_EQ(get(m.id).status, Status::kSending);
  auto ev = store_->list_events(m.id);
  ASSERT_EQ(ev.size(), 3u) << "a refused transition is still recorded";
  EXPECT_EQ(ev[2].status, Status::kSent);
  EXPECT_FALSE(ev[2].applied);

  guarded.expect = Status::kSending;
  r = apply1(guarded);
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(get(m.id).status, Status::kSent);
}

TEST_P(StoreContractTest, RetryRequeuesForLater) {
  const TimeMs now = kT0 + 1000;
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(now).size(), 1u);

  Transition retry{.message_id = m.id, .to = Status::kQueued, .at = now + 10};
  retry.next_attempt_at = now + 60'000;
  retry.expect = Status::kSending;
  retry.error_code = "provider_timeout";
  auto r = apply1(retry);
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.message.status, Status::kQueued);
  EXPECT_EQ(r.message.next_attempt_at, now + 60'000);
  Message stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kQueued);
  EXPECT_EQ(stored.next_attempt_at, now + 60'000);
  EXPECT_EQ(stored.attempts, 1);
  EXPECT_EQ(store_->next_due(), now + 60'000);

  EXPECT_TRUE(claim(now + 59'999).empty());
  auto again = claim(now + 60'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, m.id);
  EXPECT_EQ(again[0].attempts, 2);

  // A retry without a time is due at once.
  r = apply1({.message_id = m.id, .to = Status::kQueued, .at = now + 70'000});
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(store_->next_due(), now + 70'000);
  EXPECT_EQ(claim(now + 70'000).size(), 1u);
}

TEST_P(StoreContractTest, NextDueTracksTheOutboxAndFinalStatusesLeaveIt) {
  EXPECT_FALSE(store_->next_due().has_value());
  add(outbound(kAcctA, kT0, Status::kDelivered));
  add(outbound(kAcctA, kT0, Status::kAccepted));
  EXPECT_FALSE(store_->next_due().has_value());

  const TimeMs now = kT0 + 1000;
  Message a = add(outbound(kAcctA, kT0 + 1, Status::kQueued, now + 5000));
  Message b = add(outbound(kAcctB, kT0 + 2, Status::kQueued, now + 1000));
  EXPECT_EQ(store_->next_due(), now + 1000);
  ASSERT_EQ(ids(claim(now + 1000, 30'000)), (std::vector<std::string>{b.id}));
  EXPECT_EQ(store_->next_due(), now + 5000) << "a's due time is before b's lease expiry";
  EXPECT_TRUE(apply1({.message_id = b.id, .to = Status::kDelivered, .at = now + 1001}).applied);
  EXPECT_EQ(get(b.id, kAcctB).next_attempt_at, 0);
  EXPECT_EQ(store_->next_due(), now + 5000);
  EXPECT_TRUE(apply1({.message_id = a.id, .to = Status::kCanceled, .at = now + 1002}).applied);
  EXPECT_FALSE(store_->next_due().has_value());
  EXPECT_TRUE(claim(now + 1'000'000'000).empty()) << "final messages are never claimed";
}

// ------------------------------------------------------------------------------ provider status

TEST_P(StoreContractTest, ApplyProviderStatusMatchesConnectorAndProviderId) {
  const TimeMs now = kT0 + 1000;
  Message m = add(outbound(kAcctA, kT0));
  Message n = add(outbound(kAcctB, kT0 + 1));
  ASSERT_EQ(claim(now).size(), 2u);
  Transition sent_m{.message_id = m.id, .to = Status::kSent, .at = now + 1};
  sent_m.provider_message_id = "SM-1";
  sent_m.connector = "sim";
  Transition sent_n{.message_id = n.id, .to = Status::kSent, .at = now + 1};
  sent_n.provider_message_id = "SM-1";  // same provider id, other connector
  sent_n.connector = "twilio";
  ASSERT_EQ(apply({sent_m, sent_n}).size(), 2u);

  ProviderStatus delivered{.connector = "sim", .provider_message_id = "SM-1",
                           .status = Status::kDelivered, .at = now + 50,
                           .provider_status = "DELIVRD"};
  ProviderStatus unknown{.connector = "sim", .provider_message_id = "SM-404",
                         .status = Status::kDelivered, .at = now + 51};
  ProviderStatus wrong_connector{.connector = "telnyx", .provider_message_id = "SM-1",
                                 .status = Status::kDelivered, .at = now + 52};
  auto r = store_->apply_provider_status({delivered, unknown, wrong_connector});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_TRUE((*r)[0].found);
  EXPECT_TRUE((*r)[0].applied);
  EXPECT_EQ((*r)[0].message.id, m.id);
  EXPECT_EQ((*r)[0].message.status, Status::kDelivered);
  EXPECT_FALSE((*r)[1].found);
  EXPECT_FALSE((*r)[1].applied);
  EXPECT_FALSE((*r)[2].found);

  EXPECT_EQ(get(m.id).status, Status::kDelivered);
  EXPECT_EQ(get(m.id).updated_at, now + 50);
  EXPECT_EQ(get(n.id, kAcctB).status, Status::kSent) << "matched by connector too";
  auto ev = store_->list_events(m.id);
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().status, Status::kDelivered);
  EXPECT_EQ(ev.back().provider_status, "DELIVRD");
  EXPECT_EQ(ev.back().at, now + 50);

  // Late or out-of-order report: recorded, not applied.
  ProviderStatus late{.connector = "sim", .provider_message_id = "SM-1",
                      .status = Status::kSent, .at = now + 60, .provider_status = "sent"};
  r = store_->apply_provider_status({late});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].found);
  EXPECT_FALSE((*r)[0].applied);
  EXPECT_EQ((*r)[0].message.status, Status::kDelivered);
  EXPECT_EQ(store_->list_events(m.id).back().provider_status, "sent");
  EXPECT_FALSE(store_->list_events(m.id).back().applied);

  // Undelivered with an error for the other message.
  ProviderStatus undelivered{.connector = "twilio", .provider_message_id = "SM-1",
                             .status = Status::kUndelivered, .at = now + 70,
                             .provider_status = "undelivered", .error_code = "30005",
                             .error_message = "Unknown destination"};
  r = store_->apply_provider_status({undelivered});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].applied);
  Message stored = get(n.id, kAcctB);
  EXPECT_EQ(stored.status, Status::kUndelivered);
  EXPECT_EQ(stored.error_code, "30005");
  EXPECT_EQ(stored.error_message, "Unknown destination");
}

// ------------------------------------------------------------------------------ deliveries

TEST_P(StoreContractTest, StatusCallbackEnqueuesDeliveryWithPayload) {
  const TimeMs now = kT0 + 1000;
  Message m = outbound(kAcctA, kT0);
  m.status_callback = "https://app.example.com/cb";
  m.metadata = {{"order", "7"}};
  add(m);
  Message quiet = add(outbound(kAcctA, kT0 + 1));  // no callback
  ASSERT_EQ(claim(now).size(), 2u);
  const size_t before = store_->list_deliveries(m.id).size();

  Transition sent{.message_id = m.id, .to = Status::kSent, .at = now + 10};
  sent.provider_message_id = "SM-9";
  sent.connector = "sim";
  ASSERT_TRUE(apply1(sent).applied);
  ASSERT_TRUE(apply1({.message_id = quiet.id, .to = Status::kSent, .at = now + 10}).applied);
  EXPECT_TRUE(store_->list_deliveries(quiet.id).empty());

  auto ds = store_->list_deliveries(m.id);
  ASSERT_EQ(ds.size(), before + 1);
  const Delivery& d = ds.back();
  EXPECT_FALSE(d.id.empty());
  EXPECT_EQ(d.account, kAcctA);
  EXPECT_EQ(d.message_id, m.id);
  EXPECT_EQ(d.kind, "status_callback");
  EXPECT_EQ(d.url, "https://app.example.com/cb");
  EXPECT_EQ(d.attempts, 0);
  EXPECT_EQ(d.created_at, now + 10);
  EXPECT_EQ(d.next_attempt_at, now + 10);
  auto payload = nlohmann::json::parse(d.payload, nullptr, false);
  ASSERT_FALSE(payload.is_discarded()) << d.payload;
  EXPECT_EQ(payload.value("status", ""), "sent");
  ASSERT_TRUE(payload.contains("message")) << d.payload;
  EXPECT_EQ(payload["message"].value("id", ""), m.id);
  EXPECT_EQ(payload["message"].value("status", ""), "sent");
  EXPECT_EQ(payload["message"].value("account", ""), kAcctA);
  EXPECT_EQ(payload["message"]["provider_message_id"], "SM-9");
  EXPECT_EQ(payload["message"]["metadata"]["order"], "7");

  // A provider report enqueues another; a refused transition enqueues nothing.
  auto r = store_->apply_provider_status(
      {{.connector = "sim", .provider_message_id = "SM-9", .status = Status::kDelivered,
        .at = now + 20}});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)[0].applied);
  EXPECT_FALSE(apply1({.message_id = m.id, .to = Status::kSent, .at = now + 30}).applied);
  ds = store_->list_deliveries(m.id);
  ASSERT_EQ(ds.size(), before + 2);
  auto p2 = nlohmann::json::parse(ds.back().payload, nullptr, false);
  ASSERT_FALSE(p2.is_discarded());
  EXPECT_EQ(p2.value("status", ""), "delivered");
  EXPECT_EQ(p2["message"].value("status", ""), "delivered");
  EXPECT_EQ(p2["message"].value("id", ""), m.id);
  EXPECT_NE(ds.back().id, ds[ds.size() - 2].id);
}

TEST_P(StoreContractTest, DeliveriesAreLeasedRetriedAndFinished) {
  const TimeMs now = kT0 + 1000;
  Message m = outbound(kAcctA, kT0);
  m.status_callback = "https://app.example.com/cb";
  add(m);
  ASSERT_EQ(claim(now).size(), 1u);
  const TimeMs t1 = now + 100, t2 = now + 200;
  ASSERT_TRUE(apply1({.message_id = m.id, .to = Status::kSent, .at = t1}).applied);
  ASSERT_TRUE(apply1({.message_id = m.id, .to = Status::kDelivered, .at = t2}).applied);
  auto all = store_->list_deliveries(m.id);
  ASSERT_EQ(all.size(), 2u);
  const std::string d1 = all[0].id, d2 = all[1].id;

  EXPECT_TRUE(claim_deliveries(t1 - 1).empty()) << "not due yet";
  auto c = claim_deliveries(t1, 10'000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, d1);
  EXPECT_EQ(c[0].attempts, 1);
  EXPECT_EQ(c[0].next_attempt_at, t1 + 10'000);
  EXPECT_EQ(c[0].url, "https://app.example.com/cb");
  EXPECT_EQ(c[0].message_id, m.id);
  EXPECT_EQ(c[0].account, kAcctA);
  EXPECT_EQ(c[0].kind, "status_callback");
  EXPECT_EQ(c[0].payload, all[0].payload);

  c = claim_deliveries(t2, 10'000);
  ASSERT_EQ(c.size(), 1u) << "d1 is leased";
  EXPECT_EQ(c[0].id, d2);
  EXPECT_TRUE(claim_deliveries(t1 + 9'999).empty());

  // d1's worker crashed: its lease expires and it is claimed again.
  c = claim_deliveries(t1 + 10'000, 10'000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, d1);
  EXPECT_EQ(c[0].attempts, 2);

  ASSERT_TRUE(store_->finish_delivery(d2, true, true, 200, "", t2 + 5, std::nullopt).ok());
  ASSERT_TRUE(
      store_->finish_delivery(d1, false, false, 503, "unavailable", t1 + 10'001, t1 + 50'000)
          .ok());
  EXPECT_TRUE(claim_deliveries(t1 + 49'999).empty()) << "d1 waits for retry_at; d2 is done";
  c = claim_deliveries(t1 + 50'000, 10'000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, d1);
  EXPECT_EQ(c[0].attempts, 3);
  ASSERT_TRUE(
      store_->finish_delivery(d1, true, false, 500, "gave up", t1 + 50'001, std::nullopt).ok());
  EXPECT_TRUE(claim_deliveries(t1 + 1'000'000'000).empty()) << "finished deliveries stay done";

  all = store_->list_deliveries(m.id);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, d1);
  EXPECT_EQ(all[0].attempts, 3);
  EXPECT_EQ(all[1].id, d2);
  EXPECT_EQ(all[1].attempts, 1);
}

TEST_P(StoreContractTest, ClaimDeliveriesRespectsLimit) {
  const TimeMs now = kT0 + 1000;
  std::vector<std::string> mids;
  for (int i = 0; i < 3; ++i) {
    Message m = outbound(kAcctA, kT0 + i);
    m.status_callback = "https://app.example.com/cb";
    mids.push_back(add(m).id);
  }
  ASSERT_EQ(claim(now).size(), 3u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(apply1({.message_id = mids[i], .to = Status::kSent, .at = now + i}).applied);
  }
  std::set<std::string> seen;
  for (size_t expect : {2u, 1u, 0u}) {
    auto c = claim_deliveries(now + 100, 10'000, 2);
    EXPECT_EQ(c.size(), expect);
    for (const auto& d : c) EXPECT_TRUE(seen.insert(d.id).second) << "claimed twice: " << d.id;
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(store_->list_deliveries("msg_unknown").size(), 0u);
}

// ------------------------------------------------------------------------------ counts

// The narrow forms answer found/applied/callback without the message, with the same effects:
// several reports for one message in one batch apply in order, each with its event row.
TEST_P(StoreContractTest, SummaryFormsApplyLikeTheFullForms) {
  const TimeMs now = kT0 + 1000;
  Message m = outbound(kAcctA, kT0);
  m.status_callback = "https://app.example.com/cb";
  m.metadata = {{"order", "9"}};
  add(m);
  Message plain = add(outbound(kAcctA, kT0 + 1));
  ASSERT_EQ(claim(now).size(), 2u);

  Transition sent_m{.message_id = m.id, .to = Status::kSent, .at = now + 1};
  sent_m.provider_message_id = "SM-A";
  sent_m.connector = "sim";
  Transition sent_p{.message_id = plain.id, .to = Status::kSent, .at = now + 1};
  sent_p.provider_message_id = "SM-B";
  sent_p.connector = "sim";
  auto s = store_->apply_summary({sent_m, sent_p, {.message_id = "msg_unknown", .to = Status::kSent,
                                                    .at = now}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->size(), 3u);
  EXPECT_TRUE((*s)[0].found && (*s)[0].applied && (*s)[0].callback_queued);
  EXPECT_EQ((*s)[0].message_id, m.id);
  EXPECT_EQ((*s)[0].status, Status::kSent);
  EXPECT_TRUE((*s)[1].found && (*s)[1].applied);
  EXPECT_FALSE((*s)[1].callback_queued);
  EXPECT_FALSE((*s)[2].found);
  Message stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kSent);
  EXPECT_EQ(stored.provider_message_id, "SM-A");
  EXPECT_EQ(stored.next_attempt_at, 0);
  EXPECT_EQ(stored.attempts, 1);
  EXPECT_EQ(stored.metadata.at("order"), "9");

  // A duplicate `sent`, then `delivered`, then a late `sent` for m in one batch; one for plain.
  auto r = store_->apply_provider_status_summary(
      {{.connector = "sim", .provider_message_id = "SM-A", .status = Status::kSent,
        .at = now + 2, .provider_status = "sent"},
       {.connector = "sim", .provider_message_id = "SM-A", .status = Status::kDelivered,
        .at = now + 3, .provider_status = "delivered"},
       {.connector = "sim", .provider_message_id = "SM-A", .status = Status::kSent,
        .at = now + 4, .provider_status = "sent"},
       {.connector = "sim", .provider_message_id = "SM-B", .status = Status::kUndelivered,
        .at = now + 5, .provider_status = "undelivered", .error_code = "30003",
        .error_message = "Unreachable"},
       {.connector = "sim", .provider_message_id = "SM-404", .status = Status::kDelivered,
        .at = now + 6}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  EXPECT_TRUE((*r)[0].found);
  EXPECT_FALSE((*r)[0].applied);
  EXPECT_TRUE((*r)[1].applied && (*r)[1].callback_queued);
  EXPECT_EQ((*r)[1].status, Status::kDelivered);
  EXPECT_FALSE((*r)[2].applied);
  EXPECT_EQ((*r)[2].status, Status::kDelivered) << "never backwards";
  EXPECT_TRUE((*r)[3].applied);
  EXPECT_FALSE((*r)[4].found);

  stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kDelivered);
  EXPECT_EQ(stored.updated_at, now + 3);
  Message p = get(plain.id);
  EXPECT_EQ(p.status, Status::kUndelivered);
  EXPECT_EQ(p.error_code, "30003");
  EXPECT_EQ(p.error_message, "Unreachable");

  auto ev = store_->list_events(m.id);
  ASSERT_GE(ev.size(), 5u);
  const std::vector<std::pair<Status, bool>> tail = {
      {Status::kSent, true}, {Status::kSent, false}, {Status::kDelivered, true},
      {Status::kSent, false}};
  for (size_t i = 0; i < tail.size(); ++i) {
    const auto& e = ev[ev.size() - tail.size() + i];
    EXPECT_EQ(e.status, tail[i].first) << i;
    EXPECT_EQ(e.applied, tail[i].second) << i;
  }
  auto ds = store_->list_deliveries(m.id);
  ASSERT_EQ(ds.size(), 2u);
  auto payload = nlohmann::json::parse(ds.back().payload, nullptr, false);
  ASSERT_FALSE(payload.is_discarded());
  EXPECT_EQ(payload.value("status", ""), "delivered");
  EXPECT_EQ(payload.value("previous_status", ""), "sent");
  EXPECT_EQ(payload["message"]["provider_message_id"], "SM-A");
  EXPECT_EQ(payload["message"]["metadata"]["order"], "9");
  EXPECT_TRUE(store_->list_deliveries(plain.id).empty());
}

TEST_P(StoreContractTest, CountByStatusPerAccount) {
  EXPECT_TRUE(store_->count_by_status(kAcctA).empty());
  add(outbound(kAcctA, kT0 + 1));
  add(outbound(kAcctA, kT0 + 2));
  add(outbound(kAcctA, kT0 + 3, Status::kDelivered));
  Message in = outbound(kAcctA, kT0 + 4, Status::kReceived);
  in.direction = Direction::kInbound;
  add(in);
  add(outbound(kAcctB, kT0 + 5, Status::kFailed));
  using M = std::map<std::string, int64_t>;
  EXPECT_EQ(store_->count_by_status(kAcctA), (M{{"queued", 2}, {"delivered", 1}, {"received", 1}}));
  EXPECT_EQ(store_->count_by_status(kAcctB), (M{{"failed", 1}}));
  EXPECT_TRUE(store_->count_by_status("acct_none").empty());
  ASSERT_EQ(claim(kT0 + 1, 30'000, 1).size(), 1u);
  EXPECT_EQ(store_->count_by_status(kAcctA),
            (M{{"queued", 1}, {"sending", 1}, {"delivered", 1}, {"received", 1}}));
}

// ------------------------------------------------------------------------------ webhooks in

const std::string kOurs = "+15550000001";
const std::string kTheirs = "+15550000002";

Message inbound_msg(const std::string& account, TimeMs at, const std::string& body,
                    const std::string& from = kTheirs, const std::string& pmid = "") {
  Message m;
  m.id = new_id("msg_", at);
  m.account = account;
  m.direction = Direction::kInbound;
  m.status = Status::kReceived;
  m.from = from;
  m.to = kOurs;
  m.body = body;
  m.segments = 1;
  m.created_at = m.updated_at = at;
  m.connector = "tw";
  m.provider_message_id = pmid.empty() ? "SM" + m.id : pmid;
  return m;
}

WebhookIngest webhook(const std::string& key, const std::string& kind, TimeMs at,
                      const std::string& connector = "tw") {
  WebhookIngest in;
  in.webhook.connector = connector;
  in.webhook.dedupe_key = key;
  in.webhook.kind = kind;
  in.webhook.event_type = kind;
  in.webhook.received_at = at;
  in.webhook.content_type = "application/x-www-form-urlencoded";
  in.webhook.payload = "Body=raw+" + key;
  return in;
}

ProviderStatus report(const std::string& pmid, Status s, TimeMs at, const std::string& raw) {
  ProviderStatus r;
  r.connector = "tw";
  r.provider_message_id = pmid;
  r.status = s;
  r.at = at;
  r.provider_status = raw;
  return r;
}

TEST_P(StoreContractTest, InboundWebhookStoresMessageContactAndConversation) {
  auto in = webhook("SM1:received", "inbound", kT0 + 10);
  Message m = inbound_msg(kAcctA, kT0 + 10, "hello there");
  m.media = {{"https://media.example/1.jpg", "image/jpeg", 1234}};
  m.media_urls = {"https://media.example/1.jpg"};
  in.inbound = m;
  auto r = store_->ingest_webhook(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->duplicate);
  ASSERT_TRUE(r->inbound.has_value());
  EXPECT_FALSE(r->inbound->conversation_id.empty());

  Message got = get(m.id);
  EXPECT_EQ(got.status, Status::kReceived);
  EXPECT_EQ(got.direction, Direction::kInbound);
  EXPECT_EQ(got.conversation_id, r->inbound->conversation_id);
  ASSERT_EQ(got.media.size(), 1u);
  EXPECT_EQ(got.media[0].content_type, "image/jpeg");
  EXPECT_EQ(got.media[0].size, 1234);
  auto events = store_->list_events(m.id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].status, Status::kReceived);
  EXPECT_EQ(events[0].raw_payload, "Body=raw+SM1:received");

  auto contact = store_->find_contact(kAcctA, kTheirs);
  ASSERT_TRUE(contact.has_value());
  EXPECT_EQ(contact->name, "Unknown");
  EXPECT_FALSE(store_->find_contact(kAcctB, kTheirs).has_value());

  auto conv = store_->get_conversation(kAcctA, got.conversation_id);
  ASSERT_TRUE(conv.has_value());
  EXPECT_EQ(conv->our_number, kOurs);
  EXPECT_EQ(conv->contact.id, contact->id);
  EXPECT_EQ(conv->unread_count, 1);
  EXPECT_EQ(conv->inbound_count, 1);
  EXPECT_EQ(conv->outbound_count, 0);
  EXPECT_EQ(conv->last_message_preview, "hello there");
  EXPECT_EQ(conv->last_message_at, kT0 + 10);
  EXPECT_FALSE(store_->get_conversation(kAcctB, got.conversation_id).has_value());

  // The reply threads into the same conversation; unread is untouched.
  Message reply = outbound(kAcctA, kT0 + 20);
  reply.body = "";
  reply.media_urls = {"https://app.example/pic.png"};
  add(reply);
  EXPECT_EQ(get(reply.id).conversation_id, got.conversation_id);
  conv = store_->get_conversation(kAcctA, got.conversation_id);
  EXPECT_EQ(conv->unread_count, 1);
  EXPECT_EQ(conv->outbound_count, 1);
  EXPECT_EQ(conv->last_message_id, reply.id);
  EXPECT_EQ(conv->last_message_preview, "[media]");

  // A late-arriving older message counts but does not become the latest.
  auto late = webhook("SM0:received", "inbound", kT0 + 30);
  late.inbound = inbound_msg(kAcctA, kT0 + 5, "older");
  ASSERT_TRUE(store_->ingest_webhook(late).ok());
  conv = store_->get_conversation(kAcctA, got.conversation_id);
  EXPECT_EQ(conv->unread_count, 2);
  EXPECT_EQ(conv->last_message_id, reply.id);
  EXPECT_EQ(conv->last_message_at, kT0 + 20);
}

TEST_P(StoreContractTest, ReplayedWebhookIsStoredOnce) {
  auto first = webhook("SM1:received", "inbound", kT0);
  first.inbound = inbound_msg(kAcctA, kT0, "hi");
  ASSERT_FALSE(store_->ingest_webhook(first).value().duplicate);
  auto again = webhook("SM1:received", "inbound", kT0 + 1000);
  again.inbound = inbound_msg(kAcctA, kT0 + 1000, "hi");
  auto r = store_->ingest_webhook(again);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->duplicate);
  EXPECT_FALSE(r->inbound.has_value());
  MessageFilter f;
  f.account = kAcctA;
  EXPECT_EQ(store_->list_messages(f).size(), 1u);
  // The same key from another connector is another event.
  auto other = webhook("SM1:received", "inbound", kT0 + 2000, "tw2");
  other.inbound = inbound_msg(kAcctA, kT0 + 2000, "hi");
  EXPECT_FALSE(store_->ingest_webhook(other).value().duplicate);
  EXPECT_EQ(store_->list_messages(f).size(), 2u);
  auto conv = store_->list_conversations({kAcctA});
  ASSERT_EQ(conv.size(), 1u);
  EXPECT_EQ(conv[0].unread_count, 2);
}

TEST_P(StoreContractTest, StatusBeforeTheProviderIdIsKnownIsKeptAndAppliedLater) {
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(kT0).size(), 1u);
  // The provider's `delivered` races the send response that names its id.
  auto early = webhook("SMx:delivered", "status", kT0 + 5);
  early.statuses = {report("SMx", Status::kDelivered, kT0 + 5, "delivered")};
  auto r = store_->ingest_webhook(early);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->statuses.size(), 1u);
  EXPECT_FALSE(r->statuses[0].found);
  EXPECT_TRUE(store_->match_orphans().value().empty());  // still unknown

  Transition sent;
  sent.message_id = m.id;
  sent.to = Status::kSent;
  sent.at = kT0 + 6;
  sent.provider_message_id = "SMx";
  sent.connector = "tw";
  ASSERT_TRUE(apply1(sent).applied);
  auto matched = store_->match_orphans();
  ASSERT_TRUE(matched.ok());
  ASSERT_EQ(matched->size(), 1u);
  EXPECT_TRUE((*matched)[0].applied);
  EXPECT_EQ(get(m.id).status, Status::kDelivered);
  EXPECT_TRUE(store_->match_orphans().value().empty());  // applied once

  // A late `sent` after `delivered` is recorded, not applied.
  auto late = webhook("SMx:sent", "status", kT0 + 7);
  late.statuses = {report("SMx", Status::kSent, kT0 + 7, "sent")};
  r = store_->ingest_webhook(late);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->statuses[0].found);
  EXPECT_FALSE(r->statuses[0].applied);
  EXPECT_EQ(get(m.id).status, Status::kDelivered);
  auto events = store_->list_events(m.id);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().provider_status, "sent");
  EXPECT_FALSE(events.back().applied);
  EXPECT_EQ(events.back().raw_payload, "Body=raw+SMx:sent");
}

TEST_P(StoreContractTest, UnroutedInboundIsKeptForAnOperator) {
  EXPECT_EQ(store_->count_unrouted(), 0);
  auto in = webhook("SM9:received", "unrouted", kT0);
  in.unrouted = UnroutedInbound{"unr_1", kTheirs, "+15559999999", "who is this", {}, "SM9"};
  ASSERT_TRUE(store_->ingest_webhook(in).ok());
  ASSERT_TRUE(store_->ingest_webhook(in).value().duplicate);
  EXPECT_EQ(store_->count_unrouted(), 1);
}

TEST_P(StoreContractTest, SplitMmsPartsAreBufferedAndCompletedOnce) {
  auto text = webhook("hash-1", "mms_part", kT0);
  MmsPart p1;
  p1.key = "a:b:c";
  p1.text_part = true;
  p1.message = inbound_msg(kAcctA, kT0, "look at this", kTheirs, "hash-1");
  text.mms_part = p1;
  ASSERT_TRUE(store_->ingest_webhook(text).ok());
  auto image = webhook("hash-2", "mms_part", kT0 + 100);
  MmsPart p2;
  p2.key = "a:b:c";
  p2.message = inbound_msg(kAcctA, kT0 + 100, "", kTheirs, "hash-2");
  p2.message.media = {{"https://vmu.example/img.jpg", "image/jpeg", 99}};
  p2.message.media_urls = {"https://vmu.example/img.jpg"};
  image.mms_part = p2;
  ASSERT_TRUE(store_->ingest_webhook(image).ok());
  ASSERT_TRUE(store_->ingest_webhook(image).value().duplicate);

  // A second instance sees the same buffer (it is durable, not in memory).
  auto parts = another_instance().list_mms_parts();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(parts[0].text_part);
  EXPECT_EQ(parts[0].key, "a:b:c");
  EXPECT_EQ(parts[0].message.body, "look at this");
  EXPECT_EQ(parts[1].message.media.at(0).url, "https://vmu.example/img.jpg");

  Message merged = parts[0].message;
  merged.media = parts[1].message.media;
  merged.media_urls = parts[1].message.media_urls;
  std::vector<Message> out{merged};
  auto done = store_->complete_mms_group({parts[0].id, parts[1].id}, out);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(*done);
  std::vector<Message> again{merged};
  again[0].id = new_id("msg_", kT0 + 200);
  auto twice = store_->complete_mms_group({parts[0].id, parts[1].id}, again);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
  EXPECT_TRUE(store_->list_mms_parts().empty());
  Message got = get(merged.id);
  EXPECT_EQ(got.body, "look at this");
  EXPECT_EQ(got.media_urls, std::vector<std::string>{"https://vmu.example/img.jpg"});
  MessageFilter f;
  f.account = kAcctA;
  EXPECT_EQ(store_->list_messages(f).size(), 1u);
}

TEST_P(StoreContractTest, PruneDropsOldRawPayloadsOnly) {
  auto old_in = webhook("old", "inbound", kT0);
  old_in.inbound = inbound_msg(kAcctA, kT0, "old");
  ASSERT_TRUE(store_->ingest_webhook(old_in).ok());
  auto new_in = webhook("new", "inbound", kT0 + 10'000);
  new_in.inbound = inbound_msg(kAcctA, kT0 + 10'000, "new");
  ASSERT_TRUE(store_->ingest_webhook(new_in).ok());
  EXPECT_EQ(store_->prune_webhooks(kT0 + 5'000).value(), 1);
  EXPECT_EQ(store_->list_events(old_in.inbound->id).at(0).raw_payload, "");
  EXPECT_EQ(store_->list_events(new_in.inbound->id).at(0).raw_payload, "Body=raw+new");
  // Still a duplicate after pruning: the dedupe record stays.
  EXPECT_TRUE(store_->ingest_webhook(old_in).value().duplicate);
}

TEST_P(StoreContractTest, ConversationsListNewestActivityFirstWithFiltersAndCursor) {
  for (int i = 0; i < 5; ++i) {
    auto in = webhook(std::string("k").append(std::to_string(i)), "inbound", kT0 + i);
    in.inbound = inbound_msg(kAcctA, kT0 + 100 * i, std::string("m").append(std::to_string(i)),
                             std::string("+1555000010").append(std::to_string(i)));
    ASSERT_TRUE(store_->ingest_webhook(in).ok());
  }
  auto other = webhook("kb", "inbound", kT0);
  other.inbound = inbound_msg(kAcctB, kT0 + 1000, "b");
  ASSERT_TRUE(store_->ingest_webhook(other).ok());

  ConversationFilter f;
  f.account = kAcctA;
  f.limit = 2;
  auto page1 = store_->list_conversations(f);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0].last_message_preview, "m4");
  EXPECT_EQ(page1[1].last_message_preview, "m3");
  f.before = std::make_pair(page1[1].last_message_at, page1[1].id);
  f.limit = 10;
  auto rest = store_->list_conversations(f);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].last_message_preview, "m2");
  EXPECT_EQ(rest[2].last_message_preview, "m0");

  ConversationFilter by_contact;
  by_contact.account = kAcctA;
  by_contact.contact_id = rest[0].contact.id;
  ASSERT_EQ(store_->list_conversations(by_contact).size(), 1u);
  ConversationFilter by_number;
  by_number.account = kAcctA;
  by_number.our_number = "+19999999999";
  EXPECT_TRUE(store_->list_conversations(by_number).empty());
  ConversationFilter b;
  b.account = kAcctB;
  EXPECT_EQ(store_->list_conversations(b).size(), 1u);

  // Messages of one conversation, oldest first, paged forward.
  for (int i = 0; i < 3; ++i) {
    Message m = outbound(kAcctA, kT0 + 1000 + i);
    m.to = "+15550000104";
    add(m);
  }
  MessageFilter mf;
  mf.account = kAcctA;
  mf.conversation_id = page1[0].id;
  mf.oldest_first = true;
  mf.limit = 2;
  auto msgs = store_->list_messages(mf);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].body, "m4");
  EXPECT_LT(msgs[0].id, msgs[1].id);
  mf.after_id = msgs[1].id;
  auto more = store_->list_messages(mf);
  ASSERT_EQ(more.size(), 2u);
  EXPECT_LT(msgs[1].id, more[0].id);
  mf.account = kAcctB;  // tenant isolation
  mf.after_id.reset();
  EXPECT_TRUE(store_->list_messages(mf).empty());
}

TEST_P(StoreContractTest, ConversationCountsStayExactUnderConcurrentTraffic) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<Store*> stores{store_.get(), &another_instance(), store_.get(), &another_instance()};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const TimeMs at = kT0 + t * 1000 + i;
        if (t % 2 == 0) {
          auto in = webhook(std::string("t").append(std::to_string(t)).append("-").append(std::to_string(i)), "inbound", at);
          in.inbound = inbound_msg(kAcctA, at, "in");
          if (!stores[t]->ingest_webhook(in).ok()) failures++;
        } else {
          std::vector<NewMessage> batch{{outbound(kAcctA, at), {event(Status::kQueued, at)}}};
          if (!stores[t]->insert_messages(batch).ok()) failures++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto convs = store_->list_conversations({kAcctA});
  ASSERT_EQ(convs.size(), 1u);
  EXPECT_EQ(convs[0].inbound_count, 2 * kEach);
  EXPECT_EQ(convs[0].outbound_count, 2 * kEach);
  EXPECT_EQ(convs[0].unread_count, 2 * kEach);
}

// The first messages of a new conversation with a known contact, written at the same moment by
// several instances: each transaction inserts the conversation row, and on PostgreSQL all but
// one must turn that into an update. ON CONFLICT arbitrates one unique index only; with a second
// unique index on the same row (the pair, beside the id derived from it) a writer could fail
// with a duplicate key on the other one. (A new contact would serialize them: its insert waits
// for the first.) Many rounds, each a new recipient, released together by a barrier.
TEST_P(StoreContractTest, InstancesStartingTheSameConversationTogetherAllSucceed) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 60;
  const auto recipient = [](int r) { return "+1555100" + std::to_string(1000 + r); };
  for (int r = 0; r < kRounds; ++r) {  // each contact known through another number of ours
    Message m = outbound(kAcctA, kT0);
    m.from = "+15550000003";
    m.to = recipient(r);
    std::vector<NewMessage> batch{{m, {event(Status::kQueued, m.created_at)}}};
    ASSERT_TRUE(store_->insert_messages(batch).ok());
  }
  std::vector<Store*> stores{store_.get(), &another_instance(), store_.get(), &another_instance()};
  std::barrier start(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        Message m = outbound(kAcctA, kT0 + 1 + r);
        m.to = recipient(r);
        std::vector<NewMessage> batch{{m, {event(Status::kQueued, m.created_at)}}};
        start.arrive_and_wait();
        auto res = stores[t]->insert_messages(batch);
        if (!res.ok()) {
          ADD_FAILURE() << "round " << r << ": " << res.error().message;
          failures++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  ConversationFilter all{kAcctA};
  all.our_number = "+15550000001";
  all.limit = kRounds + 1;
  auto convs = store_->list_conversations(all);
  ASSERT_EQ(convs.size(), static_cast<size_t>(kRounds));
  for (const auto& c : convs) EXPECT_EQ(c.outbound_count, kThreads);
}

// A batch spanning several multi-row chunks (64 + 16 + 4 + 1 + 1 = 86 rows), mixing keyed and
// unkeyed messages, threads every message exactly once: per-conversation counts, the last
// message by time (the later one in the batch on a tie), one contact per number.
// Messages due at the same moment are claimed in the order they were created (by id, which is
// monotonic), so two sends in a row from one number leave in order. Inserted in reverse so the
// physical order cannot stand in for the id.
TEST_P(StoreContractTest, MessagesDueTogetherAreClaimedInIdOrder) {
  std::vector<Message> ms;
  for (int i = 0; i < 5; ++i) ms.push_back(outbound(kAcctA, kT0, Status::kQueued, kT0));
  std::vector<NewMessage> batch;
  for (auto it = ms.rbegin(); it != ms.rend(); ++it) batch.push_back({*it, {event(Status::kQueued, kT0)}});
  ASSERT_TRUE(store_->insert_messages(batch).ok());
  for (const auto& m : ms) {
    auto r = store_->claim_due("w", kT0 + 1, 60'000, 1);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].id, m.id);
  }
}

TEST_P(StoreContractTest, BigMixedBatchThreadsEveryMessageOnce) {
  std::vector<NewMessage> batch;
  std::map<std::string, int> per_recipient;
  for (int i = 0; i < 86; ++i) {
    Message m = outbound(kAcctA, kT0 + (i % 40));  // times repeat: ties inside the batch
    m.to = std::string("+1555000020").append(std::to_string(i % 7));
    m.body = std::string("b").append(std::to_string(i));
    if (i % 3 == 0) {
      m.idempotency_key = m.body;  // unique per message
      m.request_hash = m.body;
    }
    per_recipient[m.to]++;
    batch.push_back({m, {event(Status::kQueued, m.created_at)}});
  }
  // The expected last message of each conversation: the greatest time, later index on ties.
  std::map<std::string, std::pair<TimeMs, std::string>> last;
  for (const auto& nm : batch) {
    auto& l = last[nm.message.to];
    if (nm.message.created_at >= l.first) l = {nm.message.created_at, nm.message.body};
  }
  auto r = store_->insert_messages(batch);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 86u);
  for (size_t i = 0; i < r->size(); ++i) {
    EXPECT_EQ((*r)[i].kind, InsertKind::kCreated);
    EXPECT_EQ((*r)[i].message.id, batch[i].message.id);
    EXPECT_EQ(store_->list_events(batch[i].message.id).size(), 1u) << i;
  }
  ConversationFilter f;
  f.account = kAcctA;
  f.limit = 100;
  auto convs = store_->list_conversations(f);
  ASSERT_EQ(convs.size(), 7u);
  for (const auto& c : convs) {
    EXPECT_EQ(c.outbound_count, per_recipient[c.contact.number]) << c.contact.number;
    EXPECT_EQ(c.inbound_count, 0);
    EXPECT_EQ(c.unread_count, 0);
    EXPECT_EQ(c.last_message_at, last[c.contact.number].first);
    EXPECT_EQ(c.last_message_preview, last[c.contact.number].second) << c.contact.number;
    EXPECT_EQ(c.contact.name, "Unknown");
  }
  // A second batch to the same numbers adds to the same threads.
  std::vector<NewMessage> again;
  for (int i = 0; i < 7; ++i) {
    Message m = outbound(kAcctA, kT0 + 5000);
    m.to = std::string("+1555000020").append(std::to_string(i));
    m.body = "again";
    again.push_back({m, {event(Status::kQueued, m.created_at)}});
  }
  ASSERT_TRUE(store_->insert_messages(again).ok());
  convs = store_->list_conversations(f);
  ASSERT_EQ(convs.size(), 7u);
  for (const auto& c : convs) {
    EXPECT_EQ(c.outbound_count, per_recipient[c.contact.number] + 1);
    EXPECT_EQ(c.last_message_preview, "again");
  }
}

// ------------------------------------------------------------------------------ concurrency

// Inserts `messages` due messages, then claims them with one worker thread per entry of `stores`
// (entries may repeat) and checks that each message was claimed exactly once.
void claim_concurrently(Store& shared, const std::vector<Store*>& stores, int messages) {
  const TimeMs now = kT0 + 100'000;
  std::vector<NewMessage> batch;
  for (int i = 0; i < messages; ++i) {
    batch.push_back({outbound(i % 2 ? kAcctA : kAcctB, kT0 + i, Status::kQueued, kT0 + i % 17),
                     {event(Status::kQueued, kT0)}});
  }
  auto ins = shared.insert_messages(batch);
  ASSERT_TRUE(ins.ok()) << ins.error().message;

  const int n = static_cast<int>(stores.size());
  std::latch start(n);
  std::mutex mu;
  std::vector<std::string> claimed;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int w = 0; w < n; ++w) {
    threads.emplace_back([&, w] {
      start.arrive_and_wait();
      for (int round = 0; round < 10'000; ++round) {
        auto r = stores[w]->claim_due("worker-" + std::to_string(w), now, 600'000, 7);
        std::lock_guard lk(mu);
        if (!r.ok()) {
          errors.push_back(r.error().message);
          continue;
        }
        if (r->empty()) break;
        for (const auto& m : *r) claimed.push_back(m.id);
      }
    });
  }
  for (auto& th : threads) th.join();

  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front();
  std::set<std::string> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<size_t>(messages)) << "every message claimed exactly once";
  EXPECT_EQ(unique.size(), static_cast<size_t>(messages));
  int wrong = 0;
  std::string first_wrong;
  for (const auto& r : *ins) {
    auto m = shared.get_message(r.message.account, r.message.id);
    ASSERT_TRUE(m.has_value());
    const size_t events = shared.list_events(m->id).size();
    if (m->status != Status::kSending || m->attempts != 1 || events != 2) {
      if (wrong++ == 0) {
        first_wrong = m->id + ": status " + std::string(to_string(m->status)) + ", attempts " +
                      std::to_string(m->attempts) + ", events " + std::to_string(events);
      }
    }
  }
  EXPECT_EQ(wrong, 0) << "messages not claimed exactly once (want sending, attempts 1, "
                         "2 events); first: "
                      << first_wrong;
  auto rest = shared.claim_due("late", now, 600'000, 1000);
  ASSERT_TRUE(rest.ok());
  EXPECT_TRUE(rest->empty());
}

TEST_P(StoreContractTest, ConcurrentClaimsFromOneStoreClaimEachMessageOnce) {
  claim_concurrently(*store_, {store_.get(), store_.get(), store_.get(), store_.get()}, 200);
}

TEST_P(StoreContractTest, ConcurrentClaimsFromSeveralInstancesClaimEachMessageOnce) {
  std::vector<Store*> stores;
  for (int i = 0; i < 4; ++i) stores.push_back(&another_instance());
  claim_concurrently(*store_, stores, 200);
}

TEST_P(StoreContractTest, ConcurrentIdempotentInsertsCreateOnce) {
  constexpr int kThreads = 4, kKeys = 25;
  std::vector<Store*> stores = {store_.get(), store_.get(), &another_instance(),
                                &another_instance()};
  std::barrier in_step(kThreads);  // all threads insert the same key at the same moment
  std::mutex mu;
  std::map<std::string, std::vector<InsertResult>> by_key;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int k = 0; k < kKeys; ++k) {
        in_step.arrive_and_wait();
        Message m = outbound(kAcctA, kT0 + k);
        m.idempotency_key = "key-" + std::to_string(k);
        m.request_hash = "hash-" + std::to_string(k);
        m.body = "from worker " + std::to_string(w);
        std::vector<NewMessage> batch = {{m, {event(Status::kQueued, kT0)}}};
        auto r = stores[w]->insert_messages(batch);
        std::lock_guard lk(mu);
        if (!r.ok()) {
          errors.push_back(r.error().message);
        } else if (r->size() == 1) {
          by_key[m.idempotency_key].push_back((*r)[0]);
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  EXPECT_TRUE(errors.empty()) << errors.size() << " inserts failed, first: " << errors.front();
  ASSERT_EQ(by_key.size(), static_cast<size_t>(kKeys));
  for (const auto& [key, results] : by_key) {
    int created = 0;
    std::string created_id;
    for (const auto& r : results) {
      if (r.kind == InsertKind::kCreated) {
        ++created;
        created_id = r.message.id;
      }
    }
    EXPECT_EQ(created, 1) << key;
    for (const auto& r : results) {
      if (r.kind != InsertKind::kCreated) {
        EXPECT_EQ(r.kind, InsertKind::kDuplicate) << key;
        EXPECT_EQ(r.message.id, created_id) << key;
      }
    }
  }
  EXPECT_EQ(store_->list_messages({.account = kAcctA, .limit = 1000}).size(),
            static_cast<size_t>(kKeys));
}

TEST_P(StoreContractTest, ConcurrentStatusUpdatesNeverMoveBackwards) {
  // The dispatcher records `sent` while the provider's `delivered` webhook races it.
  constexpr int kMessages = 150;
  const TimeMs now = kT0 + 1000;
  std::vector<NewMessage> batch;
  for (int i = 0; i < kMessages; ++i) batch.push_back({outbound(kAcctA, kT0 + i), {}});
  auto ins = store_->insert_messages(batch);
  ASSERT_TRUE(ins.ok()) << ins.error().message;
  ASSERT_EQ(claim(now, 600'000, 1000).size(), static_cast<size_t>(kMessages));

  Store& webhook_instance = another_instance();
  std::barrier in_step(2);  // both threads update the same message at the same moment
  std::atomic<int> errors{0};
  auto run = [&](Store& s, Status to, TimeMs at) {
    for (const auto& nm : batch) {
      in_step.arrive_and_wait();
      auto r = s.apply({{.message_id = nm.message.id, .to = to, .at = at}});
      if (!r.ok()) ++errors;
    }
  };
  std::thread dispatcher(run, std::ref(*store_), Status::kSent, now + 1);
  std::thread webhook(run, std::ref(webhook_instance), Status::kDelivered, now + 2);
  dispatcher.join();
  webhook.join();
  EXPECT_EQ(errors.load(), 0);

  int backwards = 0;
  for (const auto& nm : batch) {
    Message m = get(nm.message.id);
    if (m.status != Status::kDelivered) ++backwards;
    // Every event agrees with the final status: whatever was applied last is what is stored.
    auto ev = store_->list_events(m.id);
    ASSERT_EQ(ev.size(), 3u);  // sending, sent, delivered in some order
    Status last_applied = Status::kSending;
    for (const auto& e : ev) {
      if (e.applied) last_applied = e.status;
    }
    EXPECT_EQ(last_applied, m.status) << m.id;
  }
  EXPECT_EQ(backwards, 0) << "messages left in `sent` after `delivered` was applied";
}

// ------------------------------------------------------------------------------ compliance
// Opt-outs and auto-reply rules (migration v4).

OptOut opt_out(const std::string& account, const std::string& number, TimeMs at,
               const std::string& our_number = "") {
  OptOut o;
  o.account = account;
  o.number = number;
  o.scope = our_number.empty() ? "account" : "number";
  o.our_number = our_number;
  o.source = "api";
  o.created_at = at;
  return o;
}

TEST_P(StoreContractTest, OptOutIsRecordedOnceWithAnEvent) {
  auto first = store_->add_opt_out(opt_out(kAcctA, "+15550001111", kT0), "msg_x");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_TRUE(first->opt_out.id.rfind("opt_", 0) == 0);
  auto again = store_->add_opt_out(opt_out(kAcctA, "+15550001111", kT0 + 5), "");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->opt_out.id, first->opt_out.id);
  EXPECT_EQ(again->opt_out.created_at, kT0);  // the first record stands
  // Another account and a number-scoped one are separate rows.
  ASSERT_TRUE(store_->add_opt_out(opt_out(kAcctB, "+15550001111", kT0), "")->created);
  ASSERT_TRUE(
      store_->add_opt_out(opt_out(kAcctA, "+15550001111", kT0, "+15550000001"), "")->created);

  auto found = store_->find_opt_outs({"+15550001111", "+15550009999", "+15550001111"});
  EXPECT_EQ(found.size(), 3u);
  EXPECT_TRUE(store_->find_opt_outs({}).empty());

  auto events = store_->list_opt_out_events(kAcctA, "+15550001111");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "opt_out");
  EXPECT_EQ(events[0].source, "api");
  EXPECT_EQ(events[0].message_id, "msg_x");
  EXPECT_EQ(events[0].scope, "account");
  EXPECT_EQ(events[1].our_number, "+15550000001");
}

TEST_P(StoreContractTest, OptOutsAreListedPerAccountWithACursor) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->add_opt_out(
        opt_out(kAcctA, "+1555000100" + std::to_string(i), kT0 + i), "").ok());
  }
  ASSERT_TRUE(store_->add_opt_out(opt_out(kAcctB, "+15550002000", kT0), "").ok());
  OptOutFilter f;
  f.account = kAcctA;
  f.limit = 3;
  auto page1 = store_->list_opt_outs(f);
  ASSERT_EQ(page1.size(), 3u);
  EXPECT_EQ(page1[0].number, "+15550001000");
  f.after_id = page1.back().id;
  auto page2 = store_->list_opt_outs(f);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[1].number, "+15550001004");
  f.after_id.reset();
  f.number = "+15550001002";
  ASSERT_EQ(store_->list_opt_outs(f).size(), 1u);
  OptOutFilter b;
  b.account = kAcctB;
  ASSERT_EQ(store_->list_opt_outs(b).size(), 1u);
}

TEST_P(StoreContractTest, OptInRemovesAccountAndThisNumbersOptOutsWithEvents) {
  const std::string n = "+15550003000";
  ASSERT_TRUE(store_->add_opt_out(opt_out(kAcctA, n, kT0), "").ok());
  ASSERT_TRUE(store_->add_opt_out(opt_out(kAcctA, n, kT0, "+15550000001"), "").ok());
  ASSERT_TRUE(store_->add_opt_out(opt_out(kAcctA, n, kT0, "+15550000002"), "").ok());
  ASSERT_TRUE(store_->add_opt_out(opt_out(kAcctB, n, kT0), "").ok());
  auto removed = store_->remove_opt_outs(kAcctA, n, std::string("+15550000001"), "keyword",
                                         "msg_in", kT0 + 10);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->size(), 2u);
  auto left = store_->find_opt_outs({n});
  ASSERT_EQ(left.size(), 2u);  // acct_a's +15550000002 one and acct_b's
  auto events = store_->list_opt_out_events(kAcctA, n);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[3].action, "opt_in");
  EXPECT_EQ(events[3].source, "keyword");
  EXPECT_EQ(events[3].message_id, "msg_in");
  EXPECT_EQ(events[3].at, kT0 + 10);
  // nullopt: every one of the account's; other accounts untouched.
  auto all = store_->remove_opt_outs(kAcctA, n, std::nullopt, "api", "", kT0 + 11);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  ASSERT_EQ(store_->find_opt_outs({n}).size(), 1u);
  EXPECT_EQ(store_->find_opt_outs({n})[0].account, kAcctB);
}

TEST_P(StoreContractTest, OptOutIsRemovedByIdOnlyInItsAccount) {
  auto a = store_->add_opt_out(opt_out(kAcctA, "+15550004000", kT0), "");
  ASSERT_TRUE(a.ok());
  auto wrong = store_->remove_opt_out(kAcctB, a->opt_out.id, "api", kT0 + 1);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(*wrong);
  auto right = store_->remove_opt_out(kAcctA, a->opt_out.id, "api", kT0 + 1);
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(*right);
  EXPECT_TRUE(store_->find_opt_outs({"+15550004000"}).empty());
  EXPECT_FALSE(*store_->remove_opt_out(kAcctA, a->opt_out.id, "api", kT0 + 2));
}

TEST_P(StoreContractTest, AutoReplyRulesRoundTripPerAccountByPriority) {
  AutoReply r;
  r.id = new_id("ar_", kT0);
  r.account = kAcctA;
  r.match_type = "contains";
  r.pattern = "hello";
  r.reply_body = "Hello!";
  r.media_urls = {"https://example.com/a.png"};
  r.priority = 10;
  r.created_at = r.updated_at = kT0;
  ASSERT_TRUE(store_->insert_auto_reply(r).ok());
  AutoReply fallback = r;
  fallback.id = new_id("ar_", kT0 + 1);
  fallback.match_type = "regex";
  fallback.pattern = ".*";
  fallback.reply_body = "Say hello!";
  fallback.media_urls.clear();
  fallback.priority = 0;
  fallback.our_number = "+15550000001";
  fallback.enabled = false;
  ASSERT_TRUE(store_->insert_auto_reply(fallback).ok());

  auto list = store_->list_auto_replies(kAcctA);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, r.id);
  EXPECT_EQ(list[0].media_urls, r.media_urls);
  EXPECT_EQ(list[1].our_number, "+15550000001");
  EXPECT_FALSE(list[1].enabled);
  EXPECT_TRUE(store_->list_auto_replies(kAcctB).empty());
  EXPECT_FALSE(store_->get_auto_reply(kAcctB, r.id).has_value());

  fallback.priority = 20;
  fallback.enabled = true;
  fallback.updated_at = kT0 + 9;
  ASSERT_TRUE(*store_->update_auto_reply(fallback));
  auto got = store_->get_auto_reply(kAcctA, fallback.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->priority, 20);
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(got->updated_at, kT0 + 9);
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(store_->list_auto_replies(kAcctA)[0].id, fallback.id);

  AutoReply stranger = fallback;
  stranger.account = kAcctB;
  EXPECT_FALSE(*store_->update_auto_reply(stranger));
  EXPECT_FALSE(*store_->delete_auto_reply(kAcctB, r.id));
  EXPECT_TRUE(*store_->delete_auto_reply(kAcctA, r.id));
  EXPECT_EQ(store_->list_auto_replies(kAcctA).size(), 1u);
}

std::string backend_name(const testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "SQLite" : "PostgreSQL";
}

// ------------------------------------------------------------------ scheduling, quiet hours, 2FA

Message scheduled_at(const std::string& account, TimeMs created, TimeMs send_at) {
  Message m = outbound(account, created, Status::kScheduled);
  m.send_at = send_at;
  m.next_attempt_at = send_at;
  m.category = "marketing";
  return m;
}

TEST_P(StoreContractTest, ScheduledMessagesAreClaimedOnlyWhenDue) {
  const TimeMs send_at = kT0 + 60'000;
  Message m = add(scheduled_at(kAcctA, kT0, send_at));
  Message stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kScheduled);
  EXPECT_EQ(stored.send_at, send_at);
  EXPECT_EQ(stored.category, "marketing");
  EXPECT_FALSE(stored.deferred_until);
  EXPECT_EQ(store_->next_due(), send_at);

  EXPECT_TRUE(claim(send_at - 1).empty());
  auto claimed = claim(send_at);
  ASSERT_EQ(ids(claimed), std::vector<std::string>{m.id});
  EXPECT_EQ(claimed[0].status, Status::kSending);
  EXPECT_EQ(claimed[0].send_at, send_at);
  auto ev = store_->list_events(m.id);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].status, Status::kSending);
  EXPECT_NE(ev[1].detail.find("scheduled"), std::string::npos) << ev[1].detail;
  EXPECT_TRUE(claim(send_at + 1).empty()) << "claimed once";
}

TEST_P(StoreContractTest, DefaultCategoryIsTransactional) {
  Message m = add(outbound(kAcctA, kT0));
  EXPECT_EQ(get(m.id).category, "transactional");
  EXPECT_FALSE(get(m.id).send_at);
}

TEST_P(StoreContractTest, CanceledScheduledMessageLeavesTheOutbox) {
  Message m = add(scheduled_at(kAcctA, kT0, kT0 + 60'000));
  Transition t;
  t.message_id = m.id;
  t.to = Status::kCanceled;
  t.at = kT0 + 1;
  t.expect = Status::kScheduled;
  auto r = apply1(t);
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.message.status, Status::kCanceled);
  EXPECT_FALSE(store_->next_due());
  EXPECT_TRUE(claim(kT0 + 1'000'000).empty());
  EXPECT_FALSE(apply1(t).applied) << "canceling twice changes nothing";
}

TEST_P(StoreContractTest, DeferralRecordsDeferredUntil) {
  Message m = add(outbound(kAcctA, kT0));
  auto claimed = claim(kT0);
  ASSERT_EQ(claimed.size(), 1u);
  Transition t;
  t.message_id = m.id;
  t.to = Status::kQueued;
  t.at = kT0 + 1;
  t.expect = Status::kSending;
  t.next_attempt_at = kT0 + 3'600'000;
  t.attempts = 0;
  t.quiet = true;
  t.deferred_until = kT0 + 3'600'000;
  EXPECT_TRUE(apply1(t).applied);
  Message stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kQueued);
  EXPECT_EQ(stored.deferred_until, kT0 + 3'600'000);
  EXPECT_EQ(stored.next_attempt_at, kT0 + 3'600'000);
  EXPECT_TRUE(claim(kT0 + 3'599'999).empty());
  EXPECT_EQ(claim(kT0 + 3'600'000).size(), 1u);
}

Verification verification(const std::string& account, const std::string& to, TimeMs created,
                          TimeMs ttl_ms = 600'000) {
  Verification v;
  v.id = new_id("vrf_", created);
  v.account = account;
  v.to = to;
  v.message_id = new_id("msg_", created);
  v.salt = "salt";
  v.code_hash = "hash-" + v.id;
  v.created_at = v.updated_at = created;
  v.expires_at = created + ttl_ms;
  return v;
}

TEST_P(StoreContractTest, VerificationStartsAreLimitedPerRecipientAndWindow) {
  const std::string to = "+15550001111";
  constexpr TimeMs kHour = 3'600'000;
  for (int i = 0; i < 3; ++i) {
    auto r = store_->start_verification(verification(kAcctA, to, kT0 + i * 1000), 3, kHour);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->created);
  }
  auto limited = store_->start_verification(verification(kAcctA, to, kT0 + 5000), 3, kHour);
  ASSERT_TRUE(limited.ok());
  EXPECT_FALSE(limited->created);
  EXPECT_EQ(limited->retry_at, kT0 + kHour) << "when the oldest leaves the window";
  // Another recipient and another account have their own limits.
  EXPECT_TRUE(store_->start_verification(verification(kAcctA, "+15550002222", kT0), 3, kHour)
                  ->created);
  EXPECT_TRUE(store_->start_verification(verification(kAcctB, to, kT0 + 5000), 3, kHour)->created);
  // An hour after the first, one more fits.
  EXPECT_TRUE(store_->start_verification(verification(kAcctA, to, kT0 + kHour), 3, kHour)->created);
}

TEST_P(StoreContractTest, OnlyTheNewestUnexpiredPendingVerificationIsFound) {
  const std::string to = "+15550001111";
  Verification first = verification(kAcctA, to, kT0);
  ASSERT_TRUE(store_->start_verification(first, 5, 3'600'000)->created);
  auto found = store_->find_pending_verification(kAcctA, to, kT0 + 1);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, first.id);
  EXPECT_EQ(found->salt, "salt");
  EXPECT_EQ(found->code_hash, first.code_hash);
  EXPECT_EQ(found->checks, 0);
  EXPECT_EQ(found->expires_at, first.expires_at);
  EXPECT_FALSE(store_->find_pending_verification(kAcctB, to, kT0 + 1)) << "tenant isolation";
  EXPECT_FALSE(store_->find_pending_verification(kAcctA, to, first.expires_at)) << "expired";

  Verification second = verification(kAcctA, to, kT0 + 10);
  ASSERT_TRUE(store_->start_verification(second, 5, 3'600'000)->created);
  found = store_->find_pending_verification(kAcctA, to, kT0 + 11);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, second.id);
  // The first was superseded: approving the second leaves nothing pending.
  auto ok = store_->record_verification_check(second.id, 0, "approved", kT0 + 12);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
  EXPECT_FALSE(store_->find_pending_verification(kAcctA, to, kT0 + 13));
}

TEST_P(StoreContractTest, VerificationChecksAreCompareAndSet) {
  Verification v = verification(kAcctA, "+15550001111", kT0);
  ASSERT_TRUE(store_->start_verification(v, 5, 3'600'000)->created);
  EXPECT_TRUE(*store_->record_verification_check(v.id, 0, "pending", kT0 + 1));
  EXPECT_FALSE(*store_->record_verification_check(v.id, 0, "approved", kT0 + 2))
      << "a stale check count loses";
  auto found = store_->find_pending_verification(kAcctA, v.to, kT0 + 3);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->checks, 1);
  EXPECT_TRUE(*store_->record_verification_check(v.id, 1, "failed", kT0 + 4));
  EXPECT_FALSE(store_->find_pending_verification(kAcctA, v.to, kT0 + 5));
  EXPECT_FALSE(*store_->record_verification_check(v.id, 2, "approved", kT0 + 6))
      << "only pending verifications change";
}

// ------------------------------------------------------------------ contacts, conversation actions

Contact contact(const std::string& account, const std::string& number, const std::string& name,
                TimeMs at = kT0) {
  Contact c;
  c.account = account;
  c.number = number;
  c.name = name;
  c.created_at = c.updated_at = at;
  return c;
}

TEST_P(StoreContractTest, ContactsAreCreatedOncePerNumberWithTheThreadingId) {
  Contact ada = contact(kAcctA, "+15550000002", "Ada Lovelace");
  ada.metadata = {{"crm", "42"}};
  auto r = store_->create_contact(ada);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->created);
  EXPECT_EQ(r->contact.name, "Ada Lovelace");
  EXPECT_EQ(r->contact.metadata, ada.metadata);
  EXPECT_EQ(r->contact.created_at, kT0);
  const std::string id = r->contact.id;
  EXPECT_EQ(id.rfind("ct_", 0), 0u);

  auto again = store_->create_contact(contact(kAcctA, "+15550000002", "Someone else", kT0 + 5));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->contact.id, id);
  EXPECT_EQ(again->contact.name, "Ada Lovelace") << "the existing contact is unchanged";

  // Another account has its own contact for the same number, and cannot read ours.
  auto theirs = store_->create_contact(contact(kAcctB, "+15550000002", "B's Ada"));
  ASSERT_TRUE(theirs.ok());
  EXPECT_TRUE(theirs->created);
  EXPECT_NE(theirs->contact.id, id);
  EXPECT_FALSE(store_->get_contact(kAcctB, id).has_value());
  ASSERT_TRUE(store_->get_contact(kAcctA, id).has_value());

  // Outbound traffic to the number threads under the same contact (the id is derived), keeping
  // its name.
  Message m = add(outbound(kAcctA, kT0 + 10));
  auto conv = store_->get_conversation(kAcctA, get(m.id).conversation_id);
  ASSERT_TRUE(conv.has_value());
  EXPECT_EQ(conv->contact.id, id);
  EXPECT_EQ(conv->contact.name, "Ada Lovelace");
  EXPECT_EQ(store_->find_contact(kAcctA, "+15550000002")->id, id);
}

TEST_P(StoreContractTest, ContactsListByNameKeyAndSearchByNamePrefixOrNumberPrefix) {
  const std::vector<std::pair<std::string, std::string>> people = {
      {"+15550000011", "bob"},       {"+15550000012", "Alice"}, {"+15550000013", "ALBERT"},
      {"+15550000021", "Zoe 50%_off"}, {"+447700900123", "alfred"}};
  for (const auto& [number, name] : people) {
    ASSERT_TRUE(store_->create_contact(contact(kAcctA, number, name))->created);
  }
  ASSERT_TRUE(store_->create_contact(contact(kAcctB, "+15550000099", "Alan"))->created);

  ContactFilter all;
  all.account = kAcctA;
  auto rows = store_->list_contacts(all);
  std::vector<std::string> names;
  for (const auto& c : rows) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ALBERT", "alfred", "Alice", "bob", "Zoe 50%_off"}));

  // Pages continue strictly after (name key, id).
  all.limit = 2;
  auto page1 = store_->list_contacts(all);
  ASSERT_EQ(page1.size(), 2u);
  all.after = std::make_pair(contact_name_key(page1[1].name), page1[1].id);
  all.limit = 10;
  auto page2 = store_->list_contacts(all);
  ASSERT_EQ(page2.size(), 3u);
  EXPECT_EQ(page2[0].name, "Alice");

  const auto search = [&](std::optional<std::string> name, std::optional<std::string> number) {
    ContactFilter f;
    f.account = kAcctA;
    f.name_prefix = std::move(name);
    f.number_prefix = std::move(number);
    std::vector<std::string> out;
    for (const auto& c : store_->list_contacts(f)) out.push_back(c.name);
    return out;
  };
  EXPECT_EQ(search("al", std::nullopt), (std::vector<std::string>{"ALBERT", "alfred", "Alice"}));
  EXPECT_EQ(search("ALI", std::nullopt), (std::vector<std::string>{"Alice"}));
  EXPECT_EQ(search("lice", std::nullopt), std::vector<std::string>{}) << "prefix, not substring";
  EXPECT_EQ(search("zoe 50%_", std::nullopt), (std::vector<std::string>{"Zoe 50%_off"}));
  EXPECT_EQ(search("zoe 50_", std::nullopt), std::vector<std::string>{})
      << "LIKE wildcards in the query are literal";
  EXPECT_EQ(search(std::nullopt, "+1555000001"),
            (std::vector<std::string>{"ALBERT", "Alice", "bob"}));
  EXPECT_EQ(search("+44", "+44"), (std::vector<std::string>{"alfred"}));
  EXPECT_EQ(search("Alan", std::nullopt), std::vector<std::string>{}) << "other account's";
}

TEST_P(StoreContractTest, ContactUpdateChangesNameAndMetadataOnlyInItsAccount) {
  const std::string id = store_->create_contact(contact(kAcctA, "+15550000002", "Ada"))->contact.id;
  auto none = store_->update_contact(kAcctB, id, std::string("Mallory"), std::nullopt, kT0 + 1);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto renamed = store_->update_contact(kAcctA, id, std::string("Ada L."), std::nullopt, kT0 + 2);
  ASSERT_TRUE(renamed.ok());
  ASSERT_TRUE(renamed->has_value());
  EXPECT_EQ((*renamed)->name, "Ada L.");
  EXPECT_EQ((*renamed)->updated_at, kT0 + 2);
  EXPECT_EQ((*renamed)->created_at, kT0);
  auto tagged = store_->update_contact(kAcctA, id, std::nullopt, Metadata{{"vip", "yes"}}, kT0 + 3);
  ASSERT_TRUE(tagged.ok() && tagged->has_value());
  EXPECT_EQ((*tagged)->name, "Ada L.");
  EXPECT_EQ((*tagged)->metadata, (Metadata{{"vip", "yes"}}));
  ContactFilter f;
  f.account = kAcctA;
  f.name_prefix = "ada l";
  EXPECT_EQ(store_->list_contacts(f).size(), 1u) << "the search key follows the name";
}

TEST_P(StoreContractTest, DeletedContactLeavesItsThreadsAndComesBackAsUnknown) {
  const std::string id = store_->create_contact(contact(kAcctA, kTheirs, "Ada"))->contact.id;
  auto in = webhook("d1", "inbound", kT0 + 1);
  in.inbound = inbound_msg(kAcctA, kT0 + 1, "hi");
  auto stored = store_->ingest_webhook(in);
  ASSERT_TRUE(stored.ok());
  const std::string conv = stored->inbound->conversation_id;
  ASSERT_TRUE(store_->get_conversation(kAcctA, conv).has_value());

  EXPECT_FALSE(*store_->delete_contact(kAcctB, id)) << "tenant isolated";
  EXPECT_TRUE(*store_->delete_contact(kAcctA, id));
  EXPECT_FALSE(*store_->delete_contact(kAcctA, id));
  EXPECT_FALSE(store_->get_contact(kAcctA, id).has_value());
  EXPECT_FALSE(store_->get_conversation(kAcctA, conv).has_value());
  EXPECT_EQ(get(in.inbound->id).conversation_id, "") << "the message stays, outside any thread";

  auto back = webhook("d2", "inbound", kT0 + 2);
  back.inbound = inbound_msg(kAcctA, kT0 + 2, "me again");
  ASSERT_TRUE(store_->ingest_webhook(back).ok());
  auto c = store_->get_contact(kAcctA, id);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->name, "Unknown");
  auto v = store_->get_conversation(kAcctA, conv);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->inbound_count, 1);
  EXPECT_EQ(v->unread_count, 1);
  MessageFilter mf;
  mf.account = kAcctA;
  mf.conversation_id = conv;
  EXPECT_EQ(store_->list_messages(mf).size(), 1u);
}

// A number whose conversations setting is "inbound" (Message::start_conversation false): its
// messages start no contact or conversation, but join one that the other party started.
TEST_P(StoreContractTest, JoinOnlyMessagesStartNoConversationButJoinAnExistingOne) {
  const auto conversations = [&] {
    ConversationFilter f;
    f.account = kAcctA;
    return store_->list_conversations(f);
  };
  // In one batch: a join-only message, and an ordinary one to someone else.
  Message notify = outbound(kAcctA, kT0 + 10);
  notify.start_conversation = false;
  Message ordinary = outbound(kAcctA, kT0 + 11);
  ordinary.to = "+15550000003";
  insert({NewMessage{notify, {event(Status::kQueued, kT0 + 10)}},
          NewMessage{ordinary, {event(Status::kQueued, kT0 + 11)}}});
  EXPECT_EQ(get(notify.id).conversation_id, "");
  EXPECT_FALSE(store_->find_contact(kAcctA, kTheirs).has_value());
  const std::string ordinary_conv = get(ordinary.id).conversation_id;
  EXPECT_FALSE(ordinary_conv.empty());
  ASSERT_EQ(conversations().size(), 1u);
  EXPECT_EQ(conversations()[0].id, ordinary_conv);

  // The other party writes in: now there is a conversation to join.
  auto in = webhook("SM9:received", "inbound", kT0 + 20);
  in.inbound = inbound_msg(kAcctA, kT0 + 20, "what is this code for?");
  auto r = store_->ingest_webhook(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::string conv = r->inbound->conversation_id;
  ASSERT_FALSE(conv.empty());

  // Join-only messages join it: with and without an idempotency key (two insert paths).
  Message answer = outbound(kAcctA, kT0 + 30);
  answer.start_conversation = false;
  add(answer);
  Message keyed = outbound(kAcctA, kT0 + 40);
  keyed.start_conversation = false;
  keyed.idempotency_key = "join-1";
  keyed.request_hash = "h1";
  add(keyed);
  EXPECT_EQ(get(answer.id).conversation_id, conv);
  EXPECT_EQ(get(keyed.id).conversation_id, conv);
  auto c = store_->get_conversation(kAcctA, conv);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->inbound_count, 1);
  EXPECT_EQ(c->outbound_count, 2) << "the message sent before the conversation existed is not in it";
  EXPECT_EQ(c->last_message_id, keyed.id);
  MessageFilter mf;
  mf.account = kAcctA;
  mf.conversation_id = conv;
  EXPECT_EQ(store_->list_messages(mf).size(), 3u);
  EXPECT_EQ(conversations().size(), 2u);
}

TEST_P(StoreContractTest, MarkConversationReadZeroesUnreadOnlyInItsAccount) {
  for (int i = 0; i < 3; ++i) {
    auto in = webhook("r" + std::to_string(i), "inbound", kT0 + i);
    in.inbound = inbound_msg(kAcctA, kT0 + i, "hi");
    ASSERT_TRUE(store_->ingest_webhook(in).ok());
  }
  auto convs = store_->list_conversations({kAcctA});
  ASSERT_EQ(convs.size(), 1u);
  ASSERT_EQ(convs[0].unread_count, 3);
  auto other = store_->mark_conversation_read(kAcctB, convs[0].id);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto r = store_->mark_conversation_read(kAcctA, convs[0].id);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->unread_count, 0);
  EXPECT_EQ((*r)->inbound_count, 3);
  auto in = webhook("r9", "inbound", kT0 + 9);
  in.inbound = inbound_msg(kAcctA, kT0 + 9, "more");
  ASSERT_TRUE(store_->ingest_webhook(in).ok());
  EXPECT_EQ(store_->get_conversation(kAcctA, convs[0].id)->unread_count, 1);
  EXPECT_FALSE(store_->mark_conversation_read(kAcctA, "conv_nope")->has_value());
}

// ------------------------------------------------------------------------------ msgapi (issue #6)

TEST_P(StoreContractTest, RedactionErasesContentEverywhereOnceAndKeepsHistory) {
  // An inbound MMS (raw webhook kept) and an outbound reply with a status callback.
  auto in = webhook("SM1:received", "inbound", kT0 + 10);
  Message m = inbound_msg(kAcctA, kT0 + 10, "my PIN is 4321", kTheirs, "SM1");
  m.media = {{"https://media.example/1.jpg", "image/jpeg", 1234}};
  m.media_urls = {"https://media.example/1.jpg"};
  m.metadata = {{"k", "v"}};
  in.inbound = m;
  ASSERT_TRUE(store_->ingest_webhook(in).ok());
  ASSERT_EQ(store_->list_events(m.id)[0].raw_payload, "Body=raw+SM1:received");

  Message out = outbound(kAcctA, kT0 + 20);
  out.from = kOurs;
  out.to = kTheirs;
  out.body = "secret reply";
  out.status_callback = "https://app.example.com/cb";
  add(out);
  ASSERT_EQ(claim(kT0 + 21).size(), 1u);
  Transition sent{.message_id = out.id, .to = Status::kSent, .at = kT0 + 22};
  sent.provider_message_id = "SM2";
  sent.connector = "tw";
  ASSERT_TRUE(apply1(sent).applied);
  ASSERT_FALSE(store_->list_deliveries(out.id).empty());
  ASSERT_NE(store_->list_deliveries(out.id).back().payload.find("secret reply"), std::string::npos);

  // Another account's id is not found, and nothing changes.
  auto foreign = store_->redact_message(kAcctB, m.id, kT0 + 30);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(foreign->outcome, RedactOutcome::kNotFound);
  EXPECT_EQ(get(m.id).body, "my PIN is 4321");
  auto missing = store_->redact_message(kAcctA, "msg_nope", kT0 + 30);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->outcome, RedactOutcome::kNotFound);

  auto r = store_->redact_message(kAcctA, m.id, kT0 + 30);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->outcome, RedactOutcome::kRedacted);
  Message got = get(m.id);
  EXPECT_EQ(got.body, "");
  EXPECT_TRUE(got.media_urls.empty());
  EXPECT_TRUE(got.media.empty());
  EXPECT_EQ(got.status, Status::kReceived);
  EXPECT_EQ(got.metadata, (Metadata{{"k", "v"}}));
  EXPECT_EQ(got.provider_message_id, "SM1");
  ASSERT_TRUE(got.redaction.has_value());
  EXPECT_EQ(got.redaction->at, kT0 + 30);
  EXPECT_EQ(got.redaction->provider, "pending");
  auto events = store_->list_events(m.id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].raw_payload, "");  // the raw webhook is gone
  EXPECT_EQ(events[0].status, Status::kReceived);
  EXPECT_EQ(events[1].type, "redacted");
  EXPECT_EQ(events[1].status, Status::kReceived);
  // The reply is the conversation's latest: its preview stays until it is redacted too.
  auto conv = store_->get_conversation(kAcctA, got.conversation_id);
  ASSERT_TRUE(conv.has_value());
  EXPECT_EQ(conv->last_message_preview, "secret reply");

  auto r2 = store_->redact_message(kAcctA, out.id, kT0 + 40);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->outcome, RedactOutcome::kRedacted);
  EXPECT_EQ(store_->get_conversation(kAcctA, got.conversation_id)->last_message_preview,
            "[redacted]");
  for (const auto& d : store_->list_deliveries(out.id)) {
    EXPECT_EQ(d.payload.find("secret reply"), std::string::npos) << d.payload;
    auto p = nlohmann::json::parse(d.payload);
    EXPECT_EQ(p["message"]["body"], "");
    EXPECT_EQ(p["message"]["id"], out.id);
    EXPECT_EQ(p["status"], "sent");
  }

  // Idempotent: nothing changes the second time, no second event.
  auto again = store_->redact_message(kAcctA, m.id, kT0 + 50);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, RedactOutcome::kAlreadyRedacted);
  EXPECT_EQ(again->message.redaction->at, kT0 + 30);
  EXPECT_EQ(store_->list_events(m.id).size(), 2u);
}

TEST_P(StoreContractTest, RedactionCancelsUnsentMessagesAndWaitsForOneBeingSent) {
  Message queued = add(outbound(kAcctA, kT0 + 1, Status::kQueued, kT0 + 100'000));
  auto r = store_->redact_message(kAcctA, queued.id, kT0 + 2);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->outcome, RedactOutcome::kRedacted);
  EXPECT_EQ(r->message.status, Status::kCanceled);
  EXPECT_EQ(r->message.redaction->provider, "none");  // no provider ever had it
  EXPECT_EQ(get(queued.id).status, Status::kCanceled);
  EXPECT_TRUE(claim(kT0 + 200'000).empty());  // it left the outbox
  auto events = store_->list_events(queued.id);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2].status, Status::kCanceled);
  EXPECT_EQ(events.back().type, "redacted");

  Message sending = add(outbound(kAcctA, kT0 + 3));
  ASSERT_EQ(claim(kT0 + 300'000).size(), 1u);
  auto busy = store_->redact_message(kAcctA, sending.id, kT0 + 300'001);
  ASSERT_TRUE(busy.ok());
  EXPECT_EQ(busy->outcome, RedactOutcome::kInFlight);
  EXPECT_EQ(get(sending.id).body, "hello");
  EXPECT_FALSE(get(sending.id).redaction.has_value());
  // Nothing is pending at a provider for either.
  auto jobs = store_->claim_redactions(kT0 + 400'000, 1000, 10);
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(jobs->empty());
}

TEST_P(StoreContractTest, ProviderRedactionsAreLeasedRetriedAndFinished) {
  auto in = webhook("SM7:received", "inbound", kT0 + 10);
  Message m = inbound_msg(kAcctA, kT0 + 10, "x", kTheirs, "SM7");
  in.inbound = m;
  ASSERT_TRUE(store_->ingest_webhook(in).ok());
  ASSERT_TRUE(store_->redact_message(kAcctA, m.id, kT0 + 20).ok());

  auto jobs = store_->claim_redactions(kT0 + 20, 5'000, 10);
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].message.id, m.id);
  EXPECT_EQ((*jobs)[0].message.provider_message_id, "SM7");
  EXPECT_EQ((*jobs)[0].message.connector, "tw");
  EXPECT_EQ((*jobs)[0].message.body, "");
  EXPECT_EQ((*jobs)[0].attempts, 1);
  // Leased: another instance does not take it; a crashed claimer's comes back after the lease.
  auto none = another_instance().claim_redactions(kT0 + 21, 5'000, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  jobs = store_->claim_redactions(kT0 + 5'021, 5'000, 10);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].attempts, 2);

  // A retry waits until retry_at, and shows the error meanwhile.
  ASSERT_TRUE(store_->finish_redaction(m.id, "pending", "20009: not yet", kT0 + 60'000,
                                       kT0 + 5'022).ok());
  EXPECT_EQ(get(m.id).redaction->error, "20009: not yet");
  EXPECT_TRUE(store_->claim_redactions(kT0 + 59'999, 5'000, 10)->empty());
  jobs = store_->claim_redactions(kT0 + 60'000, 5'000, 10);
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].attempts, 3);
  ASSERT_TRUE(store_->finish_redaction(m.id, "done", "", std::nullopt, kT0 + 60'001).ok());
  Message got = get(m.id);
  EXPECT_EQ(got.redaction->provider, "done");
  EXPECT_EQ(got.redaction->error, "");
  EXPECT_EQ(got.redaction->at, kT0 + 20);
  EXPECT_TRUE(store_->claim_redactions(kT0 + 10'000'000, 5'000, 10)->empty());
  // A late outcome (a claimer whose lease had expired) cannot reopen a finished one.
  ASSERT_TRUE(store_->finish_redaction(m.id, "failed", "late", std::nullopt, kT0 + 60'002).ok());
  EXPECT_EQ(get(m.id).redaction->provider, "done");
}

TEST_P(StoreContractTest, NumberFilterIsOurSideOfTheMessage) {
  Message o1 = outbound(kAcctA, kT0 + 1);  // from +15550000001 to +15550000002
  add(o1);
  Message o2 = outbound(kAcctA, kT0 + 2);
  o2.from = "+15550000009";
  o2.to = "+15550000001";  // the other party happens to be our other number
  add(o2);
  auto in = webhook("SM9:received", "inbound", kT0 + 3);
  Message i1 = inbound_msg(kAcctA, kT0 + 3, "hi");  // to kOurs (+15550000001)
  in.inbound = i1;
  ASSERT_TRUE(store_->ingest_webhook(in).ok());
  add(outbound(kAcctB, kT0 + 4));  // another account, same number

  MessageFilter f;
  f.account = kAcctA;
  f.number = "+15550000001";
  EXPECT_EQ(ids(store_->list_messages(f)), (std::vector<std::string>{i1.id, o1.id}));
  f.direction = Direction::kOutbound;
  EXPECT_EQ(ids(store_->list_messages(f)), (std::vector<std::string>{o1.id}));
  f.direction = Direction::kInbound;
  EXPECT_EQ(ids(store_->list_messages(f)), (std::vector<std::string>{i1.id}));
  f.direction.reset();
  f.number = "+15550000009";
  EXPECT_EQ(ids(store_->list_messages(f)), (std::vector<std::string>{o2.id}));
  f.number = "+15550000002";  // only ever the other party
  EXPECT_TRUE(store_->list_messages(f).empty());
}
// ------------------------------------------------------------------------------ forwarding
// (issue #6, migration 10): number settings, forwards queued with the inbound message, the
// per-attempt delivery log and the account's signing secret.

NumberSettingsUpdate forward_to(const std::string& url, const std::string& method = "POST") {
  NumberSettingsUpdate u;
  u.set_forwarding = true;
  u.forward_url = url;
  u.forward_method = method;
  return u;
}

TEST_P(StoreContractTest, NumberSettingsChangeOnlyForTheOwningAccountAndSurviveSyncs) {
  const std::vector<NumberRecord> numbers = {{kOurs, kAcctA, "tw", true, true, "long_code"},
                                             {"+15550000009", kAcctB, "tw", true, false,
                                              "long_code"}};
  ASSERT_TRUE(store_->sync_numbers(numbers, kT0).ok());

  auto foreign = store_->update_number_settings(kAcctB, kOurs, forward_to("https://b.example/"),
                                                kT0 + 1);
  ASSERT_TRUE(foreign.ok()) << foreign.error().message;
  EXPECT_FALSE(foreign->has_value()) << "another account's number is not found";
  EXPECT_FALSE(store_->list_numbers(kAcctA)[0].forward_url.has_value());
  auto unknown = store_->update_number_settings(kAcctA, "+15559999999",
                                                forward_to("https://a.example/"), kT0 + 1);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());

  auto r = store_->update_number_settings(kAcctA, kOurs, forward_to("https://a.example/in", "GET"),
                                          kT0 + 2);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->forward_url, "https://a.example/in");
  EXPECT_EQ((*r)->forward_method, "GET");
  EXPECT_FALSE((*r)->status_callback.has_value());

  EXPECT_EQ((*r)->conversations, "all");

  // Only the fields set change.
  NumberSettingsUpdate cb;
  cb.set_status_callback = true;
  cb.status_callback = "https://a.example/status";
  cb.conversations = "inbound";
  r = store_->update_number_settings(kAcctA, kOurs, cb, kT0 + 3);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->forward_url, "https://a.example/in");
  EXPECT_EQ((*r)->forward_method, "GET");
  EXPECT_EQ((*r)->status_callback, "https://a.example/status");
  EXPECT_EQ((*r)->conversations, "inbound");

  // A config sync keeps API settings; the other account's number is untouched.
  ASSERT_TRUE(store_->sync_numbers(numbers, kT0 + 4).ok());
  auto a = store_->list_numbers(kAcctA);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].forward_url, "https://a.example/in");
  EXPECT_EQ(a[0].status_callback, "https://a.example/status");
  EXPECT_EQ(a[0].conversations, "inbound");
  EXPECT_FALSE(store_->list_numbers(kAcctB)[0].forward_url.has_value());

  // Clearing: forwarding off (method back to the default), status_callback unchanged.
  NumberSettingsUpdate off;
  off.set_forwarding = true;
  r = store_->update_number_settings(kAcctA, kOurs, off, kT0 + 5);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_FALSE((*r)->forward_url.has_value());
  EXPECT_EQ((*r)->forward_method, "POST");
  EXPECT_EQ((*r)->status_callback, "https://a.example/status");
  EXPECT_EQ((*r)->conversations, "inbound");
}

TEST_P(StoreContractTest, InboundToAForwardingNumberQueuesAForwardWithTheMessage) {
  ASSERT_TRUE(store_
                  ->sync_numbers({{kOurs, kAcctA, "tw", true, true, "long_code"},
                                  {"+15550000009", kAcctA, "tw", true, true, "long_code"}},
                                 kT0)
                  .ok());
  ASSERT_TRUE(store_->update_number_settings(kAcctA, kOurs,
                                             forward_to("https://app.example/in", "GET"), kT0)
                  .ok());

  auto in = webhook("SM1:received", "inbound", kT0 + 10);
  in.inbound = inbound_msg(kAcctA, kT0 + 10, "forward me");
  ASSERT_TRUE(store_->ingest_webhook(in).ok());
  auto ds = store_->list_deliveries(in.inbound->id);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, "forward");
  EXPECT_EQ(ds[0].account, kAcctA);
  EXPECT_EQ(ds[0].url, "https://app.example/in");
  EXPECT_EQ(ds[0].method, "GET");
  EXPECT_EQ(ds[0].state, "pending");
  EXPECT_EQ(ds[0].payload, "") << "built at attempt time, from the message as it is then";
  EXPECT_EQ(ds[0].created_at, kT0 + 10);

  // A provider's retry of the webhook queues nothing more.
  ASSERT_TRUE(store_->ingest_webhook(in).value().duplicate);
  EXPECT_EQ(store_->list_deliveries(in.inbound->id).size(), 1u);

  // Another number of the account, without forwarding: nothing queued.
  auto plain = webhook("SM2:received", "inbound", kT0 + 11);
  plain.inbound = inbound_msg(kAcctA, kT0 + 11, "no forward");
  plain.inbound->to = "+15550000009";
  ASSERT_TRUE(store_->ingest_webhook(plain).ok());
  EXPECT_TRUE(store_->list_deliveries(plain.inbound->id).empty());

  // A split MMS completed later is forwarded too.
  Message mms = inbound_msg(kAcctA, kT0 + 12, "picture");
  std::vector<Message> group{mms};
  ASSERT_TRUE(store_->complete_mms_group({}, group).value());
  ds = store_->list_deliveries(mms.id);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, "forward");

  // Claimed like a status callback, with its method.
  auto claimed = claim_deliveries(kT0 + 20);
  ASSERT_EQ(claimed.size(), 2u);
  for (const auto& d : claimed) {
    EXPECT_EQ(d.kind, "forward");
    EXPECT_EQ(d.method, "GET");
    EXPECT_EQ(d.attempts, 1);
  }
}

TEST_P(StoreContractTest, EveryDeliveryAttemptIsLoggedAndADeferralIsNotAnAttempt) {
  ASSERT_TRUE(
      store_->sync_numbers({{kOurs, kAcctA, "tw", true, true, "long_code"}}, kT0).ok());
  ASSERT_TRUE(
      store_->update_number_settings(kAcctA, kOurs, forward_to("https://app.example/in"), kT0)
          .ok());
  auto in = webhook("SM1:received", "inbound", kT0 + 10);
  in.inbound = inbound_msg(kAcctA, kT0 + 10, "hi");
  ASSERT_TRUE(store_->ingest_webhook(in).ok());
  const std::string mid = in.inbound->id;

  // Not ready: given back without counting an attempt.
  auto c = claim_deliveries(kT0 + 20);
  ASSERT_EQ(c.size(), 1u);
  const std::string id = c[0].id;
  ASSERT_TRUE(store_->defer_delivery(id, kT0 + 500).ok());
  EXPECT_TRUE(claim_deliveries(kT0 + 499).empty());
  c = claim_deliveries(kT0 + 500);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].attempts, 1);

  DeliveryAttempt a1{.delivery_id = id, .attempt = 1, .at = kT0 + 500, .duration_ms = 12,
                     .http_status = 503, .error = "HTTP 503",
                     .response_excerpt = "{\"busy\":true}"};
  ASSERT_TRUE(store_->record_delivery_attempt(a1, false, false, kT0 + 2000).ok());
  EXPECT_TRUE(claim_deliveries(kT0 + 1999).empty());
  c = claim_deliveries(kT0 + 2000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].attempts, 2);
  DeliveryAttempt a2{.delivery_id = id, .attempt = 2, .at = kT0 + 2000, .duration_ms = 7,
                     .http_status = 0, .error = "timed out"};
  ASSERT_TRUE(store_->record_delivery_attempt(a2, false, false, kT0 + 5000).ok());
  c = claim_deliveries(kT0 + 5000);
  ASSERT_EQ(c.size(), 1u);
  DeliveryAttempt a3{.delivery_id = id, .attempt = 3, .at = kT0 + 5000, .duration_ms = 3,
                     .http_status = 200, .response_excerpt = "{\"reply\":{}}",
                     .reply_message_id = "msg_reply"};
  ASSERT_TRUE(store_->record_delivery_attempt(a3, true, true, std::nullopt).ok());
  EXPECT_TRUE(claim_deliveries(kT0 + 1'000'000'000).empty()) << "delivered stays done";

  auto log = another_instance().list_delivery_attempts(mid);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].attempt, 1);
  EXPECT_EQ(log[0].http_status, 503);
  EXPECT_EQ(log[0].duration_ms, 12);
  EXPECT_EQ(log[0].error, "HTTP 503");
  EXPECT_EQ(log[0].response_excerpt, "{\"busy\":true}");
  EXPECT_EQ(log[1].http_status, 0);
  EXPECT_EQ(log[1].error, "timed out");
  EXPECT_EQ(log[2].at, kT0 + 5000);
  EXPECT_EQ(log[2].http_status, 200);
  EXPECT_EQ(log[2].error, "");
  EXPECT_EQ(log[2].reply_message_id, "msg_reply");
  auto ds = store_->list_deliveries(mid);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].state, "delivered");
  EXPECT_EQ(ds[0].attempts, 3);
  EXPECT_EQ(ds[0].last_status, 200);
  EXPECT_TRUE(store_->list_delivery_attempts("msg_other").empty());
}

TEST_P(StoreContractTest, SigningSecretIsCreatedOnFirstUseOncePerAccountAndRotates) {
  auto a = store_->signing_secret(kAcctA, kT0);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->account, kAcctA);
  ASSERT_EQ(a->secret.size(), 6u + 64u) << "sbsig_ and 256 bits in hex";
  EXPECT_EQ(a->secret.rfind("sbsig_", 0), 0u);
  EXPECT_EQ(a->created_at, kT0);
  // Stable across calls and instances; per account.
  auto again = another_instance().signing_secret(kAcctA, kT0 + 5);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->secret, a->secret);
  EXPECT_EQ(again->created_at, kT0);
  auto b = store_->signing_secret(kAcctB, kT0);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(b->secret, a->secret);

  auto rotated = store_->rotate_signing_secret(kAcctA, kT0 + 10);
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(rotated->secret, a->secret);
  EXPECT_EQ(rotated->created_at, kT0 + 10);
  EXPECT_EQ(store_->signing_secret(kAcctA, kT0 + 11)->secret, rotated->secret);
  EXPECT_EQ(store_->signing_secret(kAcctB, kT0 + 11)->secret, b->secret);
  // Rotating before any use creates one.
  ASSERT_TRUE(store_->ensure_account("acct_c", kT0).ok());
  auto fresh = store_->rotate_signing_secret("acct_c", kT0 + 12);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(store_->signing_secret("acct_c", kT0 + 13)->secret, fresh->secret);
}
// ------------------------------------------------------------------------------ end forwarding

// ------------------------------------------------------- numbers import (issue #6, numbers)

TEST_P(StoreContractTest, ImportNumbersAddsOnlyAbsentNumbers) {
  NumberRecord config_a{"+15550000100", kAcctA, "twilio", true, true, "long_code"};
  config_a.throughput = 2;
  const NumberRecord config_b{"+15550000200", kAcctB, "twilio", true, false, "long_code"};
  ASSERT_TRUE(store_->sync_numbers({config_a, config_b}, kT0).ok());

  const std::vector<NumberRecord> batch = {
      {"+15550000100", kAcctA, "tw2", false, false, "toll_free"},  // config number of A
      {"+15550000200", kAcctA, "tw2", true, true, "long_code"},    // config number of B
      {"+18005550300", kAcctA, "tw2", true, false, "toll_free"},   // new
      {"+15550000400", kAcctA, "tw2", true, true, "long_code"},    // new
      {"+18005550300", kAcctA, "tw2", true, true, "long_code"},    // repeated in the batch
  };
  auto r = store_->import_numbers(batch, kT0 + 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  EXPECT_FALSE((*r)[0].added);
  EXPECT_EQ((*r)[0].reason, "already a config number of account " + kAcctA);
  EXPECT_FALSE((*r)[1].added);
  EXPECT_EQ((*r)[1].reason, "already a config number of account " + kAcctB);
  EXPECT_TRUE((*r)[2].added);
  EXPECT_TRUE((*r)[3].added);
  EXPECT_FALSE((*r)[4].added);
  EXPECT_EQ((*r)[4].reason, "already imported into account " + kAcctA);
  for (size_t i = 0; i < r->size(); ++i) EXPECT_EQ((*r)[i].number, batch[i].number);

  // Config numbers are untouched; imported ones follow them, by number, with type defaults.
  const auto a = store_->list_numbers(kAcctA);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].number, "+15550000100");
  EXPECT_EQ(a[0].connector, "twilio");
  EXPECT_EQ(a[0].source, "config");
  EXPECT_DOUBLE_EQ(a[0].throughput, 2);
  EXPECT_TRUE(a[0].mms);
  EXPECT_EQ(a[1].number, "+15550000400");
  EXPECT_EQ(a[2].number, "+18005550300");
  EXPECT_EQ(a[2].source, "import");
  EXPECT_EQ(a[2].connector, "tw2");
  EXPECT_EQ(a[2].type, "toll_free");
  EXPECT_TRUE(a[2].sms);
  EXPECT_FALSE(a[2].mms);
  EXPECT_DOUBLE_EQ(a[2].throughput, -1);
  EXPECT_EQ(a[2].status, "active");
  const auto b = store_->list_numbers(kAcctB);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].connector, "twilio");
  EXPECT_FALSE(b[0].mms);

  // Importing again adds nothing; a config sync keeps imported numbers.
  auto again = store_->import_numbers({batch[2]}, kT0 + 2);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)[0].added);
  EXPECT_EQ((*again)[0].reason, "already imported into account " + kAcctA);
  ASSERT_TRUE(store_->sync_numbers({config_a}, kT0 + 3).ok());
  EXPECT_EQ(store_->list_numbers(kAcctA).size(), 3u);
  EXPECT_TRUE(store_->list_numbers(kAcctB).empty());
  EXPECT_EQ(store_->all_numbers().size(), 3u);
}

TEST_P(StoreContractTest, ImportNumbersIntoUnknownAccountFailsWhole) {
  const std::vector<NumberRecord> batch = {
      {"+15550000500", kAcctA, "tw", true, false, "long_code"},
      {"+15550000600", "acct_missing", "tw", true, false, "long_code"},
  };
  EXPECT_FALSE(store_->import_numbers(batch, kT0).ok());
  EXPECT_TRUE(store_->all_numbers().empty());  // all or nothing
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

// ------------------------------------------------------------------------------ open_store

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

}  // namespace
}  // namespace sb::store

// ---- media re-hosting (issue #6, migration v11) ----------------------------------------------

namespace sb::store {
namespace {

// An inbound message whose two media items the webhook path gave ids (engine::assign_media_ids).
Message rehosted_inbound(const std::string& account, TimeMs at, const std::string& id0,
                         const std::string& id1) {
  Message m = inbound_msg(account, at, "two pictures");
  MediaItem a{"https://gw.example/v1/media/" + id0, "image/jpeg", 10};
  a.id = id0;
  a.source_url = "https://api.twilio.example/Media/ME0";
  MediaItem b{"https://gw.example/v1/media/" + id1, "image/png", std::nullopt};
  b.id = id1;
  b.source_url = "https://api.twilio.example/Media/ME1";
  m.media = {a, b};
  m.media_urls = {a.url, b.url};
  return m;
}

TEST_P(StoreContractTest, InboundMediaRowsAreStoredPendingWithTheMessage) {
  auto in = webhook("MM1:received", "inbound", kT0 + 10);
  in.inbound = rehosted_inbound(kAcctA, kT0 + 10, "med_A0", "med_A1");
  ASSERT_TRUE(store_->ingest_webhook(in).ok());
  const std::string mid = in.inbound->id;

  auto rows = store_->list_media(mid);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, "med_A0");
  EXPECT_EQ(rows[0].index, 0);
  EXPECT_EQ(rows[1].index, 1);
  EXPECT_EQ(rows[0].account, kAcctA);
  EXPECT_EQ(rows[0].state, "pending");
  EXPECT_EQ(rows[0].source_url, "https://api.twilio.example/Media/ME0");
  EXPECT_EQ(rows[0].connector, "tw");
  EXPECT_EQ(rows[0].attempts, 0);

  // The message reads back with our URLs, ids and state; the provider URL stays in source_url.
  Message got = get(mid);
  ASSERT_EQ(got.media.size(), 2u);
  EXPECT_EQ(got.media_urls[0], "https://gw.example/v1/media/med_A0");
  EXPECT_EQ(got.media[0].id, "med_A0");
  EXPECT_EQ(got.media[0].state, "pending");
  EXPECT_EQ(got.media[0].content_type, "image/jpeg");  // as declared until fetched

  // Tenant isolation: another account cannot read it by id.
  EXPECT_TRUE(store_->get_media(kAcctA, "med_A0").has_value());
  EXPECT_FALSE(store_->get_media(kAcctB, "med_A0").has_value());
  EXPECT_TRUE(store_->get_media_by_id("med_A0").has_value());
  EXPECT_FALSE(store_->get_media_by_id("med_nope").has_value());

  // A provider retry of the same webhook stores nothing twice.
  auto again = webhook("MM1:received", "inbound", kT0 + 20);
  again.inbound = rehosted_inbound(kAcctA, kT0 + 20, "med_B0", "med_B1");
  ASSERT_TRUE(store_->ingest_webhook(again).value().duplicate);
  EXPECT_FALSE(store_->get_media(kAcctA, "med_B0").has_value());
}

TEST_P(StoreContractTest, MediaClaimLeaseRetryReadyAndFailed) {
  auto in = webhook("MM2:received", "inbound", kT0 + 10);
  in.inbound = rehosted_inbound(kAcctA, kT0 + 10, "med_C0", "med_C1");
  ASSERT_TRUE(store_->ingest_webhook(in).ok());
  const std::string mid = in.inbound->id;

  auto first = store_->claim_media(kT0 + 100, 5'000, 10);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].attempts, 1);
  // Claimed: not claimable again until the lease runs out.
  EXPECT_TRUE(store_->claim_media(kT0 + 200, 5'000, 10)->empty());
  auto after_lease = store_->claim_media(kT0 + 5'200, 5'000, 1);
  ASSERT_EQ(after_lease->size(), 1u);
  EXPECT_EQ((*after_lease)[0].attempts, 2);

  // C0: a transient failure with a retry time, then ready.
  MediaOutcome retry;
  retry.state = "pending";
  retry.error = "HTTP 503";
  retry.retry_at = kT0 + 20'000;
  ASSERT_TRUE(store_->finish_media("med_C0", retry, kT0 + 5'300).ok());
  auto c0 = store_->get_media(kAcctA, "med_C0");
  EXPECT_EQ(c0->state, "pending");
  EXPECT_EQ(c0->last_error, "HTTP 503");
  EXPECT_EQ(c0->next_attempt_at, kT0 + 20'000);
  MediaOutcome ready;
  ready.state = "ready";
  ready.sha256 = std::string(64, 'a');
  ready.content_type = "image/png";
  ready.size = 4321;
  ASSERT_TRUE(store_->finish_media("med_C0", ready, kT0 + 21'000).ok());
  // C1: failed for good.
  MediaOutcome failed;
  failed.state = "failed";
  failed.error = "the media is larger than 5242880 bytes";
  ASSERT_TRUE(store_->finish_media("med_C1", failed, kT0 + 21'000).ok());
  EXPECT_TRUE(store_->claim_media(kT0 + 10'000'000, 5'000, 10)->empty());

  c0 = store_->get_media(kAcctA, "med_C0");
  EXPECT_EQ(c0->state, "ready");
  EXPECT_EQ(c0->sha256, std::string(64, 'a'));
  EXPECT_EQ(c0->content_type, "image/png");
  EXPECT_EQ(c0->size, 4321);
  EXPECT_TRUE(c0->last_error.empty());

  // The message shows the sniffed type and size once ready, and the error once failed.
  Message got = get(mid);
  EXPECT_EQ(got.media[0].state, "ready");
  EXPECT_EQ(got.media[0].content_type, "image/png");
  EXPECT_EQ(got.media[0].size, 4321);
  EXPECT_EQ(got.media[1].state, "failed");
  EXPECT_EQ(got.media[1].error, "the media is larger than 5242880 bytes");
  MessageFilter f;
  f.account = kAcctA;
  auto listed = store_->list_messages(f);
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(listed[0].media[1].state, "failed");
}

TEST_P(StoreContractTest, EnsureSecretKeepsTheFirstValue) {
  auto a = store_->ensure_secret("media_url_key", "first", kT0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "first");
  auto b = store_->ensure_secret("media_url_key", "second", kT0 + 1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "first");
  EXPECT_EQ(*store_->ensure_secret("other", "x", kT0), "x");
}

}  // namespace
}  // namespace sb::store
