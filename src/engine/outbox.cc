// Group-commit writer loop and its completion thread.
#include "core/thread_name.h"
#include "engine/outbox.h"

#include <spdlog/spdlog.h>

namespace sb::engine {

Outbox::Outbox(store::Store& store, std::function<void()> on_commit, size_t max_batch)
    : store_(store), on_commit_(std::move(on_commit)), max_batch_(max_batch) {
  writer_ = std::thread([this] {
    set_thread_name("sb-outbox");
    write_loop();
  });
  completer_ = std::thread([this] {
    set_thread_name("sb-outbox-done");
    complete_loop();
  });
}

Outbox::~Outbox() { stop(); }

void Outbox::submit(store::NewMessage message, Done done) {
  {
    std::lock_guard lk(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(message), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(Error::make("shutting_down", "the server is shutting down; retry on another instance"));
}

void Outbox::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (completer_.joinable()) completer_.join();
}

void Outbox::write_loop() {
  std::vector<store::NewMessage> batch;
  for (;;) {
    std::vector<Done> dones;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping and drained
      batch.clear();
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front().message));
        dones.push_back(std::move(queue_.front().done));
        queue_.pop_front();
      }
    }
    auto results = store_.insert_messages(batch);
    if (results) {
      if (on_commit_) on_commit_();
    } else {
      spdlog::error("outbox: batch of {} not committed: {}", batch.size(),
                    results.error().message);
    }
    {
      std::lock_guard lk(done_mu_);
      completed_.push_back({std::move(dones), std::move(results)});
    }
    done_cv_.notify_one();
  }
  {
    std::lock_guard lk(done_mu_);
    writer_finished_ = true;
  }
  done_cv_.notify_one();
}

void Outbox::complete_loop() {
  for (;;) {
    Completed c{{}, std::vector<store::InsertResult>{}};
    {
      std::unique_lock lk(done_mu_);
      done_cv_.wait(lk, [&] { return writer_finished_ || !completed_.empty(); });
      if (completed_.empty()) return;
      c = std::move(completed_.front());
      completed_.pop_front();
    }
    for (size_t i = 0; i < c.dones.size(); ++i) {
      if (c.results) {
        c.dones[i](std::move((*c.results)[i]));
      } else {
        c.dones[i](c.results.error());
      }
    }
  }
}

}  // namespace sb::engine
