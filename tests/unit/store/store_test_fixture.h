// The repositories' contract tests share this fixture: each test runs against every backend
// (SQLite and PostgreSQL) on a fresh database of its own. PostgreSQL runs when
// SWITCHBOARD_TEST_PG_URL names an admin URL (scripts/test-postgres.sh start); each test gets its
// own freshly created database. SWITCHBOARD_REQUIRE_PG=1 turns a missing URL into a failure
// instead of a skip (CI).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <filesystem>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/message.h"
#include "core/result.h"
#include "store/migrations.h"
#include "store/store.h"

namespace sb {
void PrintTo(Status s, std::ostream* os);
namespace store {
void PrintTo(InsertKind k, std::ostream* os);

enum class Backend { kSqlite, kPostgres };
void PrintTo(Backend b, std::ostream* os);
std::string backend_name(const testing::TestParamInfo<Backend>& info);

inline constexpr TimeMs kT0 = 1'700'000'000'000;
inline const std::string kAcctA = "acct_a";
inline const std::string kAcctB = "acct_b";
// Our number and the other party's in the webhook and conversation tests.
inline const std::string kOurs = "+15550000001";
inline const std::string kTheirs = "+15550000002";

// Replaces the database of a postgresql:// URL (keeping user, host, port and query parameters).
std::string with_database(const std::string& url, const std::string& db);

// The value of a read that must succeed: a failed read fails the test and yields T{}.
template <typename T>
T unwrap(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return T{};
  return std::move(r).value();
}

// An outbound message of `account` from kOurs to kTheirs ("hello"), due at next_attempt_at
// (default: created) when queued or sending.
Message outbound(const std::string& account, TimeMs created, Status status = Status::kQueued,
                 std::optional<TimeMs> next_attempt_at = std::nullopt);
// A scheduled marketing message due at send_at.
Message scheduled_at(const std::string& account, TimeMs created, TimeMs send_at);
// A routed inbound message from `from` to kOurs on connector "tw".
Message inbound_msg(const std::string& account, TimeMs at, const std::string& body,
                    const std::string& from = kTheirs, const std::string& pmid = "");
MessageEvent event(Status s, TimeMs at);
std::vector<std::string> ids(const std::vector<Message>& ms);
void expect_same_message(const Message& got, const Message& want);

// A webhook of connector "tw" whose raw payload is "Body=raw+<key>".
WebhookIngest webhook(const std::string& key, const std::string& kind, TimeMs at,
                      const std::string& connector = "tw");
// A status report of connector "tw".
ProviderStatus report(const std::string& pmid, Status s, TimeMs at, const std::string& raw);
// The transitions providers' reports ask for (matched by their provider reference).
std::vector<Transition> from_reports(const std::vector<ProviderStatus>& reports);
// Number settings that forward inbound messages to `url`.
NumberSettingsUpdate forward_to(const std::string& url, const std::string& method = "POST");

class StoreContractTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool pg() const { return GetParam() == Backend::kPostgres; }

  // A URL naming a new, empty database of the backend under test (dropped at teardown).
  std::string fresh_url();
  std::unique_ptr<Store> open(const std::string& url);
  // Another Store on the same database (a second gateway instance), closed at teardown.
  Store& another_instance();
  // Runs SQL statements on the database at `url` outside any repository (rows as an older
  // schema had them, for a test of a data migration).
  void exec_sql(const std::string& url, const std::string& sql);

  std::vector<InsertResult> insert(std::vector<NewMessage> batch);
  // Inserts one message (with an event for its initial status) and returns it.
  Message add(Message m);
  std::vector<Message> claim(TimeMs now, int64_t lease_ms = 30'000, int limit = 100,
                             const std::string& owner = "worker-1");
  // Applies transitions, each result with its message.
  std::vector<TransitionResult> apply(std::vector<Transition> ts);
  TransitionResult apply1(Transition t);
  Message get(const std::string& id, const std::string& account = kAcctA);
  std::vector<Delivery> claim_deliveries(TimeMs now, int64_t lease_ms = 10'000, int limit = 100);

  ManualClock clock_{kT0};
  std::string admin_url_;
  std::filesystem::path dir_;
  std::vector<std::string> databases_;
  std::string url_;
  std::unique_ptr<Store> store_;
  std::vector<std::unique_ptr<Store>> extra_stores_;
};

}  // namespace store
}  // namespace sb
