// Retry decisions: what each send outcome does to a message.
#include "engine/retry.h"

#include <gtest/gtest.h>

namespace sb::engine {
namespace {

Message claimed(int attempts) {
  Message m;
  m.id = "msg_x";
  m.connector = "sim";
  m.status = Status::kSending;
  m.attempts = attempts;
  m.created_at = 1'000'000;
  return m;
}

TEST(Retry, AcceptedBecomesSentWithProviderId) {
  auto t = decide(claimed(1), providers::SendAccepted{"SM1", "queued"}, 2'000'000, {}, 0.5);
  EXPECT_EQ(t.to, Status::kSent);
  EXPECT_EQ(*t.provider_message_id, "SM1");
  EXPECT_EQ(t.provider_status, "queued");
  EXPECT_EQ(*t.expect, Status::kSending);
}

TEST(Retry, PermanentFailsAndKeepsProviderError) {
  auto t = decide(claimed(1),
                  providers::SendFailure{providers::FailureKind::kPermanent, "21211", "bad", {}},
                  2'000'000, {}, 0.5);
  EXPECT_EQ(t.to, Status::kFailed);
  EXPECT_EQ(t.error_code, "21211");
  EXPECT_EQ(t.error_message, "bad");
}

TEST(Retry, TransientRequeuesWithExponentialBackoffThenGivesUp) {
  RetryPolicy p;
  p.max_attempts = 3;
  p.base_delay_ms = 1000;
  const providers::SendFailure f{providers::FailureKind::kTransient, "503", "down", {}};
  auto t1 = decide(claimed(1), f, 10'000'000, p, 0.5);
  EXPECT_EQ(t1.to, Status::kQueued);
  EXPECT_EQ(*t1.next_attempt_at, 10'000'000 + 1000);
  auto t2 = decide(claimed(2), f, 10'000'000, p, 0.5);
  EXPECT_EQ(*t2.next_attempt_at, 10'000'000 + 2000);
  auto t3 = decide(claimed(3), f, 10'000'000, p, 0.5);
  EXPECT_EQ(t3.to, Status::kFailed);
}

TEST(Retry, BackoffIsCappedAndJittered) {
  RetryPolicy p;
  p.base_delay_ms = 1000;
  p.max_delay_ms = 8000;
  EXPECT_EQ(backoff_ms(p, 1, 0.5), 1000);
  EXPECT_EQ(backoff_ms(p, 30, 0.5), 8000);
  EXPECT_EQ(backoff_ms(p, 1, 0.0), 800);
  EXPECT_EQ(backoff_ms(p, 1, 0.999999), 1199);
}

TEST(Retry, RateLimitHonoursRetryAfterAndDoesNotCountAgainstAttempts) {
  RetryPolicy p;
  p.max_attempts = 1;
  auto t = decide(claimed(5),
                  providers::SendFailure{providers::FailureKind::kRateLimited, "20429", "slow", 7000},
                  1'000'000, p, 0.5);
  EXPECT_EQ(t.to, Status::kQueued);
  EXPECT_EQ(*t.next_attempt_at, 1'007'000);
}

TEST(Retry, AuthFailuresHoldTheMessage) {
  RetryPolicy p;
  p.auth_retry_ms = 60'000;
  auto t = decide(claimed(50),
                  providers::SendFailure{providers::FailureKind::kAuth, "20003", "auth", {}},
                  1'000'000, p, 0.5);
  EXPECT_EQ(t.to, Status::kQueued);
  EXPECT_EQ(*t.next_attempt_at, 1'060'000);
}

TEST(Retry, ValidityPeriodBoundsRetries) {
  Message m = claimed(1);
  m.validity_period_s = 10;
  const providers::SendFailure f{providers::FailureKind::kTransient, "503", "down", {}};
  RetryPolicy p;
  p.base_delay_ms = 20'000;
  auto t = decide(m, f, m.created_at + 1000, p, 0.5);
  EXPECT_EQ(t.to, Status::kExpired);
  EXPECT_FALSE(expiry(m, m.created_at + 9'999).has_value());
  auto e = expiry(m, m.created_at + 10'000);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->to, Status::kExpired);
}

}  // namespace
}  // namespace sb::engine
