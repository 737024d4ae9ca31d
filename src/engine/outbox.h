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

  // Queues a message; `done` runs on the outbox's completion thread once the batch holding it
  // committed (or failed). Never blocks on the database.
  void submit(store::NewMessage message, Done done);
  // Stops accepting, commits what is queued, runs every pending `done`, joins the threads.
  void stop();

 private:
  struct Item {
    store::NewMessage message;
    Done done;
  };
  struct Completed {
    std::vector<Done> dones;
    Result<std::vector<store::InsertResult>> results;
  };
  void write_loop();
  void complete_loop();

  store::Store& store_;
  std::function<void()> on_commit_;
  size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  // Replies are built and sent on a second thread so the writer starts the next batch at once.
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::deque<Completed> completed_;
  bool writer_finished_ = false;
  std::thread writer_;
  std::thread completer_;
};

}  // namespace sb::engine
