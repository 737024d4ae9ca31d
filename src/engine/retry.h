// Retry policy and the pure decision of what a send outcome does to a message.
#pragma once

#include <cstdint>

#include "providers/connector.h"
#include "store/status_repository.h"

namespace sb::engine {

struct RetryPolicy {
  int max_attempts = 10;           // transient failures before the message fails
  int64_t base_delay_ms = 1'000;   // first retry delay; doubles each attempt
  int64_t max_delay_ms = 300'000;  // cap on one delay
  int64_t auth_retry_ms = 60'000;  // how long to hold messages while credentials are rejected
};

// Exponential back-off for `attempt` (1-based), with +-20% jitter from `jitter` in [0, 1).
int64_t backoff_ms(const RetryPolicy& p, int attempt, double jitter);

// Turns a claimed message plus the connector's outcome into the transition to store.
// Success: sent. Permanent (or unsupported): failed. Transient/rate-limited: queued again with a
// delay, unless attempts are exhausted or the retry would land past the message's validity period
// (then failed or expired). Auth: queued again after auth_retry_ms (never lost, never counted).
store::Transition decide(const Message& m, const providers::SendResult& outcome, TimeMs now,
                         const RetryPolicy& policy, double jitter);

// The transition for a message whose validity period ran out before it could be sent; nullopt
// when it is still valid.
std::optional<store::Transition> expiry(const Message& m, TimeMs now);

}  // namespace sb::engine
