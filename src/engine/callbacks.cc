// Callback delivery loop.
#include "core/thread_name.h"
#include "engine/callbacks.h"

#include <spdlog/spdlog.h>

#include "engine/retry.h"

namespace sb::engine {

CallbackSender::CallbackSender(store::Store& store, HttpClient& http, const Clock& clock,
                               CallbackOptions options)
    : store_(store), http_(http), clock_(clock), options_(options) {}

CallbackSender::~CallbackSender() { stop(); }

void CallbackSender::start() {
  std::lock_guard lk(mu_);
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] {
      set_thread_name("sb-callbacks");
      worker_loop();
    });
}

void CallbackSender::wake() {
  {
    std::lock_guard lk(mu_);
    ++wake_seq_;
  }
  cv_.notify_one();
}

void CallbackSender::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void CallbackSender::worker_loop() {
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lk(mu_);
      if (stopping_) return;
      seen = wake_seq_;
    }
    const int attempted = run_once();
    if (attempted > 0) cv_.notify_one();  // enlist a peer while there is work
    if (attempted >= options_.batch_size) continue;
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, std::chrono::milliseconds(options_.poll_interval_ms),
                 [&] { return stopping_ || wake_seq_ != seen; });
  }
}

int CallbackSender::run_once() {
  auto claimed = store_.claim_deliveries(clock_.now_ms(), options_.lease_ms, options_.batch_size);
  if (!claimed) return 0;
  for (const auto& d : *claimed) {
    HttpRequest req;
    req.method = "POST";
    req.url = d.url;
    req.body = d.payload;
    req.timeout_ms = options_.timeout_ms;
    req.headers = {{"Content-Type", "application/json"},
                   {"Switchboard-Delivery", d.id},
                   {"Switchboard-Attempt", std::to_string(d.attempts)}};
    const HttpResponse resp = http_.send(req);
    const TimeMs now = clock_.now_ms();
    const bool success = resp.status >= 200 && resp.status < 300;
    const std::string error =
        success ? "" : (resp.error.empty() ? "HTTP " + std::to_string(resp.status) : resp.error);
    bool done = success;
    std::optional<TimeMs> retry_at;
    if (!success) {
      double jitter;
      {
        std::lock_guard lk(rng_mu_);
        jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
      }
      const RetryPolicy p{0, options_.base_delay_ms, options_.max_delay_ms, 0};
      const TimeMs next = now + backoff_ms(p, d.attempts, jitter);
      if (next - d.created_at > options_.max_age_ms) {
        done = true;
        spdlog::warn("message {} status callback {} abandoned after {} attempts: {}", d.message_id,
                     d.id, d.attempts, error);
      } else {
        retry_at = next;
        spdlog::info("message {} status callback {} attempt {} failed ({}); retrying", d.message_id,
                     d.id, d.attempts, error);
      }
    }
    auto r = store_.finish_delivery(d.id, done, success, resp.status, error, now, retry_at);
    if (!r) spdlog::error("callbacks: could not record delivery {}: {}", d.id, r.error().message);
  }
  return static_cast<int>(claimed->size());
}

}  // namespace sb::engine
