// Slot reservation.
#include "engine/throughput.h"

#include <algorithm>
#include <cmath>

namespace sb::engine {

TimeMs ThroughputLimiter::reserve(const std::string& sender, double rate_per_s, TimeMs now) {
  std::lock_guard lk(mu_);
  double& tat = next_free_ms_[sender];
  const double slot = std::max<double>(static_cast<double>(now), tat);
  tat = slot + 1000.0 / rate_per_s;
  return static_cast<TimeMs>(std::ceil(slot));
}

TimeMs ThroughputLimiter::take_send(const std::string& sender, double rate_per_s, TimeMs now,
                                    TimeMs tolerance_ms) {
  std::lock_guard lk(mu_);
  auto it = last_sent_ms_.find(sender);
  if (it != last_sent_ms_.end()) {
    const auto earliest = it->second + static_cast<TimeMs>(std::ceil(1000.0 / rate_per_s));
    if (earliest > now + tolerance_ms) return earliest;
  }
  last_sent_ms_[sender] = now;
  return now;
}

}  // namespace sb::engine
