// Media re-hosting (docs/media.md): the media rows of inbound messages' items, leased to the
// media fetcher until each is ready or failed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/media_record.h"
#include "core/result.h"

namespace sb::store {

// Media rows are created pending with their inbound message (same transaction, one per media
// item that has an id). Message reads fill each such item's state, content_type, size and error
// from its row.
class MediaRepository {
 public:
  virtual ~MediaRepository() = default;

  // Claims up to `limit` pending media due at `now`: attempts + 1, next_attempt_at = now +
  // lease_ms (a crashed fetcher's claim comes back after the lease).
  virtual Result<std::vector<MediaRecord>> claim(TimeMs now, int64_t lease_ms, int limit) = 0;
  // Records an attempt's outcome (see MediaOutcome).
  virtual Result<void> finish(const std::string& id, const MediaOutcome& outcome, TimeMs now) = 0;
  // One media item of `account` (nullopt: no such id in this account).
  virtual Result<std::optional<MediaRecord>> get(const std::string& account,
                                                 const std::string& id) = 0;
  // Any account's media item by id: only for requests that prove their right to it otherwise
  // (a signed media URL).
  virtual Result<std::optional<MediaRecord>> get_by_id(const std::string& id) = 0;
  // A message's media rows, in index order.
  virtual Result<std::vector<MediaRecord>> list(const std::string& message_id) = 0;
};

}  // namespace sb::store
