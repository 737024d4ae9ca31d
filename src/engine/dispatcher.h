// The dispatcher: claims due messages from the outbox with a lease, hands them to their
// connectors concurrently, and records the outcomes. It enforces per-sender throughput limits,
// opens a circuit breaker on a failing connector (its messages wait, they are not failed), and
// reconciles messages whose provider report never came by querying the provider. Several
// dispatchers (threads, or instances on one PostgreSQL) can run at once; a crashed one's claims
// return to the queue when the lease ends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/sender_pool.h"
#include "engine/circuit.h"
#include "engine/retry.h"
#include "engine/scheduling.h"
#include "engine/status_ingest.h"
#include "engine/throughput.h"
#include "providers/connector.h"
#include "store/store.h"

namespace sb::engine {

struct DispatcherOptions {
  int workers = 4;        // claiming threads
  int batch_size = 64;    // messages per claim
  int send_threads = 64;  // provider requests in flight at once (all connectors)
  int64_t lease_ms = 60'000;
  int64_t poll_interval_ms = 500;  // also how soon another instance's messages are noticed
  RetryPolicy retry;
  CircuitOptions circuit;
  int64_t reconcile_interval_ms = 60'000;    // 0 disables reconciliation
  int64_t reconcile_after_ms = 600'000;      // query messages `sent` for longer than this
  int64_t reconcile_window_ms = 86'400'000;  // ... but not older than this
  // Calls every connector's health_check once at start: rejected credentials open its circuit
  // (shown in /readyz) before the first message fails on them.
  bool health_check_at_start = true;
};

class Dispatcher {
 public:
  // `throughput`: messages/s per sender number (absent or <= 0: unlimited).
  // `on_callbacks_queued` runs when recorded outcomes queued app callbacks.
  Dispatcher(store::Store& store, std::map<std::string, providers::Connector*> connectors,
             const Clock& clock, DispatcherOptions options, std::string owner,
             std::unordered_map<std::string, double> throughput = {},
             std::function<void()> on_callbacks_queued = {});
  ~Dispatcher();

  void start();
  // Wakes an idle worker (new messages committed).
  void wake();
  // A message left the queue outside the dispatcher (canceled): releases its place in its
  // number's throughput line.
  void forget(const std::string& message_id) { limiter_.forget(message_id); }
  // Stops claiming; in-flight sends finish and are recorded before this returns.
  void stop();
  // Replaces the per-sender throughput map (numbers reloaded from the store: imports, other
  // instances' changes). Safe while running; slots already reserved are kept.
  void set_throughput(std::unordered_map<std::string, double> throughput);

  // Claims and processes one batch on the calling thread; returns how many were claimed, or -1
  // when the claim failed (the database refused it). (The workers' loop body; public for tests.)
  int run_once();
  // One reconciliation pass over every connector; returns how many messages changed status. On a
  // shared database (PostgreSQL) the pass runs only on the instance holding the reconciliation
  // lease (store::ClusterRepository), taken for one reconcile interval: 0 elsewhere.
  int reconcile_once();

  // one pass over due provider redactions (DELETE /v1/messages/{id}):
  // claims them, asks each message's connector to erase its copy, records the outcome. The
  // workers run it (one of them per poll interval); returns how many were claimed.
  int redact_once();

  std::vector<ConnectorState> connector_states() const;
  // One health check of every connector (see DispatcherOptions::health_check_at_start).
  void check_health();

