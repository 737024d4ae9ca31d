// Slot reservation and each sender's line.
#include "engine/throughput.h"

#include <algorithm>
#include <cmath>

namespace sb::engine {

TimeMs ThroughputLimiter::stale_after(double rate_per_s) {
  // Long enough that a message re-claimed late under load still holds its place, short enough
  // that a place abandoned by its message stalls the sender briefly: 2 s, or two intervals.
  return std::max<TimeMs>(2'000, static_cast<TimeMs>(std::ceil(2'000.0 / rate_per_s)));
}

TimeMs ThroughputLimiter::reserve_locked(Sender& s, double rate_per_s, TimeMs now) {
  const double slot = std::max<double>(static_cast<double>(now), s.next_free_ms);
  s.next_free_ms = slot + 1000.0 / rate_per_s;
  return static_cast<TimeMs>(std::ceil(slot));
}

TimeMs ThroughputLimiter::reserve(const std::string& sender, double rate_per_s, TimeMs now) {
  std::lock_guard lk(mu_);
  return reserve_locked(senders_[sender], rate_per_s, now);
}

void ThroughputLimiter::erase_locked(std::unordered_map<std::string, Place>::iterator it) {
  if (auto s = senders_.find(it->second.sender); s != senders_.end()) {
    s->second.line.erase(it->second.key);
  }
  places_.erase(it);
}

ThroughputLimiter::Admission ThroughputLimiter::admit(const std::string& sender,
                                                      const std::string& message_id,
                                                      double rate_per_s, TimeMs now,
                                                      TimeMs tolerance_ms) {
  std::lock_guard lk(mu_);
  Sender& s = senders_[sender];
  const auto interval = static_cast<TimeMs>(std::ceil(1000.0 / rate_per_s));
  auto placed = places_.find(message_id);
  if (placed == places_.end()) {
    const std::pair<TimeMs, uint64_t> key{reserve_locked(s, rate_per_s, now), ++seq_};
    s.line.emplace(key, message_id);
    placed = places_.emplace(message_id, Place{sender, key}).first;
  }
  const TimeMs slot = placed->second.key.first;

  // Places long past their slot no longer hold the line (this message's own excepted).
  const TimeMs stale_before = now - stale_after(rate_per_s);
  while (!s.line.empty() && s.line.begin()->first.first < stale_before &&
         s.line.begin()->second != message_id) {
    places_.erase(s.line.begin()->second);
    s.line.erase(s.line.begin());
  }

  TimeMs earliest = slot;
  if (s.last_sent) earliest = std::max(earliest, *s.last_sent + interval);
  if (s.line.begin()->second != message_id) {
    // Behind a message still waiting: one interval after the soonest that one could go.
    const TimeMs ahead = std::max({s.line.begin()->first.first, now,
                                   s.last_sent ? *s.last_sent + interval : now});
    return {false, std::max(earliest, ahead + interval)};
  }
  if (earliest > now + tolerance_ms) return {false, earliest};
  s.last_sent = now;
  erase_locked(placed);
  return {true, now};
}

void ThroughputLimiter::forget(const std::string& message_id) {
  std::lock_guard lk(mu_);
  if (auto it = places_.find(message_id); it != places_.end()) erase_locked(it);
}

size_t ThroughputLimiter::places() const {
  std::lock_guard lk(mu_);
  return places_.size();
}

}  // namespace sb::engine
