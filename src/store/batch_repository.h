// Batches (core/batch.h): the batch, its uploaded rows in chunks, the rows that failed, and the
// batch's messages as a whole (counts, holding them while paused, the ones left to cancel). A
// batch's messages are inserted by the message repository, each with an idempotency key made of
// the batch and row, so materialising a chunk twice (after a crash) makes no second message.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/clock.h"
#include "core/message.h"
#include "core/result.h"

namespace sb::store {

class BatchRepository {
 public:
  virtual ~BatchRepository() = default;

  // An upload: the batch row (status uploading, invisible), then its chunks (not synced), then
  // finish_upload makes the whole durable and visible in one durable commit. discard_upload
  // removes an upload that failed; uploads a crash left behind are removed by
  // discard_stale_uploads.
  virtual Result<void> begin_upload(const Batch& b) = 0;
  virtual Result<void> add_chunk(const std::string& batch_id, int seq,
                                 const std::string& rows_json) = 0;
  virtual Result<void> finish_upload(const std::string& batch_id, int64_t total, int chunks,
                                     const std::string& status, TimeMs now) = 0;
  virtual Result<void> discard_upload(const std::string& batch_id) = 0;
  virtual Result<int> discard_stale_uploads(TimeMs created_before) = 0;

  // The account's batch (never one still uploading).
  virtual Result<std::optional<Batch>> get(const std::string& account, const std::string& id) = 0;
  // The account's batches, newest first, ids below `before` ("" : from the newest), at most
  // `limit`.
  virtual Result<std::vector<Batch>> list(const std::string& account, const std::string& before,
                                          int limit) = 0;

  // Leases a materializing batch whose lease is free or expired to `owner` until now + lease_ms
  // (oldest first; on PostgreSQL skipping one another instance is taking).
  virtual Result<std::optional<Batch>> claim(const std::string& owner, TimeMs now,
                                             int64_t lease_ms) = 0;
  // The stored rows of chunk `seq`.
  virtual Result<std::string> chunk(const std::string& batch_id, int seq) = 0;
  // Records chunk `seq` as materialised: its skips and errors added, next_chunk = seq + 1, the
  // lease renewed, and when it was the last chunk the status becomes sending. Only while the
  // batch is materializing, leased to `owner` and at `seq`: false otherwise (nothing changes).
  virtual Result<bool> advance(const std::string& batch_id, const std::string& owner, int seq,
                               const BatchSkips& skips, const std::vector<BatchError>& errors,
                               TimeMs now, int64_t lease_ms) = 0;
  // The batch's rows that failed, by row, after `after_row`, at most `limit`.
  virtual Result<std::vector<BatchError>> errors(const std::string& batch_id, int64_t after_row,
                                                 int limit) = 0;

  // The batch's messages by status.
  virtual Result<std::map<std::string, int64_t>> message_counts(const std::string& batch_id) = 0;
  // (recipient, idempotency key) of every message of the batch (the materialiser's duplicate
  // check, rebuilt when it resumes a batch).
  virtual Result<std::vector<std::pair<std::string, std::string>>> recipients(
      const std::string& batch_id) = 0;

  // Moves the account's batch from one of `from` to `to` (paused_from records the status left
  // when `to` is paused); nullopt: no such batch; the batch as it is afterwards, or as it was when
  // its status was not in `from` (the caller tells by its status).
  virtual Result<std::optional<Batch>> set_status(const std::string& account,
                                                  const std::string& id,
                                                  const std::vector<std::string>& from,
                                                  const std::string& to, TimeMs now) = 0;
  // Pausing: the batch's queued and scheduled messages wait (next_attempt_at far ahead), and
  // resuming releases them (scheduled ones at their send_at). Returns how many.
  virtual Result<int64_t> hold_messages(const std::string& batch_id) = 0;
  virtual Result<int64_t> release_messages(const std::string& batch_id, TimeMs now) = 0;
  // Up to `limit` of the batch's messages that have not left (queued or scheduled).
  virtual Result<std::vector<Message>> unsent_messages(const std::string& batch_id,
                                                       int limit) = 0;
  // Batches in one of `statuses` (for the runner's completion checks), at most `limit`.
  virtual Result<std::vector<Batch>> in_status(const std::vector<std::string>& statuses,
                                               int limit) = 0;
  // Appends one of the batch's events to the live event log (batch_events; the live stream
  // reads it as batch.<type>), `data` its JSON.
  virtual Result<void> add_event(const Batch& b, const std::string& type, TimeMs at,
                                 const std::string& data) = 0;
  // A sending or canceling batch's end: status `to`, finished_at = now (only from `from`).
  virtual Result<bool> finish(const std::string& batch_id, const std::string& from,
                              const std::string& to, TimeMs now) = 0;
};

}  // namespace sb::store
