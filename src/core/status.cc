// Status names and the transition table.
#include "core/status.h"

#include <array>

namespace sb {
namespace {
constexpr std::array<std::string_view, 11> kNames = {
    "accepted", "scheduled", "queued",   "sending",  "sent",    "delivered",
    "undelivered", "failed", "canceled", "expired", "received"};

// Progress rank of outbound statuses; finals share the top rank.
int rank(Status s) {
  switch (s) {
    case Status::kAccepted: return 0;
    case Status::kScheduled: return 1;
    case Status::kQueued: return 2;
    case Status::kSending: return 3;
    case Status::kSent: return 4;
    default: return 5;
  }
}
}  // namespace

std::string_view to_string(Status s) { return kNames[static_cast<size_t>(s)]; }

std::optional<Status> parse_status(std::string_view s) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == s) return static_cast<Status>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Direction d) {
  return d == Direction::kOutbound ? "outbound" : "inbound";
}

std::optional<Direction> parse_direction(std::string_view s) {
  if (s == "outbound") return Direction::kOutbound;
  if (s == "inbound") return Direction::kInbound;
  return std::nullopt;
}

bool is_final(Status s) {
  switch (s) {
    case Status::kDelivered:
    case Status::kUndelivered:
    case Status::kFailed:
    case Status::kCanceled:
    case Status::kExpired:
    case Status::kReceived:
      return true;
    default:
      return false;
  }
}

bool can_transition(Status from, Status to) {
  if (from == to) return false;
  if (is_final(from)) return false;
  if (to == Status::kReceived || from == Status::kReceived) return false;
  if (from == Status::kSending && to == Status::kQueued) return true;  // dispatcher retry
  // Canceling is only possible before the message reached a provider.
  if (to == Status::kCanceled) {
    return from == Status::kAccepted || from == Status::kScheduled || from == Status::kQueued;
  }
  return rank(to) > rank(from);
}

}  // namespace sb
