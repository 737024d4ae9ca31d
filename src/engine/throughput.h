// Per-sender throughput limits (messages per second per `from` number), and the order messages
// leave in. A generic cell-rate algorithm with a burst of one: each message gets the next free
// slot, 1/rate apart, so a burst of 1,000 queued messages for a 10/s sender leaves at 10/s from
// the first second, never faster. The slot is also the message's place in its sender's line:
// a message leaves only once every message ahead of it has, so a rate-limited number sends in
// the order its messages were claimed (the dispatcher claims in acceptance order).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/clock.h"

namespace sb::engine {

class ThroughputLimiter {
 public:
  // Reserves the next slot for `sender` at `rate_per_s` (> 0) no earlier than `now`; returns it.
  // (The slot arithmetic alone; admit() uses it for a message's place.)
  TimeMs reserve(const std::string& sender, double rate_per_s, TimeMs now);

  struct Admission {
    bool send = false;   // true: send now (recorded as the sender's latest send)
    TimeMs retry_at = 0; // else: look again then; the message keeps its place
  };
  // Called each time the dispatcher holds `message_id`, ready to go. The first call gives it a
  // place (its slot); it may leave within `tolerance_ms` of when all of these hold:
  //  - its slot has come;
  //  - 1/rate has passed since the sender's previous send (one that left late pushes the next
  //    one back, so the carrier never sees two sends closer than 1/rate);
  //  - no message ahead of it in its sender's line is still waiting. A place more than
  //    `stale_after(rate)` past its slot no longer holds the line: its message went elsewhere
  //    (another instance claimed it) or is stuck, and the rest must not wait for it forever.
  Admission admit(const std::string& sender, const std::string& message_id, double rate_per_s,
                  TimeMs now, TimeMs tolerance_ms);
  // The message left its line without being sent (failed, expired, held for quiet hours...).
  void forget(const std::string& message_id);

  static TimeMs stale_after(double rate_per_s);
  size_t places() const;  // messages holding a place (for tests)

 private:
  struct Sender {
    double next_free_ms = 0;                     // theoretical arrival time
    std::optional<TimeMs> last_sent;             // the latest send
    std::map<std::pair<TimeMs, uint64_t>, std::string> line;  // (slot, seq) -> message id
  };
  struct Place {
    std::string sender;
    std::pair<TimeMs, uint64_t> key;
  };
  TimeMs reserve_locked(Sender& s, double rate_per_s, TimeMs now);
  void erase_locked(std::unordered_map<std::string, Place>::iterator it);

  mutable std::mutex mu_;
  uint64_t seq_ = 0;  // breaks ties between equal (rounded) slots in reservation order
  std::unordered_map<std::string, Sender> senders_;
  std::unordered_map<std::string, Place> places_;  // message id -> its place
};

}  // namespace sb::engine
