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

// A send that left late (slot 1,000, sent at 1,080) pushes the next one (slot 1,100) back to a
// full 1/rate after it, so the carrier never sees two sends closer than 1/rate.
TEST(Throughput, ALateSendPushesTheNextOneBack) {
  ThroughputLimiter l;
  EXPECT_EQ(l.take_send("s", 10.0, 1'080, 5), 1'080);
  EXPECT_EQ(l.take_send("s", 10.0, 1'100, 5), 1'180);  // not yet: recorded nothing
  EXPECT_EQ(l.take_send("s", 10.0, 1'176, 5), 1'176);  // within the tolerance
  EXPECT_EQ(l.take_send("t", 10.0, 1'177, 5), 1'177);  // other senders are not affected
  EXPECT_EQ(l.take_send("s", 3.0, 1'400, 5), 1'510);  // 1,176 + ceil(333.3)
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
