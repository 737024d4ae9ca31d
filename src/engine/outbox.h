// The outbox's front door: accepts new messages and makes them durable with group commit (see
// group_commit.h): each caller gets its reply only after its message is committed.
#pragma once

#include <functional>

#include "engine/group_commit.h"
#include "store/store.h"

namespace sb::engine {

class Outbox : public GroupCommit<store::NewMessage, store::InsertResult> {
 public:
  // `on_commit` runs after each committed batch (e.g. to wake the dispatcher).
  Outbox(store::Store& store, std::function<void()> on_commit, size_t max_batch = 1024)
      : GroupCommit(
            "outbox",
            [&store](std::vector<store::NewMessage>& batch) {
              return store.insert_messages(batch);
            },
            std::move(on_commit), max_batch) {}
};

}  // namespace sb::engine