  // Quiet hours: a claimed marketing message inside its recipient's window goes back to the
  // queue until it ends (a scheduled one that came due at night, a retry). Set before start().
  void set_quiet_hours(std::shared_ptr<const QuietHours> q) { quiet_hours_ = std::move(q); }
  // Where reconciliation's answers go: the ingest every provider report takes, as reports that
  // reconciliation asks again for when unmatched. Set before start(); without it, no
  // reconciliation runs.
  void set_status_ingest(StatusIngest& ingest) { statuses_ = &ingest; }
  // Failover (docs/pools.md): another sender for a pooled message that cannot leave from its
  // own (its connector's circuit is open, or the provider refused the sender), avoiding the
  // connectors in `down`; nullopt: none. Set before start(); unset: messages wait for their
  // sender.
  using Rerouter = std::function<std::optional<PoolMove>(
      const Message& m, const std::unordered_set<std::string>& down)>;
  void set_rerouter(Rerouter fn) { rerouter_ = std::move(fn); }

 private:
  // Sends `m`, or when its previous claim expired and the provider can be asked, first asks
  // whether it already holds it (see Connector::find_previous_send).
  providers::SendResult attempt(const Message& m, providers::Connector& connector);
  void worker_loop();
  // True when this instance holds (took or renewed) the cluster lease `name` for `lease_ms`, or
  // the database is not shared.
  bool hold_cluster_lease(std::string_view name, int64_t lease_ms);
  void reconcile_loop();
  // Runs every task on the send threads and waits for all of them.
  void run_parallel(std::vector<std::function<void()>>& tasks);
  // Tasks handed to the send threads each as it is added (run_parallel takes them all at once);
  // wait() returns once every one has run. Used by one thread.
  class SendGroup {
   public:
    explicit SendGroup(Dispatcher& d) : d_(d) {}
    void add(std::function<void()> task);
    size_t size() const { return tasks_.size(); }
    void wait();

   private:
    Dispatcher& d_;
    std::deque<std::function<void()>> tasks_;
    std::mutex mu_;
    std::condition_variable done_;
    size_t remaining_ = 0;
  };
  void send_thread_loop();
  double jitter();
  // The transition that moves `m` to another sender of its pool, or nullopt (not pooled, an
  // earlier attempt may have reached its provider, or no other sender can send). `attempted`:
  // this claim's attempt was made (and refused).
  std::optional<store::Transition> reroute(const Message& m, TimeMs now, const std::string& why,
                                           bool attempted);

  store::Store& store_;
  std::map<std::string, providers::Connector*> connectors_;
  const Clock& clock_;
  DispatcherOptions options_;
  std::string owner_;
  std::shared_mutex throughput_mu_;  // guards throughput_ (set_throughput runs concurrently)
  std::unordered_map<std::string, double> throughput_;
  std::function<void()> on_callbacks_queued_;
  StatusIngest* statuses_ = nullptr;
  Rerouter rerouter_;
  std::shared_ptr<const QuietHours> quiet_hours_;
  std::map<std::string, std::unique_ptr<CircuitBreaker>> circuits_;
  ThroughputLimiter limiter_;
  // Held from a claim until its messages have their places in their numbers' lines (limiter_):
  // a worker that claimed later cannot take a place ahead of one that claimed earlier. Inline
  // sends (the simulated carrier) run under it too; network sends are queued after it.
  std::mutex claim_order_mu_;
  // Shared slots (a shared database) held on this instance's send threads, by number: their
  // sends start in slot order, and one interval apart.
  struct Turns {
    std::multiset<TimeMs> slots;  // waiting to start
    TimeMs last_start = 0;        // when the latest one started
  };
  std::mutex turns_mu_;
  std::condition_variable turns_cv_;
  std::unordered_map<std::string, Turns> turns_;  // by number (rate-limited ones only)

  std::mutex mu_;
  std::condition_variable cv_;            // idle workers wait here, and only they (see wake())
  std::condition_variable reconcile_cv_;  // the reconciliation thread waits here
  uint64_t wake_seq_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  std::mutex send_mu_;
  std::condition_variable send_cv_;
  std::deque<std::function<void()>*> send_queue_;
  bool send_stopping_ = false;
  std::vector<std::thread> send_threads_;

  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<TimeMs> last_redact_pass_{0};  // throttles redact_once across workers
};

}  // namespace sb::engine
