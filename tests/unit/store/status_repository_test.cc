// StatusRepository: the one apply path (by message id and by provider reference, whole messages or
// summaries) and the event log; every test runs on SQLite and PostgreSQL (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class StatusRepositoryTest : public StoreContractTest {};

TEST_P(StatusRepositoryTest, ListEventsInInsertionOrderAcrossTransitions) {
  Message m = outbound(kAcctA, kT0);
  insert({{m, {event(Status::kAccepted, kT0), event(Status::kQueued, kT0)}}});
  ASSERT_EQ(claim(kT0 + 10).size(), 1u);
  Transition sent{.message_id = m.id, .to = Status::kSent, .at = kT0 + 20};
  sent.provider_status = "queued";
  EXPECT_TRUE(apply1(sent).applied);
  Transition delivered{.message_id = m.id, .to = Status::kDelivered, .at = kT0 + 30};
  EXPECT_TRUE(apply1(delivered).applied);

  auto ev = unwrap(store_->status().list_events(m.id));
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

TEST_P(StatusRepositoryTest, ApplyFollowsTheStateMachine) {
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
  EXPECT_EQ(r.message->id, m.id);
  EXPECT_EQ(r.message->status, Status::kSent);
  EXPECT_EQ(r.message->provider_message_id, "SM123");
  EXPECT_EQ(r.message->connector, "sim");
  EXPECT_EQ(r.message->updated_at, now + 100);
  Message stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kSent);
  EXPECT_EQ(stored.provider_message_id, "SM123");
  EXPECT_EQ(stored.connector, "sim");
  EXPECT_EQ(stored.updated_at, now + 100);
  EXPECT_EQ(stored.attempts, 1);

  r = apply1({.message_id = m.id, .to = Status::kDelivered, .at = now + 200});
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.message->status, Status::kDelivered);
  EXPECT_EQ(get(m.id).status, Status::kDelivered);

  // A late `sent` after `delivered` is recorded but does not move the status backwards.
  Transition late{.message_id = m.id, .to = Status::kSent, .at = now + 300};
  late.provider_status = "late";
  late.provider_message_id = "SM-OTHER";
  r = apply1(late);
  EXPECT_TRUE(r.found);
  EXPECT_FALSE(r.applied);
  EXPECT_EQ(r.message->status, Status::kDelivered);
  stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kDelivered);
  EXPECT_EQ(stored.updated_at, now + 200);
  EXPECT_EQ(stored.provider_message_id, "SM123");
  // Nor do other finals, or a repeat; a repeat that brings nothing new is not even recorded
  // (the message row already says it), while a repeat with an error is.
  EXPECT_FALSE(apply1({.message_id = m.id, .to = Status::kFailed, .at = now + 400}).applied);
  EXPECT_FALSE(apply1({.message_id = m.id, .to = Status::kDelivered, .at = now + 500}).applied);
  EXPECT_FALSE(
      apply1({.message_id = m.id, .to = Status::kDelivered, .at = now + 600, .error_code = "30008"})
          .applied);
  EXPECT_EQ(get(m.id).status, Status::kDelivered);

  auto ev = unwrap(store_->status().list_events(m.id));
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
  EXPECT_EQ(ev[6].at, now + 600);
  EXPECT_EQ(ev[6].error_code, "30008");

  r = apply1({.message_id = "msg_unknown", .to = Status::kSent, .at = now});
  EXPECT_FALSE(r.found);
  EXPECT_FALSE(r.applied);
}

TEST_P(StatusRepositoryTest, ApplyRecordsErrorsAndRunsABatchInOrder) {
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
  EXPECT_EQ(rs[0].message->id, a.id);
  EXPECT_EQ(rs[0].message->error_code, "30003");
  EXPECT_FALSE(rs[1].found);
  EXPECT_TRUE(rs[2].applied);
  EXPECT_EQ(rs[2].message->id, b.id);
  EXPECT_TRUE(rs[3].found);
  EXPECT_FALSE(rs[3].applied) << "sent -> queued is not a legal transition";
  EXPECT_EQ(rs[3].message->status, Status::kSent) << "later transitions see earlier ones";
  EXPECT_TRUE(rs[4].applied);
  EXPECT_EQ(rs[4].message->status, Status::kCanceled);

  Message stored = get(a.id);
  EXPECT_EQ(stored.status, Status::kUndelivered);
  EXPECT_EQ(stored.error_code, "30003");
  EXPECT_EQ(stored.error_message, "Unreachable destination handset");
  auto ev = unwrap(store_->status().list_events(a.id));
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().error_code, "30003");
  EXPECT_EQ(ev.back().error_message, "Unreachable destination handset");
  EXPECT_EQ(ev.back().provider_status, "undelivered");
  EXPECT_EQ(get(b.id).status, Status::kSent);
  EXPECT_EQ(get(c.id).status, Status::kCanceled);
}

