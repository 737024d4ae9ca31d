// The outbox's front door: accepts new messages and makes them durable with group commit (see
// group_commit.h): each caller gets its reply only after its message is committed.
#pragma once

#include <functional>
#include <vector>

#include "engine/group_commit.h"
#include "store/store.h"

namespace sb::engine {

// Commits a batch of new messages, refusing those whose recipient opted out. The opt-out list is
// read once per batch (not once per message, and off the network threads). Results are in input
// order; a refused message's result is an error (422 recipient_opted_out), the others are
// InsertResults. The dispatcher re-checks the list before each send, so an opt-out that lands
// after this read still stops the message.
Result<std::vector<Result<store::InsertResult>>> insert_unless_opted_out(
    store::Store& store, std::vector<store::NewMessage>& batch,
    store::Commit commit = store::Commit::kDurable);

// Counts the messages a batch created (switchboard_messages_total).
void count_accepted(const std::vector<Result<store::InsertResult>>& results);

class Outbox : public GroupCommit<store::NewMessage, Result<store::InsertResult>> {
 public:
  using Done = std::function<void(Result<store::InsertResult>)>;

  // `on_commit` runs after each committed batch (e.g. to wake the dispatcher).
  Outbox(store::Store& store, std::function<void()> on_commit, size_t max_batch = 1024)
      : GroupCommit(
            "outbox",
            // Deferred durability: the fsync of one batch overlaps the next batch's inserts;
            // callers still hear back only once their message is on disk.
            [&store](std::vector<store::NewMessage>& batch) {
              auto r = insert_unless_opted_out(store, batch, store::Commit::kDeferred);
              if (r) count_accepted(*r);
              return r;
            },
            std::move(on_commit), max_batch, [&store] { store.messages().sync_deferred(); }) {}

  // Queues a message; `done` gets the stored message, or the batch's error, or the refusal.
  void submit(store::NewMessage message, Done done) {
    GroupCommit::submit(std::move(message),
                        [done = std::move(done)](Result<Result<store::InsertResult>> r) {
                          if (!r) return done(r.error());
                          done(std::move(*r));
                        });
  }
};

}  // namespace sb::engine
