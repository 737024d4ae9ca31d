// Deliveries: outgoing HTTP notifications to apps (status callbacks, inbound forwards), leased
// to the callback sender, retried until acknowledged, every attempt logged.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/delivery.h"
#include "core/result.h"

namespace sb::store {

class DeliveryRepository {
 public:
  virtual ~DeliveryRepository() = default;

  // Claims up to `limit` pending deliveries due at `now`: attempts + 1, leased until
  // now + lease_ms (a crashed sender's come back after the lease).
  virtual Result<std::vector<Delivery>> claim(TimeMs now, int64_t lease_ms, int limit) = 0;
  // Records an attempt's outcome: done (acknowledged or given up) or retry at `retry_at`.
  virtual Result<void> finish(const std::string& id, bool done, bool success, int http_status,
                              const std::string& error, TimeMs now,
                              std::optional<TimeMs> retry_at) = 0;
  // Records one attempt of a claimed delivery and its outcome (as finish) together.
  virtual Result<void> record_attempt(const DeliveryAttempt& a, bool done, bool success,
                                      std::optional<TimeMs> retry_at) = 0;
  // Gives a claimed delivery back without an attempt (the message is not ready to forward yet):
  // its attempt count is restored and it is due again at `at`.
  virtual Result<void> defer(const std::string& id, TimeMs at) = 0;
  // A message's deliveries, oldest first, with their state.
  virtual Result<std::vector<Delivery>> list(const std::string& message_id) = 0;
  // Every logged attempt of the deliveries of `message_id`, by delivery then attempt.
  virtual Result<std::vector<DeliveryAttempt>> list_attempts(const std::string& message_id) = 0;
};

}  // namespace sb::store
