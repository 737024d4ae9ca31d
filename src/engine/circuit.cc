// Circuit breaker state machine.
#include "engine/circuit.h"

#include <algorithm>

namespace sb::engine {

std::string_view to_string(CircuitState s) {
  switch (s) {
    case CircuitState::kClosed: return "closed";
    case CircuitState::kOpen: return "open";
    case CircuitState::kHalfOpen: return "half_open";
  }
  return "unknown";
}

bool CircuitBreaker::allow(TimeMs now) {
  std::lock_guard lk(mu_);
  if (s_.state == CircuitState::kClosed) return true;
  if (s_.state == CircuitState::kOpen) {
    if (now < s_.retry_at) return false;
    s_.state = CircuitState::kHalfOpen;
    probe_in_flight_ = false;
  }
  if (probe_in_flight_) return false;
  probe_in_flight_ = true;
  return true;
}

TimeMs CircuitBreaker::retry_at(TimeMs now) const {
  std::lock_guard lk(mu_);
  if (s_.state == CircuitState::kOpen) return std::max(s_.retry_at, now + 100);
  return now + 1000;  // half-open: wait for the probe's outcome
}

void CircuitBreaker::open(TimeMs now, int64_t duration, const std::string& reason) {
  s_.state = CircuitState::kOpen;
  s_.retry_at = now + duration;
  s_.reason = reason;
  probe_in_flight_ = false;
}

void CircuitBreaker::record(const std::optional<providers::FailureKind>& failure,
                            const std::string& reason, TimeMs now) {
  std::lock_guard lk(mu_);
  const bool was_probe = s_.state == CircuitState::kHalfOpen;
  if (failure == providers::FailureKind::kUnsupported) {
    // Nothing reached the provider: the call says nothing about it.
    probe_in_flight_ = false;
    return;
  }
  if (!failure || *failure == providers::FailureKind::kPermanent ||
      *failure == providers::FailureKind::kRateLimited) {
    // The provider answered sensibly: it is up and the credentials work.
    s_ = CircuitSnapshot{};
    current_open_ms_ = 0;
    probe_in_flight_ = false;
    return;
  }
  ++s_.consecutive_failures;
  if (*failure == providers::FailureKind::kAuth) {
    open(now, o_.auth_open_ms, reason);
    return;
  }
  // Sends that were already in flight when the circuit opened report their failures afterwards
  // (a claimed batch fails together): they are the failures that opened it, not a failed probe,
  // so they neither re-open it nor double its cool-down. Without this one batch of 64 failures
  // opened the circuit for the 5-minute maximum at once.
  if (s_.state == CircuitState::kOpen) return;
  if (was_probe || s_.consecutive_failures >= o_.failure_threshold) {
    current_open_ms_ =
        current_open_ms_ == 0 ? o_.open_ms : std::min(current_open_ms_ * 2, o_.max_open_ms);
    open(now, current_open_ms_, reason);
  }
}

CircuitSnapshot CircuitBreaker::snapshot() const {
  std::lock_guard lk(mu_);
  return s_;
}

}  // namespace sb::engine
