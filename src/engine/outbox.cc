// Group-commit writer loop.
#include "engine/outbox.h"

#include <spdlog/spdlog.h>

namespace sb::engine {

Outbox::Outbox(store::Store& store, std::function<void()> on_commit, size_t max_batch)
    : store_(store), on_commit_(std::move(on_commit)), max_batch_(max_batch) {
  writer_ = std::thread([this] { run(); });
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
}

void Outbox::run() {
  std::vector<Item> items;
  std::vector<store::NewMessage> batch;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && items.size() < max_batch_) {
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    batch.clear();
    batch.reserve(items.size());
    for (auto& it : items) batch.push_back(std::move(it.message));
    auto result = store_.insert_messages(batch);
    if (result) {
      for (size_t i = 0; i < items.size(); ++i) items[i].done((*result)[i]);
      if (on_commit_) on_commit_();
    } else {
      spdlog::error("outbox: batch of {} not committed: {}", items.size(), result.error().message);
      for (auto& it : items) it.done(result.error());
    }
    items.clear();
  }
}

}  // namespace sb::engine
