// The dispatcher: claims due messages from the outbox with a lease, hands each to its
// connector, and records the outcome. Several dispatchers (threads or instances on one
// PostgreSQL) can run at once; a crashed one's claims return to the queue when the lease ends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/retry.h"
#include "providers/connector.h"
#include "store/store.h"

namespace sb::engine {

struct DispatcherOptions {
  int workers = 4;
  int batch_size = 64;
  int64_t lease_ms = 60'000;
  int64_t poll_interval_ms = 500;  // also how soon another instance's messages are noticed
  RetryPolicy retry;
};

class Dispatcher {
 public:
  // `on_callbacks_queued` runs when recorded outcomes queued app callbacks.
  Dispatcher(store::Store& store, std::map<std::string, providers::Connector*> connectors,
             const Clock& clock, DispatcherOptions options, std::string owner,
             std::function<void()> on_callbacks_queued = {});
  ~Dispatcher();

  void start();
  // Wakes idle workers (new messages committed).
  void wake();
  // Stops claiming; in-flight sends finish and are recorded before this returns.
  void stop();

  // Claims and processes one batch on the calling thread; returns how many were claimed.
  // (The workers' loop body; public for tests.)
  int run_once();

 private:
  void worker_loop();

  store::Store& store_;
  std::map<std::string, providers::Connector*> connectors_;
  const Clock& clock_;
  DispatcherOptions options_;
  std::string owner_;
  std::function<void()> on_callbacks_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t wake_seq_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace sb::engine
