// The one way provider status reports come in, against a real SQLite store: a report that
// overtakes its send is kept and applied once the send is recorded (or asked again for, by a
// source that retries), regressions are recorded without changing the message, and orphans whose
// message never comes are dropped after the retention.
#include "engine/status_ingest.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/clock.h"
#include "core/ids.h"
#include "engine/dispatcher.h"
#include "sqlite_test_store.h"

namespace sb::engine {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;
constexpr int64_t kRetentionMs = 86'400'000;

class StatusIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ingest_ = std::make_unique<StatusIngest>(*store_, clock_, [this] { ++wakes_; });
  }

  // A queued outbound message with a status callback (so applied changes queue one).
  std::string queued() {
    store::NewMessage nm;
    Message& m = nm.message;
    m.id = new_id("msg_", clock_.now_ms());
    m.account = "acme";
    m.direction = Direction::kOutbound;
    m.from = "+12025550100";
    m.to = "+14155550123";
    m.body = "hello";
    m.status = Status::kQueued;
    m.status_callback = "https://app.example.com/status";
    m.segments = 1;
    m.created_at = m.updated_at = m.next_attempt_at = clock_.now_ms();
    nm.events.push_back(MessageEvent{});
    nm.events.back().status = Status::kQueued;
    nm.events.back().at = clock_.now_ms();
    std::vector<store::NewMessage> batch{nm};
    EXPECT_TRUE(store_->messages().insert(batch).ok());
    return m.id;
  }
  // What the dispatcher records when the provider accepted the send as `provider_id`.
  void record_send(const std::string& id, const std::string& provider_id) {
    store::Transition t;
    t.message_id = id;
    t.to = Status::kSent;
    t.at = clock_.now_ms();
    t.provider_message_id = provider_id;
    t.connector = "sim";
    auto r = store_->status().apply({t});
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->front().applied);
  }
  StatusReport report(const std::string& provider_id, Status status) {
    StatusReport r;
    r.connector = "sim";
    r.provider_message_id = provider_id;
    r.status = status;
    r.at = clock_.now_ms();
    r.provider_status = std::string(to_string(status));
    return r;
  }
  Status status_of(const std::string& id) {
    return store_->messages().get("acme", id).value()->status;
  }

  ManualClock clock_{kT0};
  SqliteTestStore store_{"status-ingest", clock_, {"acme"}, kT0};
  std::unique_ptr<StatusIngest> ingest_;
  int wakes_ = 0;
};

TEST_F(StatusIngestTest, AReportThatOvertakesItsSendIsKeptAndAppliedOnceTheSendIsRecorded) {
  const std::string id = queued();
  auto r =
      ingest_->ingest({report("P1", Status::kDelivered)}, StatusIngest::Unknown::kKeep, "smpp");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->front().found);
  EXPECT_TRUE(r->front().orphaned);
  ingest_->tick(kRetentionMs);  // its message is not known yet
  EXPECT_EQ(status_of(id), Status::kQueued);

  record_send(id, "P1");
  const int before = wakes_;
  ingest_->tick(kRetentionMs);
  EXPECT_EQ(status_of(id), Status::kDelivered);
  EXPECT_GT(wakes_, before);    // the delivered callback was queued
  ingest_->tick(kRetentionMs);  // applied once
  auto events = store_->status().list_events(id).value();
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const MessageEvent& e) { return e.status == Status::kDelivered; }),
            1);
}

TEST_F(StatusIngestTest, ASourceThatAsksAgainGetsNotStoredAndNothingIsKept) {
  const std::string id = queued();
  EXPECT_EQ(ingest_->on_status({report("P2", Status::kDelivered)}), std::vector<bool>{false});
  record_send(id, "P2");
  ingest_->tick(kRetentionMs);
  EXPECT_EQ(status_of(id), Status::kSent);  // nothing was kept
  EXPECT_EQ(ingest_->on_status({report("P2", Status::kDelivered)}), std::vector<bool>{true});
  EXPECT_EQ(status_of(id), Status::kDelivered);
}

