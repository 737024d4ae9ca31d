// Quiet-hours window math on the system tz database, and the phone-prefix time-zone table.
#include "core/quiet_hours.h"

#include <date/tz.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sb {
namespace {

using Ms = std::chrono::milliseconds;
constexpr TimeMs kMinuteMs = 60'000;
constexpr TimeMs kDayMs = 86'400'000;

const date::time_zone* zone_or_utc(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return date::locate_zone("UTC");
  }
}

// Local time of instant `t` in `tz`: the local day and the milliseconds into it.
struct LocalParts {
  date::local_days day;
  TimeMs tod_ms;
};
LocalParts local_parts(TimeMs t, const date::time_zone* tz) {
  const auto lt = tz->to_local(date::sys_time<Ms>(Ms(t)));
  const auto day = date::floor<date::days>(lt);
  return {day, std::chrono::duration_cast<Ms>(lt - day).count()};
}

bool inside(TimeMs tod_ms, QuietWindow w) {
  const TimeMs start = w.start_min * kMinuteMs, end = w.end_min * kMinuteMs;
  if (start == end) return false;
  if (start < end) return tod_ms >= start && tod_ms < end;
  return tod_ms >= start || tod_ms < end;
}

// The instant the window that holds `t` ends in `tz` (t must be inside it).
TimeMs window_end(TimeMs t, const date::time_zone* tz, QuietWindow w) {
  const LocalParts p = local_parts(t, tz);
  date::local_days day = p.day;
  if (w.start_min > w.end_min && p.tod_ms >= w.start_min * kMinuteMs) day += date::days(1);
  const date::local_time<Ms> end_local = day + Ms(w.end_min * kMinuteMs);
  // A skipped local time (spring forward) maps to the jump; a repeated one to its first
  // occurrence.
  const auto sys = tz->to_sys(end_local, date::choose::earliest);
  return std::chrono::duration_cast<Ms>(sys.time_since_epoch()).count();
}

std::optional<TimeMs> hold_in(TimeMs now, const std::vector<const date::time_zone*>& zones,
                              QuietWindow w) {
  TimeMs t = now;
  const TimeMs limit = now + 2 * kDayMs;
  for (int round = 0; round < 64 && t <= limit; ++round) {
    bool moved = false;
    for (const auto* tz : zones) {
      if (!inside(local_parts(t, tz).tod_ms, w)) continue;
      TimeMs end = window_end(t, tz, w);
      if (end <= t) end = t + kMinuteMs;  // never loop in place
      t = end;
      moved = true;
    }
    if (!moved) return t;
  }
  return std::nullopt;  // no common opening
}

}  // namespace

std::optional<int> parse_clock_time(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

bool is_known_time_zone(std::string_view zone) {
  if (zone.empty()) return false;
  try {
    return date::locate_zone(zone) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

bool in_quiet_window(TimeMs t, std::string_view zone, QuietWindow window) {
  return inside(local_parts(t, zone_or_utc(zone)).tod_ms, window);
}

std::optional<TimeMs> quiet_hold_until(TimeMs now, const std::vector<std::string>& zones,
                                       QuietWindow window, std::string_view fallback_zone) {
  if (window.start_min == window.end_min) return std::nullopt;
  std::vector<const date::time_zone*> tzs;
  for (const auto& z : zones) tzs.push_back(zone_or_utc(z));
  if (tzs.empty()) tzs.push_back(zone_or_utc(fallback_zone));
  auto t = hold_in(now, tzs, window);
  if (!t) t = hold_in(now, {zone_or_utc(fallback_zone)}, window);
  if (!t || *t == now) return std::nullopt;
  return t;
}

Result<PhoneTimezones> PhoneTimezones::parse(std::string_view text) {
  PhoneTimezones out;
  std::unordered_map<std::string, bool> checked;
  size_t line_no = 0;
  size_t at = 0;
  while (at <= text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(at, nl - at);
    at = nl + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto where = "line " + std::to_string(line_no);
    const size_t bar = line.find('|');
    if (bar == std::string_view::npos || bar == 0) {
      return Error::make("invalid_timezone_table", where + ": expected prefix|Zone&Zone");
    }
    const std::string prefix(line.substr(0, bar));
    if (prefix.find_first_not_of("0123456789") != std::string::npos) {
      return Error::make("invalid_timezone_table", where + ": prefix must be digits");
    }
    std::vector<std::string> zones;
    std::string_view rest = line.substr(bar + 1);
    while (!rest.empty()) {
      const size_t amp = rest.find('&');
      std::string zone(rest.substr(0, amp));
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      auto [it, fresh] = checked.emplace(zone, false);
      if (fresh) it->second = is_known_time_zone(zone);
      if (!it->second) {
        return Error::make("invalid_timezone_table", where + ": unknown time zone '" + zone + "'");
      }
      zones.push_back(std::move(zone));
    }
    if (zones.empty()) return Error::make("invalid_timezone_table", where + ": no zones");
    out.max_prefix_ = std::max(out.max_prefix_, prefix.size());
    out.by_prefix_[prefix] = std::move(zones);
  }
  return out;
}

Result<PhoneTimezones> PhoneTimezones::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::make("invalid_timezone_table", "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = parse(ss.str());
  if (!r) return Error::make(r.error().code, path + ": " + r.error().message);
  return r;
}

std::vector<std::string> PhoneTimezones::zones_for(std::string_view e164) const {
  if (!e164.empty() && e164.front() == '+') e164.remove_prefix(1);
  for (size_t n = std::min(e164.size(), max_prefix_); n > 0; --n) {
    auto it = by_prefix_.find(std::string(e164.substr(0, n)));
    if (it != by_prefix_.end()) return it->second;
  }
  return {};
}

}  // namespace sb
