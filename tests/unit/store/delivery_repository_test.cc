// DeliveryRepository: status callbacks and forwards, leased, retried, finished, every attempt
// logged; every test runs on SQLite and PostgreSQL (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class DeliveryRepositoryTest : public StoreContractTest {};

TEST_P(DeliveryRepositoryTest, StatusCallbackEnqueuesDeliveryWithPayload) {
  const TimeMs now = kT0 + 1000;
  Message m = outbound(kAcctA, kT0);
  m.status_callback = "https://app.example.com/cb";
  m.metadata = {{"order", "7"}};
  add(m);
  Message quiet = add(outbound(kAcctA, kT0 + 1));  // no callback
  ASSERT_EQ(claim(now).size(), 2u);
  const size_t before = unwrap(store_->deliveries().list(m.id)).size();

  Transition sent{.message_id = m.id, .to = Status::kSent, .at = now + 10};
  sent.provider_message_id = "SM-9";
  sent.connector = "sim";
  ASSERT_TRUE(apply1(sent).applied);
  ASSERT_TRUE(apply1({.message_id = quiet.id, .to = Status::kSent, .at = now + 10}).applied);
  EXPECT_TRUE(unwrap(store_->deliveries().list(quiet.id)).empty());

  auto ds = unwrap(store_->deliveries().list(m.id));
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
  auto r = store_->status().apply(from_reports({{.connector = "sim",
                                                 .provider_message_id = "SM-9",
                                                 .status = Status::kDelivered,
                                                 .at = now + 20}}));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)[0].applied);
  EXPECT_FALSE(apply1({.message_id = m.id, .to = Status::kSent, .at = now + 30}).applied);
  ds = unwrap(store_->deliveries().list(m.id));
  ASSERT_EQ(ds.size(), before + 2);
  auto p2 = nlohmann::json::parse(ds.back().payload, nullptr, false);
  ASSERT_FALSE(p2.is_discarded());
  EXPECT_EQ(p2.value("status", ""), "delivered");
  EXPECT_EQ(p2["message"].value("status", ""), "delivered");
  EXPECT_EQ(p2["message"].value("id", ""), m.id);
  EXPECT_NE(ds.back().id, ds[ds.size() - 2].id);
}

TEST_P(DeliveryRepositoryTest, DeliveriesAreLeasedRetriedAndFinished) {
  const TimeMs now = kT0 + 1000;
  Message m = outbound(kAcctA, kT0);
  m.status_callback = "https://app.example.com/cb";
  add(m);
  ASSERT_EQ(claim(now).size(), 1u);
  const TimeMs t1 = now + 100, t2 = now + 200;
  ASSERT_TRUE(apply1({.message_id = m.id, .to = Status::kSent, .at = t1}).applied);
  ASSERT_TRUE(apply1({.message_id = m.id, .to = Status::kDelivered, .at = t2}).applied);
  auto all = unwrap(store_->deliveries().list(m.id));
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

  ASSERT_TRUE(store_->deliveries().finish(d2, true, true, 200, "", t2 + 5, std::nullopt).ok());
  ASSERT_TRUE(store_->deliveries()
                  .finish(d1, false, false, 503, "unavailable", t1 + 10'001, t1 + 50'000)
                  .ok());
  EXPECT_TRUE(claim_deliveries(t1 + 49'999).empty()) << "d1 waits for retry_at; d2 is done";
  c = claim_deliveries(t1 + 50'000, 10'000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, d1);
  EXPECT_EQ(c[0].attempts, 3);
  ASSERT_TRUE(
      store_->deliveries().finish(d1, true, false, 500, "gave up", t1 + 50'001, std::nullopt).ok());
  EXPECT_TRUE(claim_deliveries(t1 + 1'000'000'000).empty()) << "finished deliveries stay done";

  all = unwrap(store_->deliveries().list(m.id));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, d1);
  EXPECT_EQ(all[0].attempts, 3);
  EXPECT_EQ(all[1].id, d2);
  EXPECT_EQ(all[1].attempts, 1);
}

TEST_P(DeliveryRepositoryTest, ClaimDeliveriesRespectsLimit) {
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
  EXPECT_EQ(unwrap(store_->deliveries().list("msg_unknown")).size(), 0u);
}

TEST_P(DeliveryRepositoryTest, EveryDeliveryAttemptIsLoggedAndADeferralIsNotAnAttempt) {
  ASSERT_TRUE(
      store_->accounts().sync_numbers({{kOurs, kAcctA, "tw", true, true, "long_code"}}, kT0).ok());
  ASSERT_TRUE(store_->accounts()
                  .update_number_settings(kAcctA, kOurs, forward_to("https://app.example/in"), kT0)
                  .ok());
  auto in = webhook("SM1:received", "inbound", kT0 + 10);
  in.inbound = inbound_msg(kAcctA, kT0 + 10, "hi");
  ASSERT_TRUE(store_->webhooks().ingest(in).ok());
  const std::string mid = in.inbound->id;

  // Not ready: given back without counting an attempt.
  auto c = claim_deliveries(kT0 + 20);
  ASSERT_EQ(c.size(), 1u);
  const std::string id = c[0].id;
  ASSERT_TRUE(store_->deliveries().defer(id, kT0 + 500).ok());
  EXPECT_TRUE(claim_deliveries(kT0 + 499).empty());
  c = claim_deliveries(kT0 + 500);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].attempts, 1);

  DeliveryAttempt a1{.delivery_id = id,
                     .attempt = 1,
                     .at = kT0 + 500,
                     .duration_ms = 12,
                     .http_status = 503,
                     .error = "HTTP 503",
                     .response_excerpt = "{\"busy\":true}"};
  ASSERT_TRUE(store_->deliveries().record_attempt(a1, false, false, kT0 + 2000).ok());
  EXPECT_TRUE(claim_deliveries(kT0 + 1999).empty());
  c = claim_deliveries(kT0 + 2000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].attempts, 2);
  DeliveryAttempt a2{.delivery_id = id,
                     .attempt = 2,
                     .at = kT0 + 2000,
                     .duration_ms = 7,
                     .http_status = 0,
                     .error = "timed out"};
  ASSERT_TRUE(store_->deliveries().record_attempt(a2, false, false, kT0 + 5000).ok());
  c = claim_deliveries(kT0 + 5000);
  ASSERT_EQ(c.size(), 1u);
  DeliveryAttempt a3{.delivery_id = id,
                     .attempt = 3,
                     .at = kT0 + 5000,
                     .duration_ms = 3,
                     .http_status = 200,
                     .response_excerpt = "{\"reply\":{}}",
                     .reply_message_id = "msg_reply"};
  ASSERT_TRUE(store_->deliveries().record_attempt(a3, true, true, std::nullopt).ok());
  EXPECT_TRUE(claim_deliveries(kT0 + 1'000'000'000).empty()) << "delivered stays done";

  auto log = unwrap(another_instance().deliveries().list_attempts(mid));
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
  auto ds = unwrap(store_->deliveries().list(mid));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].state, "delivered");
  EXPECT_EQ(ds[0].attempts, 3);
  EXPECT_EQ(ds[0].last_status, 200);
  EXPECT_TRUE(unwrap(store_->deliveries().list_attempts("msg_other")).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, DeliveryRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
