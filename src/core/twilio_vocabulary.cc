// Twilio's words for our statuses, errors and directions (see twilio_vocabulary.h).
#include "core/twilio_vocabulary.h"

#include <string>

namespace sb {

std::string_view twilio_status_word(Status s) {
  switch (s) {
    case Status::kAccepted: return "queued";
    case Status::kScheduled: return "scheduled";
    case Status::kQueued: return "queued";
    case Status::kSending: return "sending";
    case Status::kSent: return "sent";
    case Status::kDelivered: return "delivered";
    case Status::kUndelivered: return "undelivered";
    case Status::kFailed: return "failed";
    case Status::kCanceled: return "canceled";
    case Status::kExpired: return "failed";
    case Status::kReceived: return "received";
  }
  return "queued";
}

std::optional<int> twilio_error_code(const Message& m) {
  if (m.error_code.empty() && m.status != Status::kExpired) return std::nullopt;
  const auto digits = m.error_code.find_first_not_of("0123456789") == std::string::npos;
  if (!m.error_code.empty() && digits && m.error_code.size() <= 9) {
    return std::stoi(m.error_code);
  }
  if (m.error_code == "recipient_opted_out") return 21610;
  if (m.status == Status::kExpired) return 30001;
  return 30008;
}

std::string_view twilio_direction(const Message& m) {
  if (m.direction == Direction::kInbound) return "inbound";
  return m.metadata.count("forward_reply") ? "outbound-reply" : "outbound-api";
}

}  // namespace sb
