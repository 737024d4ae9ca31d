// The contract tests' fixture (store_test_fixture.h): a fresh database per test and backend.
#include "store_test_fixture.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string_view>

#include "store/db.h"

namespace sb {
void PrintTo(Status s, std::ostream* os) { *os << to_string(s); }
namespace store {

namespace fs = std::filesystem;

void PrintTo(InsertKind k, std::ostream* os) {
  *os << (k == InsertKind::kCreated     ? "kCreated"
          : k == InsertKind::kDuplicate ? "kDuplicate"
                                        : "kConflict");
}

void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

std::string backend_name(const testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "SQLite" : "PostgreSQL";
}

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
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

}  // namespace

std::string with_database(const std::string& url, const std::string& db) {
  const size_t authority = url.find("://");
  if (authority == std::string::npos) return url;
  const size_t query = url.find('?', authority + 3);
  const size_t authority_end = std::min(url.find('/', authority + 3), query);
  const std::string tail = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, std::min(authority_end, url.size())) + "/" + db + tail;
}

// ------------------------------------------------------------------------------ builders

Message outbound(const std::string& account, TimeMs created, Status status,
                 std::optional<TimeMs> next_attempt_at) {
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

Message scheduled_at(const std::string& account, TimeMs created, TimeMs send_at) {
  Message m = outbound(account, created, Status::kScheduled);
  m.send_at = send_at;
  m.next_attempt_at = send_at;
  m.category = "marketing";
  return m;
}

Message inbound_msg(const std::string& account, TimeMs at, const std::string& body,
                    const std::string& from, const std::string& pmid) {
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

WebhookIngest webhook(const std::string& key, const std::string& kind, TimeMs at,
                      const std::string& connector) {
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

std::vector<Transition> from_reports(const std::vector<ProviderStatus>& reports) {
  std::vector<Transition> out;
  for (const auto& r : reports) out.push_back(Transition::from_report(r));
  return out;
}

NumberSettingsUpdate forward_to(const std::string& url, const std::string& method) {
  NumberSettingsUpdate u;
  u.set_forwarding = true;
  u.forward_url = url;
  u.forward_method = method;
  return u;
}

// ------------------------------------------------------------------------------ fixture

void StoreContractTest::SetUp() {
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
  ASSERT_TRUE(store_->accounts().ensure_account(kAcctA, kT0).ok());
  ASSERT_TRUE(store_->accounts().ensure_account(kAcctB, kT0).ok());
}

void StoreContractTest::TearDown() {
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

std::string StoreContractTest::fresh_url() {
  static std::atomic<int> counter{0};
  const std::string name = "sb_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) +
                           "_" + random_suffix();
  if (!pg()) return "sqlite://" + (dir_ / (name + ".db")).string();
  const std::string err = pg_admin_exec(admin_url_, "CREATE DATABASE " + name);
  EXPECT_TRUE(err.empty()) << err;
  if (err.empty()) databases_.push_back(name);
  return with_database(admin_url_, name);
}

std::unique_ptr<Store> StoreContractTest::open(const std::string& url) {
  auto s = open_store(url, clock_);
  EXPECT_TRUE(s.ok()) << url << ": " << s.error().message;
  if (!s.ok()) return nullptr;
  return std::move(s).value();
}

void StoreContractTest::exec_sql(const std::string& url, const std::string& sql) {
  constexpr std::string_view kSqlite = "sqlite://";
  std::unique_ptr<Driver> d = url.starts_with(kSqlite)
                                  ? make_sqlite_driver(url.substr(kSqlite.size()))
                                  : make_postgres_driver(url, 1);
  d->writer()->exec_script(sql);
}

Store& StoreContractTest::another_instance() {
  auto s = open(url_);
  // gtest reports an exception escaping a test as a failure (a reference cannot be null).
  if (!s) throw std::runtime_error("cannot open another instance on " + url_);
  extra_stores_.push_back(std::move(s));
  return *extra_stores_.back();
}

std::vector<InsertResult> StoreContractTest::insert(std::vector<NewMessage> batch) {
  auto r = store_->messages().insert(batch);
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return {};
  EXPECT_EQ(r->size(), batch.size());
  return std::move(r).value();
}

Message StoreContractTest::add(Message m) {
  auto res = insert({NewMessage{m, {event(m.status, m.created_at)}}});
  EXPECT_EQ(res.size(), 1u);
  if (res.size() == 1) {
    EXPECT_EQ(res[0].kind, InsertKind::kCreated);
  }
  return m;
}

std::vector<Message> StoreContractTest::claim(TimeMs now, int64_t lease_ms, int limit,
                                              const std::string& owner) {
  auto r = store_->messages().claim_due(owner, now, lease_ms, limit);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? std::move(r).value() : std::vector<Message>{};
}

std::vector<TransitionResult> StoreContractTest::apply(std::vector<Transition> ts) {
  auto r = store_->status().apply(ts);
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return {};
  EXPECT_EQ(r->size(), ts.size());
  return std::move(r).value();
}

TransitionResult StoreContractTest::apply1(Transition t) {
  auto r = apply({std::move(t)});
  return r.empty() ? TransitionResult{} : r[0];
}

Message StoreContractTest::get(const std::string& id, const std::string& account) {
  auto m = unwrap(store_->messages().get(account, id));
  EXPECT_TRUE(m.has_value()) << id;
  return m.value_or(Message{});
}

std::vector<Delivery> StoreContractTest::claim_deliveries(TimeMs now, int64_t lease_ms, int limit) {
  auto r = store_->deliveries().claim(now, lease_ms, limit);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? std::move(r).value() : std::vector<Delivery>{};
}

}  // namespace store
}  // namespace sb
