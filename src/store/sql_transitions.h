// The status state machine inside a write transaction, shared by every repository that changes
// a message's status (status changes, provider webhooks and orphan reports, redaction).
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/message.h"
#include "store/db.h"
#include "store/status_repository.h"

namespace sb::store {

// One write transaction's status work: each message is read (and on PostgreSQL locked) once,
// transitions apply to that in-memory state, and the changed rows and all event rows are written
// together at the end (flush).
class TransitionWork {
 public:
  struct Entry {
    Message m;  // the transition's state columns only unless `full`
    bool full = false;
    bool dirty = false;
    // The provider reference as read: flush() leaves the columns (and their index) alone when
    // no transition changed them.
    std::string loaded_provider_message_id;
    std::string loaded_connector;
  };
  struct Step {
    bool applied = false;
    bool callback_queued = false;
  };

  TransitionWork(Connection& c, bool pg) : c_(c), pg_(pg) {}

  // The message `t` is for (by id or by provider reference), read once per transaction; the
  // whole row when `full`, else the state columns (made whole later if a callback needs it).
  // nullptr when there is no such message.
  Entry* load(const Transition& t, bool full);
  Entry* load(const std::string& id, bool full);
  // Reads (and locks) the messages of all of `ts` not read yet, a statement per chunk rather
  // than one per message: by provider reference first, then by id, each in id order. load()
  // then finds them, or knows they do not exist, without asking the database again.
  void preload(const std::vector<Transition>& ts, bool full);

  // Applies one transition to the entry's in-memory state: the event row is queued either way,
  // a status callback delivery is inserted at once; the row itself is written by flush().
  Step apply(Entry& entry, const Transition& t);

  // Writes each changed message's state once (its final state in this transaction), a statement
  // per chunk of messages, and all event rows.
  void flush();

 private:
  Entry& remember(const Row& row, bool full);
  void make_full(Entry& e);

  Connection& c_;
  const bool pg_;
  std::unordered_map<std::string, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_provider_;  // connector '\n' provider id
  // ids and provider references preload() found no message for
  std::unordered_set<std::string> absent_ids_, absent_refs_;
  std::vector<Entry> entries_;
  std::vector<MessageEvent> events_;
};

// The one apply path inside a caller's write transaction (StatusRepository::apply and
// match_orphans, provider webhooks): see StatusRepository::apply for order and results, and
// ApplyOptions for what `options` asks (its `durable` is the caller's transaction's).
std::vector<TransitionResult> apply_transitions(Connection& c, bool pg,
                                                const std::vector<Transition>& ts,
                                                const ApplyOptions& options);

}  // namespace sb::store
