// Quiet hours: the pure time-zone math of "may a message leave now, and if not, when?".
// Time zones come from the system's zoneinfo (Howard Hinnant's date/tz, USE_OS_TZDB); the library
// stays private to core. Every function takes the instant explicitly, so tests cross DST changes
// and midnight without a clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sb {

// A daily local-time window in minutes after local midnight, [start, end). start > end crosses
// midnight (21:00-08:00); start == end is an empty window (never quiet).
struct QuietWindow {
  int start_min = 0;
  int end_min = 0;
};

// Parses "HH:MM" (00:00-23:59) into minutes after midnight; nullopt otherwise.
std::optional<int> parse_clock_time(std::string_view s);

// True when `zone` names a time zone of the system's tz database (e.g. "America/New_York").
bool is_known_time_zone(std::string_view zone);

// Whether instant `t` falls inside `window` in local time of `zone`. Unknown zones read as UTC.
bool in_quiet_window(TimeMs t, std::string_view zone, QuietWindow window);

// The earliest instant >= `now` at which `now` is outside `window` in every zone of `zones`
// (the most restrictive reading of several candidate zones), or nullopt when `now` itself is
// already outside in all of them. Local end times that a DST change skips count from the
// instant the clock jumps; repeated local times count at their first occurrence. When the
// zones leave no common opening within two days (a window longer than the zones' spread
// allows), `fallback_zone` alone decides.
std::optional<TimeMs> quiet_hold_until(TimeMs now, const std::vector<std::string>& zones,
                                       QuietWindow window, std::string_view fallback_zone);

// The number-prefix -> time zones table (libphonenumber's geocoding data format: one
// `prefix|Zone&Zone` per line, '#' comments, prefixes are E.164 digits without '+').
class PhoneTimezones {
 public:
  // Parses the table text; errors name the line. Zones unknown to the system tz database are
  // an error (a typo would silently read as UTC).
  static Result<PhoneTimezones> parse(std::string_view text);
  static Result<PhoneTimezones> load(const std::string& path);

  // The zones of the longest prefix matching `e164` ("+14155550123" or digits); empty when none.
  std::vector<std::string> zones_for(std::string_view e164) const;
  size_t size() const { return by_prefix_.size(); }

 private:
  std::unordered_map<std::string, std::vector<std::string>> by_prefix_;
  size_t max_prefix_ = 0;
};

}  // namespace sb
