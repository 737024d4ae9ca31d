// The message status state machine: one definition of which transitions change a message.
#pragma once

#include <optional>
#include <string_view>

namespace sb {

enum class Status {
  kAccepted,
  kScheduled,
  kQueued,
  kSending,
  kSent,
  kDelivered,
  kUndelivered,
  kFailed,
  kCanceled,
  kExpired,
  kReceived,
};

enum class Direction { kOutbound, kInbound };

std::string_view to_string(Status s);
std::optional<Status> parse_status(std::string_view s);
std::string_view to_string(Direction d);
std::optional<Direction> parse_direction(std::string_view s);

// True for statuses nothing can move a message out of.
bool is_final(Status s);

// Whether a message in `from` may take status `to`. Progress only moves forward
// (accepted < queued < sending < sent < final); final statuses are absorbing. The one backwards
// edge is the dispatcher's retry (sending -> queued) after a failed attempt. A rejected
// transition is still recorded as an event by the caller, it just does not change the message.
bool can_transition(Status from, Status to);

}  // namespace sb
