// Provider webhooks in: the deduplicated inbox of raw webhooks, what each one stores (inbound
// messages, unrouted ones, split-MMS parts, status reports through StatusRepository's apply
// path), and split-MMS groups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/message.h"
#include "core/result.h"
#include "store/message_repository.h"
#include "store/status_repository.h"

namespace sb::store {

// One verified webhook as received: the dedupe key makes a provider's retry a no-op, and the raw
// payload is kept for audit (until the retention prunes it).
struct WebhookRecord {
  std::string connector;
  std::string dedupe_key;
  std::string kind;        // inbound | status | part | unrouted | ignored
  std::string event_type;  // the provider's own name
  TimeMs received_at = 0;
  std::string content_type;
  std::string payload;
};

// An inbound message whose `to` number belongs to no account: kept for an operator.
struct UnroutedInbound {
  std::string id;
  std::string from, to, body;
  std::vector<MediaItem> media;
  std::string provider_message_id;
};

// One piece of an inbound message that arrives in several (a VoiceMeUp split MMS, a concatenated
// SMPP SMS; providers::MessagePart), buffered durably until its group completes or times out.
struct InboundPart {
  int64_t id = 0;
  std::string connector;
  std::string key;
  bool text_part = false;
  int seq = 0;      // concatenated SMS: 1-based; 0 for a split MMS
  int total = 0;    // concatenated SMS: parts in the message; 0 for a split MMS
  Message message;  // the part, read as an inbound message (account and routing filled in)
  TimeMs received_at = 0;
};

// What one webhook does, applied atomically with its dedupe record.
struct WebhookIngest {
  WebhookRecord webhook;
  // A routed inbound message (status received, account set): stored with its `received` event,
  // its contact and conversation found or created, the conversation's counters updated.
  std::optional<Message> inbound;
  std::optional<UnroutedInbound> unrouted;
  std::optional<InboundPart> part;
  // Status reports (connector set), applied as StatusRepository::apply does; one that matches no
  // message yet is kept as an orphan (StatusRepository::match_orphans applies it later).
  std::vector<ProviderStatus> statuses;
};

struct WebhookIngestResult {
  bool duplicate = false;          // seen before: nothing was done
  std::optional<Message> inbound;  // the stored inbound message
  bool forward_queued = false;     // its number forwards: a forward delivery was queued with it
  // Per report, with its message; found=false: kept as an orphan.
  std::vector<TransitionResult> statuses;
};

class WebhookRepository {
 public:
  virtual ~WebhookRepository() = default;

  // Applies a batch of webhooks in one transaction (group commit); each one unless its
  // (connector, dedupe_key) was seen, earlier or in this batch. Results in input order.
  // Inbound messages stored to a number with a forward_url get a "forward" Delivery in the same
  // transaction (nothing lost if the process dies right after the provider's 2xx). The batch's
  // status reports are applied together, after its inserts, in input order (the narrow apply:
  // TransitionResult::message is not read). kDeferred: committed and visible now, on disk once
  // sync_deferred() returns (the webhook group commit answers providers only then).
  virtual Result<std::vector<WebhookIngestResult>> ingest(std::vector<WebhookIngest>& batch,
                                                          Commit commit) = 0;
  Result<std::vector<WebhookIngestResult>> ingest(std::vector<WebhookIngest>& batch) {
    return ingest(batch, Commit::kDurable);
  }
  // One webhook on its own, durably.
  Result<WebhookIngestResult> ingest(WebhookIngest& in) {
    std::vector<WebhookIngest> one{in};
    auto r = ingest(one, Commit::kDurable);
    if (!r) return r.error();
    in = std::move(one.front());
    return std::move(r->front());
  }
  // Returns once every kDeferred ingest so far is on disk.
  virtual void sync_deferred() = 0;
  // Drops raw webhook payloads received before `before` (audit retention); returns how many.
  virtual Result<int64_t> prune(TimeMs before) = 0;
  // How many inbound messages are kept unrouted.
  virtual Result<int64_t> count_unrouted() = 0;

  // Every buffered part, oldest first.
  virtual Result<std::vector<InboundPart>> list_parts() = 0;
  // Removes the parts `part_ids` and stores `messages` (routed inbound, threaded; forwarded as
  // ingest's) in one durable transaction. Returns false, storing nothing, if any part was
  // already taken (another instance completed the group first).
  virtual Result<bool> complete_part_group(const std::vector<int64_t>& part_ids,
                                           std::vector<Message>& messages) = 0;
};

}  // namespace sb::store