TEST_P(StatusRepositoryTest, ApplyHonoursExpectGuard) {
  const TimeMs now = kT0 + 1000;
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(now).size(), 1u);

  Transition guarded{.message_id = m.id, .to = Status::kSent, .at = now + 1};
  guarded.expect = Status::kQueued;
  auto r = apply1(guarded);
  EXPECT_TRUE(r.found);
  EXPECT_FALSE(r.applied);
  EXPECT_EQ(r.message->status, Status::kSending);
  EXPECT_EQ(get(m.id).status, Status::kSending);
  auto ev = unwrap(store_->status().list_events(m.id));
  ASSERT_EQ(ev.size(), 3u) << "a refused transition is still recorded";
  EXPECT_EQ(ev[2].status, Status::kSent);
  EXPECT_FALSE(ev[2].applied);

  guarded.expect = Status::kSending;
  r = apply1(guarded);
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(get(m.id).status, Status::kSent);
}

TEST_P(StatusRepositoryTest, RetryRequeuesForLater) {
  const TimeMs now = kT0 + 1000;
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(now).size(), 1u);

  Transition retry{.message_id = m.id, .to = Status::kQueued, .at = now + 10};
  retry.next_attempt_at = now + 60'000;
  retry.expect = Status::kSending;
  retry.error_code = "provider_timeout";
  auto r = apply1(retry);
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.message->status, Status::kQueued);
  EXPECT_EQ(r.message->next_attempt_at, now + 60'000);
  Message stored = get(m.id);
  EXPECT_EQ(stored.status, Status::kQueued);
  EXPECT_EQ(stored.next_attempt_at, now + 60'000);
  EXPECT_EQ(stored.attempts, 1);
  EXPECT_EQ(unwrap(store_->messages().next_due()), now + 60'000);

  EXPECT_TRUE(claim(now + 59'999).empty());
  auto again = claim(now + 60'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, m.id);
  EXPECT_EQ(again[0].attempts, 2);

  // A retry without a time is due at once.
  r = apply1({.message_id = m.id, .to = Status::kQueued, .at = now + 70'000});
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(unwrap(store_->messages().next_due()), now + 70'000);
  EXPECT_EQ(claim(now + 70'000).size(), 1u);
}

TEST_P(StatusRepositoryTest, ApplyProviderStatusMatchesConnectorAndProviderId) {
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

  ProviderStatus delivered{.connector = "sim",
                           .provider_message_id = "SM-1",
                           .status = Status::kDelivered,
                           .at = now + 50,
                           .provider_status = "DELIVRD"};
  ProviderStatus unknown{.connector = "sim",
                         .provider_message_id = "SM-404",
                         .status = Status::kDelivered,
                         .at = now + 51};
  ProviderStatus wrong_connector{.connector = "telnyx",
                                 .provider_message_id = "SM-1",
                                 .status = Status::kDelivered,
                                 .at = now + 52};
  auto r = store_->status().apply(from_reports({delivered, unknown, wrong_connector}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_TRUE((*r)[0].found);
  EXPECT_TRUE((*r)[0].applied);
  EXPECT_EQ((*r)[0].message->id, m.id);
  EXPECT_EQ((*r)[0].message->status, Status::kDelivered);
  EXPECT_FALSE((*r)[1].found);
  EXPECT_FALSE((*r)[1].applied);
  EXPECT_FALSE((*r)[2].found);

  EXPECT_EQ(get(m.id).status, Status::kDelivered);
  EXPECT_EQ(get(m.id).updated_at, now + 50);
  EXPECT_EQ(get(n.id, kAcctB).status, Status::kSent) << "matched by connector too";
  auto ev = unwrap(store_->status().list_events(m.id));
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().status, Status::kDelivered);
  EXPECT_EQ(ev.back().provider_status, "DELIVRD");
  EXPECT_EQ(ev.back().at, now + 50);

  // Late or out-of-order report: recorded, not applied.
  ProviderStatus late{.connector = "sim",
                      .provider_message_id = "SM-1",
                      .status = Status::kSent,
                      .at = now + 60,
                      .provider_status = "sent"};
  r = store_->status().apply(from_reports({late}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].found);
  EXPECT_FALSE((*r)[0].applied);
  EXPECT_EQ((*r)[0].message->status, Status::kDelivered);
  EXPECT_EQ(unwrap(store_->status().list_events(m.id)).back().provider_status, "sent");
  EXPECT_FALSE(unwrap(store_->status().list_events(m.id)).back().applied);

  // Undelivered with an error for the other message.
  ProviderStatus undelivered{.connector = "twilio",
                             .provider_message_id = "SM-1",
                             .status = Status::kUndelivered,
                             .at = now + 70,
                             .provider_status = "undelivered",
                             .error_code = "30005",
                             .error_message = "Unknown destination"};
  r = store_->status().apply(from_reports({undelivered}));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].applied);
  Message stored = get(n.id, kAcctB);
  EXPECT_EQ(stored.status, Status::kUndelivered);
  EXPECT_EQ(stored.error_code, "30005");
  EXPECT_EQ(stored.error_message, "Unknown destination");
}

// A batch larger than one statement's chunk (64): every message found by its reference or id,
// each written once with its own values, results in input order (PostgreSQL reads and writes
// such a batch a chunk at a time).
TEST_P(StatusRepositoryTest, ABatchOfManyReportsFindsAndWritesEveryMessage) {
  const TimeMs now = kT0 + 1000;
  constexpr int kMessages = 70;  // 64 + 4 + 1 + 1
  std::vector<Message> ms;
  for (int i = 0; i < kMessages; ++i) ms.push_back(add(outbound(kAcctA, kT0 + i)));
  ASSERT_EQ(claim(now).size(), static_cast<size_t>(kMessages));
  std::vector<Transition> sent;
  for (int i = 0; i < kMessages; ++i) {
    Transition t{.message_id = ms[i].id, .to = Status::kSent, .at = now + i};
    t.provider_message_id = "SM-" + std::to_string(i);
    t.connector = i % 2 ? "sim" : "twilio";
    sent.push_back(t);
  }
  auto r = apply(sent);
  ASSERT_EQ(r.size(), static_cast<size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_TRUE(r[i].applied) << i;

  // Reports in reverse order, with one unknown reference in the middle and an error on some.
  std::vector<ProviderStatus> reports;
  for (int i = kMessages - 1; i >= 0; --i) {
    ProviderStatus p{.connector = i % 2 ? "sim" : "twilio",
                     .provider_message_id = "SM-" + std::to_string(i),
                     .status = i % 3 ? Status::kDelivered : Status::kUndelivered,
                     .at = now + 100 + i};
    if (i % 3 == 0) p.error_code = "E" + std::to_string(i);
    reports.push_back(p);
    if (i == kMessages / 2) reports.push_back({.connector = "sim", .provider_message_id = "SM-X"});
  }
  auto applied = store_->status().apply(from_reports(reports), {.messages = false});
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  ASSERT_EQ(applied->size(), reports.size());
  for (size_t k = 0; k < reports.size(); ++k) {
    const bool unknown = reports[k].provider_message_id == "SM-X";
    EXPECT_EQ((*applied)[k].found, !unknown) << k;
    EXPECT_EQ((*applied)[k].applied, !unknown) << k;
  }
  for (int i = 0; i < kMessages; ++i) {
    const Message m = get(ms[i].id);
    EXPECT_EQ(m.status, i % 3 ? Status::kDelivered : Status::kUndelivered) << i;
    EXPECT_EQ(m.updated_at, now + 100 + i) << i;
    EXPECT_EQ(m.provider_message_id, "SM-" + std::to_string(i)) << i;
    EXPECT_EQ(m.connector, i % 2 ? "sim" : "twilio") << i;
    EXPECT_EQ(m.error_code, i % 3 ? "" : "E" + std::to_string(i)) << i;
  }
}

// Without the messages (ApplyOptions::messages false), apply answers found/applied/callback with
// the same effects: several reports for one message in one batch apply in order, each with its
// event row.
TEST_P(StatusRepositoryTest, SummaryFormsApplyLikeTheFullForms) {
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
  auto s = store_->status().apply(
      {sent_m, sent_p, {.message_id = "msg_unknown", .to = Status::kSent, .at = now}},
      {.messages = false});
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->size(), 3u);
  EXPECT_TRUE((*s)[0].found && (*s)[0].applied && (*s)[0].callback_queued);
  EXPECT_EQ((*s)[0].message_id, m.id);
  EXPECT_EQ((*s)[0].status, Status::kSent);
  EXPECT_FALSE((*s)[0].message.has_value());
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
  auto r = store_->status().apply(from_reports({{.connector = "sim",
                                                 .provider_message_id = "SM-A",
                                                 .status = Status::kSent,
                                                 .at = now + 2,
                                                 .provider_status = "sent"},
                                                {.connector = "sim",
                                                 .provider_message_id = "SM-A",
                                                 .status = Status::kDelivered,
                                                 .at = now + 3,
                                                 .provider_status = "delivered"},
                                                {.connector = "sim",
                                                 .provider_message_id = "SM-A",
                                                 .status = Status::kSent,
                                                 .at = now + 4,
                                                 .provider_status = "sent"},
                                                {.connector = "sim",
                                                 .provider_message_id = "SM-B",
                                                 .status = Status::kUndelivered,
                                                 .at = now + 5,
                                                 .provider_status = "undelivered",
                                                 .error_code = "30003",
                                                 .error_message = "Unreachable"},
                                                {.connector = "sim",
                                                 .provider_message_id = "SM-404",
                                                 .status = Status::kDelivered,
                                                 .at = now + 6}}),
                                  {.messages = false, .durable = true});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  EXPECT_FALSE((*r)[1].message.has_value()) << "no message read back";
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

  auto ev = unwrap(store_->status().list_events(m.id));
  ASSERT_GE(ev.size(), 5u);
  // The duplicate `sent` brought nothing new: not recorded; the late one after `delivered` is.
  const std::vector<std::pair<Status, bool>> tail = {
      {Status::kSent, true}, {Status::kDelivered, true}, {Status::kSent, false}};
  for (size_t i = 0; i < tail.size(); ++i) {
    const auto& e = ev[ev.size() - tail.size() + i];
    EXPECT_EQ(e.status, tail[i].first) << i;
    EXPECT_EQ(e.applied, tail[i].second) << i;
  }
  auto ds = unwrap(store_->deliveries().list(m.id));
  ASSERT_EQ(ds.size(), 2u);
  auto payload = nlohmann::json::parse(ds.back().payload, nullptr, false);
  ASSERT_FALSE(payload.is_discarded());
  EXPECT_EQ(payload.value("status", ""), "delivered");
  EXPECT_EQ(payload.value("previous_status", ""), "sent");
  EXPECT_EQ(payload["message"]["provider_message_id"], "SM-A");
  EXPECT_EQ(payload["message"]["metadata"]["order"], "9");
  EXPECT_TRUE(unwrap(store_->deliveries().list(plain.id)).empty());
}

TEST_P(StatusRepositoryTest, CanceledScheduledMessageLeavesTheOutbox) {
  Message m = add(scheduled_at(kAcctA, kT0, kT0 + 60'000));
  Transition t;
  t.message_id = m.id;
  t.to = Status::kCanceled;
  t.at = kT0 + 1;
  t.expect = Status::kScheduled;
  auto r = apply1(t);
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.message->status, Status::kCanceled);
  EXPECT_FALSE(unwrap(store_->messages().next_due()));
  EXPECT_TRUE(claim(kT0 + 1'000'000).empty());
  EXPECT_FALSE(apply1(t).applied) << "canceling twice changes nothing";
}

TEST_P(StatusRepositoryTest, DeferralRecordsDeferredUntil) {
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

TEST_P(StatusRepositoryTest, ConcurrentStatusUpdatesNeverMoveBackwards) {
  // The dispatcher records `sent` while the provider's `delivered` webhook races it.
  constexpr int kMessages = 150;
  const TimeMs now = kT0 + 1000;
  std::vector<NewMessage> batch;
  for (int i = 0; i < kMessages; ++i) batch.push_back({outbound(kAcctA, kT0 + i), {}});
  auto ins = store_->messages().insert(batch);
  ASSERT_TRUE(ins.ok()) << ins.error().message;
  ASSERT_EQ(claim(now, 600'000, 1000).size(), static_cast<size_t>(kMessages));

  Store& webhook_instance = another_instance();
  std::barrier in_step(2);  // both threads update the same message at the same moment
  std::atomic<int> errors{0};
  auto run = [&](Store& s, Status to, TimeMs at) {
    for (const auto& nm : batch) {
      in_step.arrive_and_wait();
      auto r = s.status().apply({{.message_id = nm.message.id, .to = to, .at = at}});
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
    auto ev = unwrap(store_->status().list_events(m.id));
    ASSERT_EQ(ev.size(), 3u);  // sending, sent, delivered in some order
    Status last_applied = Status::kSending;
    for (const auto& e : ev) {
      if (e.applied) last_applied = e.status;
    }
    EXPECT_EQ(last_applied, m.status) << m.id;
  }
  EXPECT_EQ(backwards, 0) << "messages left in `sent` after `delivered` was applied";
}

TEST_P(StatusRepositoryTest, AnUnknownReportIsKeptOnlyWhenAskedAndAppliedOnceItsSendIsKnown) {
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(kT0).size(), 1u);
  auto early = from_reports({report("SMo", Status::kDelivered, kT0 + 5, "delivered")});
  early[0].detail = "pushed";
  // Not asked to keep it: only reported unknown.
  auto r = unwrap(store_->status().apply(early, {.messages = false}));
  EXPECT_FALSE(r[0].found);
  EXPECT_FALSE(r[0].orphaned);
  // Asked: kept.
  r = unwrap(store_->status().apply(early, {.messages = false, .keep_orphans = kT0 + 5}));
  EXPECT_FALSE(r[0].found);
  EXPECT_TRUE(r[0].orphaned);
  EXPECT_TRUE(unwrap(store_->status().match_orphans()).empty());  // its send is not known yet

  Transition sent{.message_id = m.id, .to = Status::kSent, .at = kT0 + 6};
  sent.provider_message_id = "SMo";
  sent.connector = "tw";
  ASSERT_TRUE(apply1(sent).applied);
  auto matched = unwrap(store_->status().match_orphans());
  ASSERT_EQ(matched.size(), 1u);  // the one that was kept
  EXPECT_TRUE(matched[0].applied);
  ASSERT_TRUE(matched[0].message.has_value());
  EXPECT_EQ(matched[0].message->status, Status::kDelivered);
  EXPECT_TRUE(unwrap(store_->status().match_orphans()).empty());
  auto ev = unwrap(store_->status().list_events(m.id));
  EXPECT_EQ(ev.back().status, Status::kDelivered);
  EXPECT_EQ(ev.back().detail, "pushed");
  EXPECT_EQ(ev.back().provider_status, "delivered");
}

TEST_P(StatusRepositoryTest, OrphansOlderThanTheRetentionArePruned) {
  auto reports = from_reports({report("SMold", Status::kDelivered, kT0, "delivered"),
                               report("SMnew", Status::kDelivered, kT0 + 100, "delivered")});
  ASSERT_TRUE(store_->status().apply({reports[0]}, {.keep_orphans = kT0}).ok());
  ASSERT_TRUE(store_->status().apply({reports[1]}, {.keep_orphans = kT0 + 100}).ok());
  EXPECT_EQ(unwrap(store_->status().prune_orphans(kT0 + 50)), 1);
  EXPECT_EQ(unwrap(store_->status().prune_orphans(kT0 + 50)), 0);

  // The newer one still waits for its message.
  Message m = add(outbound(kAcctA, kT0));
  ASSERT_EQ(claim(kT0).size(), 1u);
  Transition sent{.message_id = m.id, .to = Status::kSent, .at = kT0 + 200};
  sent.provider_message_id = "SMnew";
  sent.connector = "tw";
  ASSERT_TRUE(apply1(sent).applied);
  EXPECT_EQ(unwrap(store_->status().match_orphans()).size(), 1u);
  EXPECT_EQ(get(m.id).status, Status::kDelivered);
}

INSTANTIATE_TEST_SUITE_P(Backends, StatusRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
