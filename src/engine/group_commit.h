// Group commit: many concurrent submissions share one transaction (and one fsync), so throughput
// grows with load while each caller still hears back only after its own item is committed. Used
// by the outbox (new messages) and by webhook ingest (provider callbacks).
#pragma once

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/latency_histogram.h"
#include "core/result.h"
#include "core/thread_name.h"
#include "engine/metrics.h"

namespace sb::engine {

template <typename Item, typename Out>
class GroupCommit {
 public:
  using Done = std::function<void(Result<Out>)>;
  // Commits a batch in one transaction; results in input order (or one error for all).
  using Commit = std::function<Result<std::vector<Out>>(std::vector<Item>&)>;

  // `on_commit` runs after each committed batch. `name` names the threads and log lines.
  // `sync`, when given, makes committed batches durable (see store::Commit::kDeferred): the
  // completion thread calls it once for all the batches it holds before answering their callers,
  // while the writer goes on with the next batch.
  GroupCommit(std::string name, Commit commit, std::function<void()> on_commit,
              size_t max_batch = 1024, std::function<void()> sync = nullptr)
      : name_(std::move(name)),
        commit_(std::move(commit)),
        on_commit_(std::move(on_commit)),
        sync_(std::move(sync)),
        max_batch_(max_batch),
        batch_metric_(engine_metrics().batch_size.with({name_})),
        commit_metric_(engine_metrics().commit_seconds.with({name_})),
        sync_metric_(engine_metrics().sync_seconds.with({name_})) {
    writer_ = std::thread([this] {
      set_thread_name(("sb-" + name_).substr(0, 15).c_str());
      write_loop();
    });
    completer_ = std::thread([this] {
      set_thread_name(("sb-" + name_ + "-done").substr(0, 15).c_str());
      complete_loop();
    });
  }
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;
  ~GroupCommit() { stop(); }

  // Where the time goes, in µs: for each item, waiting for the writer (submit to the start of
  // its batch) and in all (submit to its callback); for each batch, the commit and its size;
  // for each sync, its duration.
  struct Stats {
    LatencyHistogram wait, total, commit, sync, batch;
  };
  const Stats& stats() const { return stats_; }

  // Queues an item; `done` runs on the completion thread once the batch holding it committed
  // (or failed). Never blocks on the database.
  void submit(Item item, Done done) {
    {
      std::lock_guard lk(mu_);
      if (!stopping_) {
        queue_.push_back({std::move(item), {std::move(done), Clock::now()}});
        cv_.notify_one();
        return;
      }
    }
    done(Error::make("shutting_down", "the server is shutting down; retry on another instance"));
  }

  // Stops accepting, commits what is queued, runs every pending `done`, joins the threads.
  void stop() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (completer_.joinable()) completer_.join();
    if (!logged_ && stats_.total.count() > 0) {
      logged_ = true;
      const auto pq = [](const LatencyHistogram& h) {
        return std::to_string(h.percentile(0.5)) + "/" + std::to_string(h.percentile(0.99)) +
               "/" + std::to_string(h.max());
      };
      spdlog::info(
          "{}: {} items in {} batches (size p50/p99/max {}); us p50/p99/max: waiting for the "
          "writer {}, commit {}, sync {}, submit to reply {}",
          name_, stats_.total.count(), stats_.commit.count(), pq(stats_.batch), pq(stats_.wait),
          pq(stats_.commit), sync_ ? pq(stats_.sync) : std::string("-"), pq(stats_.total));
    }
  }

 private:
  using Clock = std::chrono::steady_clock;
  static int64_t micros(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  }
  struct Waiter {
    Done done;
    Clock::time_point submitted;
  };
  struct Queued {
    Item item;
    Waiter waiter;
  };
  struct Completed {
    std::vector<Waiter> waiters;
    Result<std::vector<Out>> results;
  };

  void write_loop() {
    std::vector<Item> batch;
    for (;;) {
      std::vector<Waiter> waiters;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;  // stopping and drained
        batch.clear();
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(queue_.front().item));
          waiters.push_back(std::move(queue_.front().waiter));
          queue_.pop_front();
        }
      }
      const auto started = Clock::now();
      for (const auto& w : waiters) stats_.wait.add(micros(started - w.submitted));
      stats_.batch.add(static_cast<int64_t>(batch.size()));
      auto results = commit_(batch);
      const auto committed = Clock::now();
      stats_.commit.add(micros(committed - started));
      batch_metric_.observe(static_cast<double>(batch.size()));
      commit_metric_.observe(std::chrono::duration<double>(committed - started).count());
      if (results) {
        if (on_commit_) on_commit_();
      } else {
        spdlog::error("{}: batch of {} not committed: {}", name_, batch.size(),
                      results.error().message);
      }
      {
        std::lock_guard lk(done_mu_);
        completed_.push_back({std::move(waiters), std::move(results)});
      }
      done_cv_.notify_one();
    }
    {
      std::lock_guard lk(done_mu_);
      writer_finished_ = true;
    }
    done_cv_.notify_one();
  }

  // Replies are built and sent here so the writer starts the next batch at once.
  void complete_loop() {
    std::deque<Completed> ready;
    for (;;) {
      {
        std::unique_lock lk(done_mu_);
        done_cv_.wait(lk, [&] { return writer_finished_ || !completed_.empty(); });
        if (completed_.empty()) return;
        ready.swap(completed_);
      }
      if (sync_) {
        const bool any_committed =
            std::any_of(ready.begin(), ready.end(), [](const Completed& c) { return c.results.ok(); });
        if (any_committed) {
          const auto started = Clock::now();
          sync_();
          const auto synced = Clock::now();
          stats_.sync.add(micros(synced - started));
          sync_metric_.observe(std::chrono::duration<double>(synced - started).count());
        }
      }
      for (auto& c : ready) {
        for (size_t i = 0; i < c.waiters.size(); ++i) {
          if (c.results) {
            c.waiters[i].done(std::move((*c.results)[i]));
          } else {
            c.waiters[i].done(c.results.error());
          }
          stats_.total.add(micros(Clock::now() - c.waiters[i].submitted));
        }
      }
      ready.clear();
    }
  }

  std::string name_;
  Commit commit_;
  std::function<void()> on_commit_;
  std::function<void()> sync_;
  size_t max_batch_;
  metrics::Histogram& batch_metric_;
  metrics::Histogram& commit_metric_;
  metrics::Histogram& sync_metric_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::deque<Completed> completed_;
  bool writer_finished_ = false;
  std::thread writer_;
  std::thread completer_;
  Stats stats_;
  bool logged_ = false;
};

}  // namespace sb::engine
