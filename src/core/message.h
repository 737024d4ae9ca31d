// The message domain types shared by every module.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/segments.h"
#include "core/status.h"

namespace sb {

using Metadata = std::map<std::string, std::string>;

struct Message {
  std::string id;
  std::string account;
  Direction direction = Direction::kOutbound;
  std::string from;
  std::string to;
  std::string body;
  std::vector<std::string> media_urls;
  Status status = Status::kAccepted;
  int segments = 0;
  Encoding encoding = Encoding::kGsm7;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  std::string error_code;
  std::string error_message;
  Metadata metadata;
  std::string connector;
  std::string provider_message_id;
  std::string status_callback;
  std::optional<int64_t> validity_period_s;
  // Outbox bookkeeping.
  int attempts = 0;
  TimeMs next_attempt_at = 0;
  std::string idempotency_key;
  std::string request_hash;  // hex SHA-256 of the canonical request, for idempotency checks
};

// One row of a message's history: a status transition (applied or not) or another fact.
struct MessageEvent {
  int64_t id = 0;
  std::string message_id;
  std::string type = "status";  // "status" for transitions; other types name other facts
  Status status = Status::kAccepted;
  TimeMs at = 0;
  bool applied = true;  // false when the state machine refused the transition (late/out of order)
  std::string provider_status;
  std::string error_code;
  std::string error_message;
  std::string detail;
};

}  // namespace sb
