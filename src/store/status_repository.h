// Status changes and the event log: the one path every status change of a message takes (the
// dispatcher's outcomes, providers' reports, reconciliation, API cancels), reports kept until
// their message is known (orphans), and each message's history of events.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/message.h"
#include "core/result.h"
#include "core/status_report.h"

namespace sb::store {

// A status report from a provider, matched to our message by (connector, provider message id).
using ProviderStatus = StatusReport;

// A message as its provider knows it: by the provider's id for it on one connector.
struct ProviderRef {
  std::string connector;
  std::string provider_message_id;
};

// A requested status change. The store applies it only if core::can_transition allows it; either
// way it records an event. Optional fields update the message alongside an applied change.
struct Transition {
  // The message, by our id; or, when `by_provider` is set (a provider's status report), the
  // message that provider reference names (message_id is then ignored).
  std::string message_id;
  std::optional<ProviderRef> by_provider;
  Status to = Status::kQueued;
  TimeMs at = 0;
  std::string provider_status;
  std::string error_code;
  std::string error_message;
  std::string detail;
  std::optional<std::string> provider_message_id;
  std::optional<std::string> connector;
  // Failover (docs/pools.md): the message's new sender, with `connector`; it also becomes the
  // recipient's sticky sender in the message's pool, when the pool keeps one.
  std::optional<std::string> from;
  // The event's type: "status" unless set ("rerouted" for a failover).
  std::string event_type;
  std::optional<TimeMs> next_attempt_at;  // for retries (status queued)
  // Only apply if the message is currently in this status (guards against races with leases).
  std::optional<Status> expect;
  // Replaces the attempt count (a deferral that was not an attempt gives its claim back).
  std::optional<int> attempts;
  // Internal bookkeeping the app need not hear about: no status callback is queued.
  bool quiet = false;
  int64_t webhook_event_id = 0;  // the provider webhook that reported it (0: none)
  // Quiet hours: the message is held until this instant (recorded on the message when applied).
  std::optional<TimeMs> deferred_until;

  // The transition a provider's report asks for, matched by its provider reference.
  static Transition from_report(const ProviderStatus& report);
};

// What a transition did.
struct TransitionResult {
  bool found = false;    // false: no such message (or no message has that provider reference yet)
  bool orphaned = false;  // not found, and kept as an orphan report (ApplyOptions::keep_orphans)
  bool applied = false;  // false: refused by the state machine or the `expect` guard (an event
                         // records it anyway)
  bool callback_queued = false;  // an app status callback was enqueued in the same transaction
  std::string message_id;
  Status status = Status::kQueued;  // the message's status afterwards
  std::optional<Message> message;  // the whole message afterwards; only with ApplyOptions::messages
};

// What apply() reads back and how it commits.
struct ApplyOptions {
  // True: each result carries the whole message. False (the dispatcher's and the status
  // ingest's hot paths): no full-row read unless a status callback's payload needs one.
  bool messages = true;
  // True: on disk when apply returns (a provider is answered only once its reports are stored).
  // False: survives a process crash but may roll back with a machine crash until the next
  // durable commit (the dispatcher's bookkeeping: its leases make such a rollback a retry).
  bool durable = false;
  // Set: a provider's report (by provider reference) that matches no message yet is kept as an
  // orphan, received at this instant, and applied by match_orphans once the send that names
  // its provider id is stored (a report that overtook its send's response). Unset: it is only
  // reported not found (its source asks again: the simulated carrier, reconciliation).
  std::optional<TimeMs> keep_orphans;
};

class StatusRepository {
 public:
  virtual ~StatusRepository() = default;

  // A message's events, oldest first, each with the raw provider webhook that reported it.
  virtual Result<std::vector<MessageEvent>> list_events(const std::string& message_id) = 0;

  // Applies transitions in one transaction: each message is read (and on PostgreSQL locked)
  // once, in message-id order so concurrent batches cannot deadlock (transitions by provider
  // reference first, in input order); results come back in input order. Applied changes to
  // messages with a status_callback enqueue a Delivery in the same transaction (not for quiet
  // ones).
  virtual Result<std::vector<TransitionResult>> apply(const std::vector<Transition>& ts,
                                                      ApplyOptions options = {}) = 0;

  // Applies kept orphan reports whose message is now known, through apply; returns their results
  // (each with its message). Each orphan is applied once, across instances.
  virtual Result<std::vector<TransitionResult>> match_orphans() = 0;
  // Drops orphan reports kept since before `before` (their message never came); returns how
  // many.
  virtual Result<int64_t> prune_orphans(TimeMs before) = 0;
};

}  // namespace sb::store
