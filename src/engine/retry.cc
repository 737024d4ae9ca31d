// Retry decisions.
#include "engine/retry.h"

#include <algorithm>
#include <cmath>

namespace sb::engine {

int64_t backoff_ms(const RetryPolicy& p, int attempt, double jitter) {
  const int shift = std::clamp(attempt - 1, 0, 30);
  const double base = std::min<double>(static_cast<double>(p.max_delay_ms),
                                       static_cast<double>(p.base_delay_ms) * std::ldexp(1.0, shift));
  return static_cast<int64_t>(base * (0.8 + 0.4 * jitter));
}

std::optional<store::Transition> expiry(const Message& m, TimeMs now) {
  if (!m.validity_period_s) return std::nullopt;
  // A scheduled message's validity starts at its scheduled time, not when it was accepted.
  const TimeMs start = m.send_at.value_or(m.created_at);
  if (now < start + *m.validity_period_s * 1000) return std::nullopt;
  store::Transition t;
  t.message_id = m.id;
  t.to = Status::kExpired;
  t.at = now;
  t.error_code = "validity_period_expired";
  t.error_message = "the message could not be sent within its validity period";
  t.expect = Status::kSending;
  return t;
}

store::Transition decide(const Message& m, const providers::SendResult& outcome, TimeMs now,
                         const RetryPolicy& policy, double jitter) {
  store::Transition t;
  t.message_id = m.id;
  t.at = now;
  t.expect = Status::kSending;
  t.connector = m.connector;
  if (outcome) {
    t.to = Status::kSent;
    t.provider_message_id = outcome->provider_message_id;
    t.provider_status = outcome->provider_status;
    return t;
  }
  const providers::SendFailure& f = outcome.error();
  t.error_code = f.code;
  t.error_message = f.message;
  t.detail = std::string(providers::to_string(f.kind)) + " failure on attempt " +
             std::to_string(m.attempts);
  // A send the connector cannot make at all is as final as a refusal.
  if (f.kind == providers::FailureKind::kPermanent ||
      f.kind == providers::FailureKind::kUnsupported) {
    t.to = Status::kFailed;
    return t;
  }
  int64_t delay;
  if (f.kind == providers::FailureKind::kAuth) {
    delay = policy.auth_retry_ms;
  } else if (f.kind == providers::FailureKind::kRateLimited && f.retry_after_ms) {
    delay = std::max<int64_t>(*f.retry_after_ms, 0);
  } else {
    delay = backoff_ms(policy, m.attempts, jitter);
  }
  const bool counted = f.kind == providers::FailureKind::kTransient;
  if (counted && m.attempts >= policy.max_attempts) {
    t.to = Status::kFailed;
    t.detail += "; giving up after " + std::to_string(m.attempts) + " attempts";
    return t;
  }
  if (m.validity_period_s && now + delay >= m.created_at + *m.validity_period_s * 1000) {
    t.to = Status::kExpired;
    t.detail += "; validity period ends before the next attempt";
    return t;
  }
  t.to = Status::kQueued;
  t.next_attempt_at = now + delay;
  return t;
}

}  // namespace sb::engine
