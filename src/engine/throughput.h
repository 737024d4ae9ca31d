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

  // Slots space sends only if each leaves on time. One that leaves late (its claim came late)
  // would be followed by the next slot's send sooner than 1/rate, so the carrier would see a
  // burst. Called when a message is about to leave: returns `now` and records the send when at
  // least 1/rate (less `tolerance_ms`) has passed since the sender's last one, or else the
  // time it may leave (recording nothing).
  TimeMs take_send(const std::string& sender, double rate_per_s, TimeMs now, TimeMs tolerance_ms);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, double> next_free_ms_;  // theoretical arrival time per sender
  std::unordered_map<std::string, TimeMs> last_sent_ms_;  // the last send per sender
};

}  // namespace sb::engine
