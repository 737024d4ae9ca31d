// Per-sender throughput slots and the connector circuit breaker.
#include <gtest/gtest.h>

#include "engine/circuit.h"
#include "engine/throughput.h"

namespace sb::engine {
namespace {

TEST(Throughput, ABurstLeavesAtTheRateFromTheFirstSecond) {
  ThroughputLimiter l;
  std::vector<TimeMs> slots;
  for (int i = 0; i < 1000; ++i) slots.push_back(l.reserve("+12025550100", 10.0, 5'000));
  EXPECT_EQ(slots.front(), 5'000);
  EXPECT_EQ(slots[1], 5'100);
  EXPECT_EQ(slots.back(), 5'000 + 999 * 100);
  // No one-second window holds more than 10 sends.
  for (size_t i = 10; i < slots.size(); ++i) EXPECT_GE(slots[i] - slots[i - 10], 1000);
  // Senders are independent; an idle sender starts again at `now`.
  EXPECT_EQ(l.reserve("+12025550101", 10.0, 5'000), 5'000);
  EXPECT_EQ(l.reserve("+12025550101", 10.0, 900'000), 900'000);
}

TEST(Throughput, FractionalRates) {
  ThroughputLimiter l;
  EXPECT_EQ(l.reserve("s", 3.0, 0), 0);
  EXPECT_EQ(l.reserve("s", 3.0, 0), 334);  // ceil(333.3)
  EXPECT_EQ(l.reserve("s", 3.0, 0), 667);
}

// A send that left late (slot 1,100, sent at 1,180) pushes the next one (slot 1,200) back to a
// full 1/rate after it, so the carrier never sees two sends closer than 1/rate.
TEST(Throughput, ALateSendPushesTheNextOneBack) {
  ThroughputLimiter l;
  using A = ThroughputLimiter::Admission;
  const auto admit = [&](const char* id, TimeMs now, double rate = 10.0) {
    const A a = l.admit("s", id, rate, now, 5);
    return std::pair(a.send, a.retry_at);
  };
  EXPECT_EQ(admit("a", 1'000), std::pair(true, TimeMs{1'000}));
  EXPECT_EQ(admit("b", 1'000), std::pair(false, TimeMs{1'100}));  // its slot
  EXPECT_EQ(admit("c", 1'000), std::pair(false, TimeMs{1'200}));
  EXPECT_EQ(admit("b", 1'180), std::pair(true, TimeMs{1'180}));   // claimed late
  EXPECT_EQ(admit("c", 1'200), std::pair(false, TimeMs{1'280}));  // not yet: nothing recorded
  EXPECT_EQ(admit("c", 1'276), std::pair(true, TimeMs{1'276}));   // within the tolerance
  EXPECT_EQ(l.admit("t", "x", 10.0, 1'277, 5).send, true);         // other senders unaffected
  EXPECT_EQ(admit("d", 1'400, 3.0), std::pair(false, TimeMs{1'610}));  // 1,276 + ceil(333.3)
  EXPECT_EQ(admit("d", 1'610, 3.0).first, true);
  EXPECT_EQ(l.places(), 0u);
}

// A message whose slot has come still waits for the ones ahead of it in its number's line:
// under load the one ahead may come back after it (its deferral was written late).
TEST(Throughput, AMessageLeavesOnlyAfterTheOnesAheadOfIt) {
  ThroughputLimiter l;
  EXPECT_TRUE(l.admit("s", "a", 10.0, 0, 5).send);
  EXPECT_EQ(l.admit("s", "b", 10.0, 0, 5).retry_at, 100);
  EXPECT_EQ(l.admit("s", "c", 10.0, 0, 5).retry_at, 200);
  // c comes back at its slot, b has not yet: c waits an interval past the soonest b could go.
  const auto c = l.admit("s", "c", 10.0, 250, 5);
  EXPECT_FALSE(c.send);
  EXPECT_EQ(c.retry_at, 350);
  EXPECT_TRUE(l.admit("s", "b", 10.0, 260, 5).send);
  EXPECT_FALSE(l.admit("s", "c", 10.0, 300, 5).send);  // 1/rate after b
  EXPECT_TRUE(l.admit("s", "c", 10.0, 360, 5).send);
  EXPECT_EQ(l.places(), 0u);
}

// A place abandoned by its message (another instance claimed it, or it is stuck) holds the line
// only until it is stale_after() past its slot; forget() releases it at once.
TEST(Throughput, AnAbandonedPlaceHoldsTheLineOnlyUntilStale) {
  ThroughputLimiter l;
  EXPECT_TRUE(l.admit("s", "a", 10.0, 0, 5).send);
  EXPECT_EQ(l.admit("s", "b", 10.0, 0, 5).retry_at, 100);  // b never comes back
  EXPECT_EQ(l.admit("s", "c", 10.0, 0, 5).retry_at, 200);
  EXPECT_FALSE(l.admit("s", "c", 10.0, 1'000, 5).send);
  EXPECT_EQ(ThroughputLimiter::stale_after(10.0), 2'000);
  EXPECT_FALSE(l.admit("s", "c", 10.0, 100 + 2'000, 5).send);
  EXPECT_TRUE(l.admit("s", "c", 10.0, 100 + 2'001, 5).send);
  EXPECT_EQ(l.places(), 0u);  // b's place went with it

  // Slow senders: two intervals.
  EXPECT_EQ(ThroughputLimiter::stale_after(0.2), 10'000);

  EXPECT_TRUE(l.admit("t", "d", 1.0, 0, 5).send);
  EXPECT_EQ(l.admit("t", "e", 1.0, 0, 5).retry_at, 1'000);
  EXPECT_EQ(l.admit("t", "f", 1.0, 0, 5).retry_at, 2'000);
  l.forget("e");  // failed (opted out, expired): f goes at its slot
  EXPECT_TRUE(l.admit("t", "f", 1.0, 2'000, 5).send);
  EXPECT_EQ(l.places(), 0u);
}

TEST(Circuit, OpensAfterRepeatedTransientFailuresAndProbesBeforeClosing) {
  CircuitBreaker c({3, 1000, 8000, 60'000});
  using K = providers::FailureKind;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.allow(0));
    c.record(K::kTransient, "503", 0);
  }
  EXPECT_EQ(c.snapshot().state, CircuitState::kClosed);
  ASSERT_TRUE(c.allow(0));
  c.record(K::kTransient, "503 down", 10);
  EXPECT_EQ(c.snapshot().state, CircuitState::kOpen);
  EXPECT_EQ(c.snapshot().reason, "503 down");
  EXPECT_FALSE(c.allow(500));
  EXPECT_EQ(c.retry_at(500), 1010);
  // Cool-down over: exactly one probe.
  EXPECT_TRUE(c.allow(1010));
  EXPECT_EQ(c.snapshot().state, CircuitState::kHalfOpen);
  EXPECT_FALSE(c.allow(1011));
  // The probe fails: open again, twice as long.
  c.record(K::kTransient, "503", 1020);
  EXPECT_EQ(c.snapshot().state, CircuitState::kOpen);
  EXPECT_FALSE(c.allow(2500));
  EXPECT_TRUE(c.allow(3020));
  c.record(std::nullopt, "", 3030);
  EXPECT_EQ(c.snapshot().state, CircuitState::kClosed);
  EXPECT_TRUE(c.allow(3031));
  EXPECT_TRUE(c.allow(3031));
}

// A claimed batch is sent in parallel and its outcomes are recorded together: the failures after
// the one that opened the circuit came from sends already in flight, not from probes (found by
// tests/faults/chaos_provider.py: a 2 s outage of the provider opened the circuit for the
// 5-minute maximum).
TEST(Circuit, FailuresOfSendsInFlightWhenItOpenedDoNotProlongTheCoolDown) {
  CircuitBreaker c({3, 1000, 300'000, 60'000});
  using K = providers::FailureKind;
  for (int i = 0; i < 64; ++i) c.record(K::kTransient, "503", 10);
  EXPECT_EQ(c.snapshot().state, CircuitState::kOpen);
  EXPECT_EQ(c.snapshot().retry_at, 1010);
  EXPECT_FALSE(c.allow(1009));
  // The probe fails: twice as long, once; late failures of that round change nothing.
  ASSERT_TRUE(c.allow(1010));
  c.record(K::kTransient, "503", 1020);
  for (int i = 0; i < 10; ++i) c.record(K::kTransient, "503", 1030);
  EXPECT_EQ(c.snapshot().state, CircuitState::kOpen);
  EXPECT_EQ(c.snapshot().retry_at, 3020);
  ASSERT_TRUE(c.allow(3020));
  c.record(std::nullopt, "", 3030);
  EXPECT_EQ(c.snapshot().state, CircuitState::kClosed);
}

TEST(Circuit, AuthFailureOpensAtOnceAndAProviderAnswerCloses) {
  CircuitBreaker c({5, 1000, 8000, 60'000});
  c.record(providers::FailureKind::kAuth, "20003 Authenticate", 0);
  EXPECT_EQ(c.snapshot().state, CircuitState::kOpen);
  EXPECT_EQ(c.snapshot().retry_at, 60'000);
  EXPECT_TRUE(c.allow(60'000));
  // A permanent refusal of one message still proves the provider and credentials work.
  c.record(providers::FailureKind::kPermanent, "21211", 60'001);
  EXPECT_EQ(c.snapshot().state, CircuitState::kClosed);
}

}  // namespace
}  // namespace sb::engine
