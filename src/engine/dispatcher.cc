// Dispatcher workers.
#include "engine/dispatcher.h"

#include <spdlog/spdlog.h>

namespace sb::engine {

Dispatcher::Dispatcher(store::Store& store, std::map<std::string, providers::Connector*> connectors,
                       const Clock& clock, DispatcherOptions options, std::string owner,
                       std::function<void()> on_callbacks_queued)
    : store_(store),
      connectors_(std::move(connectors)),
      clock_(clock),
      options_(options),
      owner_(std::move(owner)),
      on_callbacks_queued_(std::move(on_callbacks_queued)) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  std::lock_guard lk(mu_);
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void Dispatcher::wake() {
  {
    std::lock_guard lk(mu_);
    ++wake_seq_;
  }
  // One worker is enough to look; a worker that finds work wakes a peer (see worker_loop), so
  // idle workers do not all race for the write lock after every commit.
  cv_.notify_one();
}

void Dispatcher::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void Dispatcher::worker_loop() {
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lk(mu_);
      if (stopping_) return;
      seen = wake_seq_;
    }
    const int claimed = run_once();
    if (claimed > 0) cv_.notify_one();              // enlist a peer while there is work
    if (claimed >= options_.batch_size) continue;  // likely more waiting
    std::unique_lock lk(mu_);
    int64_t wait_ms = options_.poll_interval_ms;
    if (auto due = store_.next_due()) {
      wait_ms = std::clamp<int64_t>(*due - clock_.now_ms(), 0, options_.poll_interval_ms);
    }
    if (wait_ms > 0) {
      cv_.wait_for(lk, std::chrono::milliseconds(wait_ms),
                   [&] { return stopping_ || wake_seq_ != seen; });
    }
  }
}

int Dispatcher::run_once() {
  auto claimed = store_.claim_due(owner_, clock_.now_ms(), options_.lease_ms, options_.batch_size);
  if (!claimed) {
    spdlog::warn("dispatcher: claim failed: {}", claimed.error().message);
    return 0;
  }
  if (claimed->empty()) return 0;
  std::vector<store::Transition> outcomes;
  outcomes.reserve(claimed->size());
  for (const Message& m : *claimed) {
    const TimeMs now = clock_.now_ms();
    if (auto t = expiry(m, now)) {
      spdlog::info("message {} expired before sending", m.id);
      outcomes.push_back(std::move(*t));
      continue;
    }
    auto it = connectors_.find(m.connector);
    providers::SendResult result;
    if (it == connectors_.end()) {
      result = providers::SendFailure{providers::FailureKind::kAuth, "connector_unavailable",
                                      "connector '" + m.connector + "' is not configured", {}};
    } else {
      result = it->second->send(m, m.id);
    }
    double jitter;
    {
      std::lock_guard lk(rng_mu_);
      jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }
    store::Transition t = decide(m, result, clock_.now_ms(), options_.retry, jitter);
    if (t.to == Status::kSent) {
      spdlog::debug("message {} sent via {} as {}", m.id, m.connector, *t.provider_message_id);
    } else {
      spdlog::info("message {} attempt {} via {}: {} ({}) -> {}", m.id, m.attempts, m.connector,
                   t.error_code, t.error_message, to_string(t.to));
    }
    outcomes.push_back(std::move(t));
  }
  // If this write fails the leases expire and the messages are retried: the connectors' stable
  // idempotency key (the message id) keeps a retry from creating a second message.
  auto applied = store_.apply(outcomes);
  if (!applied) {
    spdlog::error("dispatcher: could not record outcomes: {}", applied.error().message);
  } else if (on_callbacks_queued_) {
    for (const auto& r : *applied) {
      if (r.applied && !r.message.status_callback.empty()) {
        on_callbacks_queued_();
        break;
      }
    }
  }
  return static_cast<int>(claimed->size());
}

}  // namespace sb::engine
