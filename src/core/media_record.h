// Re-hosted media (docs/media.md): one inbound media item as the gateway keeps it, and how one
// fetch of it ended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"

namespace sb {

// One media item of an inbound message, as the gateway keeps it: fetched from the provider's
// source_url in the background, stored content-addressed (sha256), served at /v1/media/{id}.
struct MediaRecord {
  std::string id;  // med_<ULID>
  std::string account;
  std::string message_id;
  int index = 0;             // position in the message's media
  std::string source_url;    // the provider's URL: never shown through the API
  std::string connector;     // whose credentials fetch it
  std::string sha256;        // hex; set when ready
  std::string content_type;  // sniffed from the bytes; set when ready
  std::optional<int64_t> size;
  std::string state = "pending";  // pending | ready | failed
  int attempts = 0;
  TimeMs next_attempt_at = 0;
  std::string last_error;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

// How one fetch attempt ended: ready (sha256, content_type, size), failed (error), or pending
// again (error, retry_at).
struct MediaOutcome {
  std::string state;
  std::string sha256;
  std::string content_type;
  std::optional<int64_t> size;
  std::string error;
  std::optional<TimeMs> retry_at;
};

}  // namespace sb
