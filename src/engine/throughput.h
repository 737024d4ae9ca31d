// Per-sender throughput limits (messages per second per `from` number). A generic cell-rate
// algorithm with a burst of one: each send gets the next free slot, 1/rate apart, so a burst of
// 1,000 queued messages for a 10/s sender leaves at 10/s from the first second, never faster.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace sb::engine {

class ThroughputLimiter {
 public:
  // Reserves the next slot for `sender` at `rate_per_s` (> 0) no earlier than `now`; returns it.
  TimeMs reserve(const std::string& sender, double rate_per_s, TimeMs now);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, double> next_free_ms_;  // theoretical arrival time per sender
};

}  // namespace sb::engine
