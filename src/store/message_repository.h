// Messages and the outbox: new messages (idempotent, threaded into conversations), reads and
// listings, the dispatcher's claims and reconciliation reads, and redaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/compliance.h"
#include "core/message.h"
#include "core/result.h"

namespace sb::store {

enum class InsertKind { kCreated, kDuplicate, kConflict };

// A new message with its first events, inserted atomically (see MessageRepository::insert).
struct NewMessage {
  Message message;
  std::vector<MessageEvent> events;
  // The outbox refuses it when the recipient opted out (false only for keyword confirmations,
  // which must reach an opted-out number). The store itself ignores this.
  bool check_opt_out = true;
};

struct InsertResult {
  InsertKind kind = InsertKind::kCreated;
  Message message;  // the stored message (the earlier one for kDuplicate)
};

// How an insert reaches the disk. kDurable: on disk when insert returns. kDeferred: committed
// and visible to readers, on disk once sync_deferred() returns (the outbox answers its callers
// only then; see Driver). Claims (claim_due) sync before handing such messages out, so nothing
// is sent that a power cut could erase.
enum class Commit { kDurable, kDeferred };

struct RedactResult {
  RedactOutcome outcome = RedactOutcome::kNotFound;
  Message message;  // afterwards (kRedacted, kAlreadyRedacted, kInFlight)
  // kRedacted: the SHA-256s of re-hosted media files no media row refers to any more (the
  // message's media rows are deleted with it); the caller removes those files.
  std::vector<std::string> orphaned_media;
};

// A provider-side redaction claimed by the dispatcher (Message::redaction->provider "pending").
struct RedactionJob {
  Message message;   // body and media already erased; provider ids kept
  int attempts = 0;  // including this one
};

// The outbox at one instant (the metrics' gauges).
struct OutboxStats {
  int64_t depth = 0;             // queued or sending, or scheduled and due
  std::optional<TimeMs> oldest;  // when the oldest of those was created (a due scheduled one:
                                 // when it came due)
  int64_t scheduled = 0;         // scheduled for later
};

class MessageRepository {
 public:
  virtual ~MessageRepository() = default;

  // Inserts a batch in one transaction (group commit). A message whose
  // (account, idempotency_key) exists is not inserted: kDuplicate when its request_hash matches,
  // kConflict otherwise. Results are in input order. Each created message is threaded: its
  // contact and conversation are found or created and the conversation's counters updated
  // (Message::start_conversation false: it only joins a conversation that exists).
  virtual Result<std::vector<InsertResult>> insert(std::vector<NewMessage>& batch,
                                                   Commit commit) = 0;
  Result<std::vector<InsertResult>> insert(std::vector<NewMessage>& batch) {
    return insert(batch, Commit::kDurable);
  }
  // Returns once every kDeferred insert so far is on disk.
  virtual void sync_deferred() = 0;

  // The message `id` of `account` (nullopt: none in this account). Re-hosted media items carry
  // their media row's state, content type, size and error.
  virtual Result<std::optional<Message>> get(const std::string& account, const std::string& id) = 0;
  // An account's messages, filtered and paged by `filter` (media as get()).
  virtual Result<std::vector<Message>> list(const MessageFilter& filter) = 0;
  // Number of messages per status for an account (all directions).
  virtual Result<std::map<std::string, int64_t>> count_by_status(const std::string& account) = 0;

  // Claims up to `limit` outbound messages that are due: queued with next_attempt_at <= now,
  // scheduled whose send_at (kept in next_attempt_at) has come, or sending whose lease expired
  // (a crashed worker's). Claimed messages become `sending` with a
  // lease until now + lease_ms, attempts + 1, and a `sending` event.
  virtual Result<std::vector<Message>> claim_due(const std::string& owner, TimeMs now,
                                                 int64_t lease_ms, int limit) = 0;
  // claim_due, and in the same transaction every opt-out of the claimed messages' recipients
  // (what the dispatcher checks before a send): one transaction on the writer, whose page cache
  // stays warm, instead of a claim and then a read on a reader whose cache every commit
  // invalidates.
  struct Claim {
    std::vector<Message> messages;
    std::vector<OptOut> opt_outs;
  };
  virtual Result<Claim> claim_due_with_opt_outs(const std::string& owner, TimeMs now,
                                                int64_t lease_ms, int limit) = 0;
  // Earliest next_attempt_at among queued/sending/scheduled messages, for the dispatcher's sleep.
  virtual Result<std::optional<TimeMs>> next_due() = 0;
  // The outbox's size and age at `now`: one read over the outbox index.
  virtual Result<OutboxStats> outbox_stats(TimeMs now) = 0;
  // Outbound messages of `connector` in status `status` last updated in [after, before), oldest
  // first (reconciliation of messages whose provider report never came).
  virtual Result<std::vector<Message>> list_stale(const std::string& connector, Status status,
                                                  TimeMs after, TimeMs before, int limit) = 0;

  // Erases the message's body and media everywhere the store keeps them (the message row, raw
  // webhook payloads linked to it, status-callback payloads, the conversation preview), keeps
  // metadata and status history, and records an event `redacted` (status unchanged), in one
  // durable transaction; its re-hosted media rows go too (RedactResult::orphaned_media names the
  // files left unreferenced). A message not yet handed to a provider (accepted, scheduled, queued)
  // is canceled first; one in `sending` is kInFlight (nothing changes). The provider's copy is
  // left "pending" when the message has a provider message id (claim_redactions), else "none".
  virtual Result<RedactResult> redact(const std::string& account, const std::string& id,
                                      TimeMs now) = 0;
  // Retention: up to `limit` messages (account, id) created before the id bound `before_id` (ids
  // sort by creation time) and after `after_id`, in id order, whose content is still there and
  // whose status is final or at the carrier (sent, delivered, undelivered, failed, canceled,
  // expired, received): what a retention pass redacts. Reads the primary key's range only.
  virtual Result<std::vector<std::pair<std::string, std::string>>> retention_candidates(
      const std::string& after_id, const std::string& before_id, int limit) = 0;
  // Claims up to `limit` pending provider redactions due at `now`: each is leased until
  // now + lease_ms (a crashed claimer's come back) and its attempt counted.
  virtual Result<std::vector<RedactionJob>> claim_redactions(TimeMs now, int64_t lease_ms,
                                                             int limit) = 0;
  // Records a provider redaction's outcome: state done | unsupported | failed, or pending again
  // at `retry_at` with the error that made it wait.
  virtual Result<void> finish_redaction(const std::string& id, const std::string& state,
                                        const std::string& error, std::optional<TimeMs> retry_at,
                                        TimeMs now) = 0;
};

}  // namespace sb::store
