// The outbox's batch commit against a real SQLite store: one opt-out read per batch refuses
// opted-out recipients, keeps input order, and lets keyword confirmations through; and each
// commit wakes an idle dispatcher worker at once.
#include "engine/outbox.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "engine/dispatcher.h"
#include "providers/sim/sim_connector.h"
#include "sqlite_test_store.h"

namespace sb::engine {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;

store::NewMessage outbound(const std::string& account, const std::string& from,
                           const std::string& to) {
  store::NewMessage nm;
  Message& m = nm.message;
  m.id = new_id("msg_", kT0);
  m.account = account;
  m.direction = Direction::kOutbound;
  m.from = from;
  m.to = to;
  m.body = "hello";
  m.status = Status::kQueued;
  m.segments = 1;
  m.created_at = kT0;
  m.updated_at = kT0;
  m.next_attempt_at = kT0;
  MessageEvent e;
  e.status = Status::kQueued;
  e.at = kT0;
  nm.events.push_back(e);
  return nm;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // acme: +15550000009 opted out of everything; +15550000008 only of +15550000001.
    OptOut all{"", "acme", "+15550000009", "account", "", "api", kT0};
    OptOut one{"", "acme", "+15550000008", "number", "+15550000001", "api", kT0};
    ASSERT_TRUE(store_->compliance().add_opt_out(all, "").ok());
    ASSERT_TRUE(store_->compliance().add_opt_out(one, "").ok());
  }

  ManualClock clock_{kT0};
  SqliteTestStore store_{"outbox", clock_, {"acme", "other"}, kT0};
};

TEST_F(OutboxTest, RefusesOptedOutRecipientsAndKeepsOrder) {
  std::vector<store::NewMessage> batch;
  batch.push_back(outbound("acme", "+15550000001", "+15550000002"));  // allowed
  batch.push_back(outbound("acme", "+15550000001", "+15550000009"));  // account-wide opt-out
  batch.push_back(outbound("acme", "+15550000001", "+15550000008"));  // opted out of this sender
  batch.push_back(outbound("acme", "+15550000003", "+15550000008"));  // another sender: allowed
  batch.push_back(outbound("other", "+15550000004", "+15550000009"));  // another account
  auto confirmation = outbound("acme", "+15550000001", "+15550000009");
  confirmation.check_opt_out = false;  // the STOP confirmation itself
  batch.push_back(std::move(confirmation));
  std::vector<std::string> ids;
  for (const auto& nm : batch) ids.push_back(nm.message.id);

  auto r = insert_unless_opted_out(*store_, batch);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 6u);
  const std::vector<bool> accepted = {true, false, false, true, true, true};
  for (size_t i = 0; i < accepted.size(); ++i) {
    const auto& item = (*r)[i];
    ASSERT_EQ(item.ok(), accepted[i]) << i;
    if (item.ok()) {
      EXPECT_EQ(item->message.id, ids[i]);
      EXPECT_TRUE(store_->messages().get(item->message.account, ids[i]).value().has_value()) << i;
    } else {
      EXPECT_EQ(item.error().code, "recipient_opted_out");
      EXPECT_EQ(item.error().field, "to");
      EXPECT_FALSE(store_->messages().get("acme", ids[i]).value().has_value()) << i;
    }
  }
}

TEST_F(OutboxTest, SubmitRepliesWithTheRefusalOrTheStoredMessage) {
  Outbox outbox(*store_, nullptr);
  std::promise<Result<store::InsertResult>> refused, stored;
  outbox.submit(outbound("acme", "+15550000001", "+15550000009"),
                [&](Result<store::InsertResult> r) { refused.set_value(std::move(r)); });
  outbox.submit(outbound("acme", "+15550000001", "+15550000002"),
                [&](Result<store::InsertResult> r) { stored.set_value(std::move(r)); });
  auto a = refused.get_future().get();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "recipient_opted_out");
  auto b = stored.get_future().get();
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->kind, store::InsertKind::kCreated);
}

// A committed message wakes an idle claiming worker at once, however long the poll interval:
// nothing else waiting in the dispatcher (the reconciliation thread) may take that wake-up.
TEST_F(OutboxTest, EachNewMessageWakesAWorkerWithoutWaitingForAPoll) {
  providers::SimOptions sim_opt;
  sim_opt.delivery_delay_ms = 60'000;  // reports are not what this test watches
  providers::SimConnector sim(sim_opt, SystemClock::instance());
  DispatcherOptions opt;
  opt.workers = 2;
  opt.poll_interval_ms = 120'000;       // a message found by polling would miss the deadline
  opt.reconcile_interval_ms = 120'000;  // the reconciler sleeps throughout, as in production
  opt.health_check_at_start = false;
  Dispatcher dispatcher(*store_, {{"sim", &sim}}, SystemClock::instance(), opt, "wrk_test");
  StatusIngest ingest(*store_, SystemClock::instance(), [] {});
  dispatcher.set_status_ingest(ingest);  // so the reconciliation thread runs, as in production
  Outbox outbox(*store_, [&dispatcher] { dispatcher.wake(); });
  dispatcher.start();
  for (int i = 0; i < 5; ++i) {
    auto nm = outbound("acme", "+15550000001", "+15550000002");
    nm.message.connector = "sim";
    const std::string id = nm.message.id;
    std::promise<bool> stored;
    outbox.submit(std::move(nm), [&](Result<store::InsertResult> r) { stored.set_value(r.ok()); });
    ASSERT_TRUE(stored.get_future().get());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    Status status = Status::kQueued;
    while (std::chrono::steady_clock::now() < deadline) {
      status = store_->messages().get("acme", id).value()->status;
      if (status == Status::kSent) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // bounded wait on the condition
    }
    ASSERT_EQ(status, Status::kSent) << "message " << i << " was not claimed within 10 s";
  }
  dispatcher.stop();
}

}  // namespace
}  // namespace sb::engine