TEST_F(StatusIngestTest, ARegressionIsRecordedARepeatIsNotAndNeitherChangesAnything) {
  const std::string id = queued();
  record_send(id, "P3");
  auto r = ingest_->ingest({report("P3", Status::kDelivered), report("P3", Status::kSent),
                            report("P3", Status::kDelivered)},
                           StatusIngest::Unknown::kKeep, "webhook");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].applied);
  EXPECT_TRUE((*r)[1].found);
  EXPECT_FALSE((*r)[1].applied);
  EXPECT_FALSE((*r)[2].applied);
  EXPECT_EQ(status_of(id), Status::kDelivered);
  auto events = store_->status().list_events(id).value();
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[events.size() - 2].status, Status::kDelivered);
  EXPECT_TRUE(events[events.size() - 2].applied);
  EXPECT_EQ(events.back().status, Status::kSent);  // the regression
  EXPECT_FALSE(events.back().applied);             // the repeated `delivered`: not recorded
}

// A provider whose status lookup says the message failed with 30003 (what reconciliation asks).
class LookupConnector final : public providers::Connector {
 public:
  const std::string& id() const override { return id_; }
  std::string_view provider() const override { return "lookup"; }
  const providers::ProviderCapabilities& capabilities() const override { return caps_; }
  providers::SendResult send(const Message&, const std::string&) override {
    return providers::SendAccepted{"unused", "queued"};
  }
  providers::ProviderResult<providers::StatusQueryResult> query_status(const Message& m) override {
    ++queries;
    if (m.provider_message_id != "P4") return providers::StatusQueryResult{};
    return providers::StatusQueryResult{Status::kFailed, "failed", "30003", "unreachable"};
  }
  int queries = 0;

 private:
  std::string id_ = "sim";
  providers::ProviderCapabilities caps_;
};

TEST_F(StatusIngestTest, ReconciliationAnswersComeInThroughTheIngestWithTheirWords) {
  const std::string id = queued();
  record_send(id, "P4");
  LookupConnector lookup;
  DispatcherOptions opt;
  opt.workers = 0;
  opt.reconcile_after_ms = 600'000;
  Dispatcher dispatcher(*store_, {{"sim", &lookup}}, clock_, opt, "wrk_test");
  clock_.advance(600'001);                    // `sent` for longer than reconcile_after_ms
  EXPECT_EQ(dispatcher.reconcile_once(), 0);  // no ingest to hand answers to: nothing runs
  EXPECT_EQ(lookup.queries, 0);

  dispatcher.set_status_ingest(*ingest_);
  const int before = wakes_;
  EXPECT_EQ(dispatcher.reconcile_once(), 1);
  EXPECT_EQ(lookup.queries, 1);
  auto events = store_->status().list_events(id).value();
  EXPECT_EQ(events.back().status, Status::kFailed);
  EXPECT_EQ(events.back().detail, "reconciled by status query");
  EXPECT_EQ(events.back().provider_status, "failed");
  EXPECT_EQ(store_->messages().get("acme", id).value()->error_code, "30003");
  EXPECT_GT(wakes_, before);                  // the failed callback was queued and the sender woken
  EXPECT_EQ(dispatcher.reconcile_once(), 0);  // final now: not asked again
}

TEST_F(StatusIngestTest, AnOrphanWhoseMessageNeverComesIsDroppedAfterTheRetention) {
  const std::string id = queued();
  ASSERT_TRUE(
      ingest_->ingest({report("P5", Status::kDelivered)}, StatusIngest::Unknown::kKeep, "smpp")
          .ok());
  clock_.advance(kRetentionMs + 1);
  ingest_->tick(kRetentionMs);  // dropped
  record_send(id, "P5");
  ingest_->tick(kRetentionMs);
  EXPECT_EQ(status_of(id), Status::kSent);
}

}  // namespace
}  // namespace sb::engine
