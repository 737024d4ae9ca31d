// A circuit breaker per connector: after repeated transient failures (or one auth failure) the
// connector is opened and its messages wait instead of failing; after a cool-down one probe is let
// through, and its outcome closes or re-opens the circuit.
#pragma once

#include <mutex>
#include <string>

#include "core/clock.h"
#include "providers/connector.h"

namespace sb::engine {

struct CircuitOptions {
  int failure_threshold = 5;          // consecutive transient failures that open the circuit
  int64_t open_ms = 10'000;           // first cool-down; doubles per re-open
  int64_t max_open_ms = 300'000;
  int64_t auth_open_ms = 60'000;      // cool-down after credentials were rejected
};

enum class CircuitState { kClosed, kOpen, kHalfOpen };
std::string_view to_string(CircuitState s);

struct CircuitSnapshot {
  CircuitState state = CircuitState::kClosed;
  std::string reason;       // last failure that opened it
  TimeMs retry_at = 0;      // when a probe will be allowed (open)
  int consecutive_failures = 0;
};

// A connector's circuit, as /readyz reports it.
struct ConnectorState {
  std::string id;
  CircuitSnapshot circuit;
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(CircuitOptions o = {}) : o_(o) {}
  // Whether a send may go now. In half-open state exactly one probe is admitted at a time.
  bool allow(TimeMs now);
  // When a refused message should be looked at again.
  TimeMs retry_at(TimeMs now) const;
  // Records a send outcome (nullopt: success).
  void record(const std::optional<providers::FailureKind>& failure, const std::string& reason,
              TimeMs now);
  CircuitSnapshot snapshot() const;

 private:
  void open(TimeMs now, int64_t duration, const std::string& reason);
  CircuitOptions o_;
  mutable std::mutex mu_;
  CircuitSnapshot s_;
  int64_t current_open_ms_ = 0;
  bool probe_in_flight_ = false;
};

}  // namespace sb::engine
