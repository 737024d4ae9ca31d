// Scheduled sends and quiet hours: the policies the gateway (at accept) and the dispatcher (at
// claim) consult. Pure given the instant; the tz math lives in core/quiet_hours.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/message.h"
#include "core/quiet_hours.h"
#include "core/result.h"

namespace sb::engine {

// Checks a requested send_at against `now`: it must be at least `min_ahead_s` and at most
// `max_ahead_s` ahead. Error invalid_send_at (field send_at) otherwise.
Result<TimeMs> validate_send_at(TimeMs send_at, TimeMs now, int64_t min_ahead_s,
                                int64_t max_ahead_s);

// One quiet-hours rule: account-wide (number empty) or an override for one sending number.
struct QuietHoursRule {
  std::string account;
  std::string number;
  bool enabled = true;
  QuietWindow window;
  std::string timezone = "UTC";  // used when the recipient's number maps to no zone
};

class QuietHours {
 public:
  QuietHours(std::vector<QuietHoursRule> rules, PhoneTimezones zones);

  // The rule for a message from `from` in `account`: the number's override, else the account's.
  const QuietHoursRule* rule_for(const std::string& account, const std::string& from) const;
  // When quiet hours hold `m` at `now`: the instant they end for its recipient (in every
  // candidate zone of the number's prefix). nullopt when the message may leave now: it is not
  // marketing, no enabled rule applies, or the recipient is outside the window.
  std::optional<TimeMs> hold_until(const Message& m, TimeMs now) const;
  // The candidate zones of a recipient (empty when the table has none for it).
  std::vector<std::string> zones_for(const std::string& to) const { return zones_.zones_for(to); }

 private:
  std::vector<QuietHoursRule> rules_;
  PhoneTimezones zones_;
};

}  // namespace sb::engine
