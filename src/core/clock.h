// Injected time: every component asks a Clock, so tests can move time without sleeping.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

// Milliseconds since the Unix epoch, UTC. The one time representation stored and passed around.
using TimeMs = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override;
  static SystemClock& instance();
};

// A clock that only moves when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start = 1'700'000'000'000) : now_(start) {}
  TimeMs now_ms() const override { return now_.load(); }
  void set(TimeMs t) { now_.store(t); }
  void advance(TimeMs d) { now_.fetch_add(d); }

 private:
  std::atomic<TimeMs> now_;
};

// RFC 3339 UTC with milliseconds, e.g. "2026-11-20T22:43:00.123Z".
std::string format_rfc3339(TimeMs t);
// Accepts RFC 3339 with 'Z' or a numeric offset, optional fractional seconds.
std::optional<TimeMs> parse_rfc3339(std::string_view s);

}  // namespace sb
