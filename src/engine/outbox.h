// The outbox's front door: accepts new messages and makes them durable with group commit. Many
// concurrent submissions share one transaction (and one fsync), so throughput grows with load
// while each caller still gets its reply only after its message is committed.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "store/store.h"

namespace sb::engine {

class Outbox {
 public:
  using Done = std::function<void(Result<store::InsertResult>)>;

  // `on_commit` runs after each committed batch (e.g. to wake the dispatcher).
  Outbox(store::Store& store, std::function<void()> on_commit, size_t max_batch = 1024);
  ~Outbox();

  // Queues a message; `done` runs on the writer thread once the batch holding it committed
  // (or failed). Never blocks on the database.
  void submit(store::NewMessage message, Done done);
  // Stops accepting, commits what is queued, joins the writer.
  void stop();

 private:
  struct Item {
    store::NewMessage message;
    Done done;
  };
  void run();

  store::Store& store_;
  std::function<void()> on_commit_;
  size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace sb::engine
