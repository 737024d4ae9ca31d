// send_at validation and the quiet-hours policy.
#include "engine/scheduling.h"

namespace sb::engine {

Result<TimeMs> validate_send_at(TimeMs send_at, TimeMs now, int64_t min_ahead_s,
                                int64_t max_ahead_s) {
  if (send_at < now + min_ahead_s * 1000 || send_at > now + max_ahead_s * 1000) {
    return Error::make("invalid_send_at",
                       "send_at must be between " + std::to_string(min_ahead_s) + " seconds and " +
                           std::to_string(max_ahead_s / 86'400) + " days ahead",
                       "send_at");
  }
  return send_at;
}

QuietHours::QuietHours(std::vector<QuietHoursRule> rules, PhoneTimezones zones)
    : rules_(std::move(rules)), zones_(std::move(zones)) {}

const QuietHoursRule* QuietHours::rule_for(const std::string& account,
                                           const std::string& from) const {
  const QuietHoursRule* account_rule = nullptr;
  for (const auto& r : rules_) {
    if (r.account != account) continue;
    if (!r.number.empty() && r.number == from) return &r;
    if (r.number.empty() && !account_rule) account_rule = &r;
  }
  return account_rule;
}

std::optional<TimeMs> QuietHours::hold_until(const Message& m, TimeMs now) const {
  if (m.category != "marketing") return std::nullopt;
  const QuietHoursRule* rule = rule_for(m.account, m.from);
  if (!rule || !rule->enabled) return std::nullopt;
  // Short codes are not E.164: their prefix says nothing about where the recipient is.
  const bool e164 = !m.to.empty() && m.to.front() == '+';
  return quiet_hold_until(now, e164 ? zones_.zones_for(m.to) : std::vector<std::string>{},
                          rule->window, rule->timezone);
}

}  // namespace sb::engine
