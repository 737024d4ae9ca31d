// The engine's metric families and its scrape-time gauges.
#include "engine/metrics.h"

#include <spdlog/spdlog.h>

#include <optional>

namespace sb::engine {

EngineMetrics& engine_metrics() {
  static EngineMetrics m = [] {
    auto& r = metrics::registry();
    return EngineMetrics{
        r.counter("switchboard_messages_total",
                  "Message status transitions applied by this process (outbound: accepted, then "
                  "each status it reached; inbound: received).",
                  {"direction", "status", "connector"}),
        r.counter("switchboard_provider_requests_total",
                  "Send requests to providers by outcome (ok, or the failure's class).",
                  {"connector", "outcome"}),
        r.histogram("switchboard_provider_request_duration_seconds",
                    "Duration of send requests to providers.", {"connector"},
                    metrics::exponential_buckets(0.001, 2, 15)),
        r.counter("switchboard_receipts_total",
                  "Provider status reports (receipts) by outcome: applied, not_applied (a repeat "
                  "or a regression), orphaned (kept until its message is known), unknown.",
                  {"connector", "outcome"}),
        r.counter("switchboard_webhooks_total",
                  "Provider webhook requests by outcome (stored, duplicate, rejected, "
                  "unreadable, unknown_connector, error).",
                  {"connector", "outcome"}),
        r.counter("switchboard_app_deliveries_total",
                  "Attempts to deliver status callbacks and forwards to apps, by outcome "
                  "(delivered, retrying, abandoned, refused, dropped).",
                  {"kind", "outcome"}),
        r.histogram("switchboard_group_commit_batch_size", "Items per group-commit transaction.",
                    {"queue"}, metrics::exponential_buckets(1, 2, 11)),
        r.histogram("switchboard_group_commit_duration_seconds",
                    "Duration of one group-commit transaction (without the fsync when it is "
                    "deferred).",
                    {"queue"}, metrics::exponential_buckets(0.0001, 2, 16)),
        r.histogram("switchboard_group_commit_sync_duration_seconds",
                    "Duration of the deferred fsync that makes committed batches durable.",
                    {"queue"}, metrics::exponential_buckets(0.0001, 2, 16)),
    };
  }();
  return m;
}

void count_message(std::string_view direction, Status status, std::string_view connector) {
  engine_metrics().messages.with({direction, to_string(status), connector}).inc();
}

namespace {

// The outbox read at most once per `cache_ms`: scrapes in between get the last answer.
class OutboxGauges {
 public:
  OutboxGauges(store::Store& store, const Clock& clock, int64_t cache_ms)
      : store_(store), clock_(clock), cache_ms_(cache_ms) {}

  struct Values {
    double depth = 0, oldest_age_s = 0, scheduled = 0;
    bool known = false;
  };

  Values read() {
    std::lock_guard lk(mu_);
    const TimeMs now = clock_.now_ms();
    if (read_at_ && now - *read_at_ < cache_ms_) return last_;
    read_at_ = now;
    auto s = store_.messages().outbox_stats(now);
    if (!s) {
      spdlog::warn("metrics: outbox not read: {}", s.error().message);
      last_.known = false;
      return last_;
    }
    last_ = {static_cast<double>(s->depth),
             s->oldest ? static_cast<double>(std::max<TimeMs>(0, now - *s->oldest)) / 1000.0 : 0,
             static_cast<double>(s->scheduled), true};
    return last_;
  }

 private:
  store::Store& store_;
  const Clock& clock_;
  int64_t cache_ms_;
  std::mutex mu_;
  std::optional<TimeMs> read_at_;
  Values last_;
};

metrics::GaugeSamples one(double v, bool known) {
  if (!known) return {};
  return {{{}, v}};
}

}  // namespace

void watch_gauges(store::Store& store, const Clock& clock,
                  std::function<std::vector<ConnectorState>()> circuits, int64_t cache_ms) {
  auto outbox = std::make_shared<OutboxGauges>(store, clock, cache_ms);
  auto& r = metrics::registry();
  r.gauge_callback("switchboard_outbox_depth",
                   "Outbound messages waiting to be sent or being sent (queued, sending, "
                   "scheduled and due).",
                   {}, [outbox] {
                     auto v = outbox->read();
                     return one(v.depth, v.known);
                   });
  r.gauge_callback("switchboard_outbox_oldest_age_seconds",
                   "Age of the oldest message in the outbox (0 when it is empty).", {}, [outbox] {
                     auto v = outbox->read();
                     return one(v.oldest_age_s, v.known);
                   });
  r.gauge_callback("switchboard_scheduled_messages", "Messages scheduled for later.", {}, [outbox] {
    auto v = outbox->read();
    return one(v.scheduled, v.known);
  });
  r.gauge_callback("switchboard_connector_circuit_state",
                   "Circuit breaker of each connector: 0 closed, 1 half-open (probing), 2 open.",
                   {"connector"}, [circuits = std::move(circuits)] {
                     metrics::GaugeSamples out;
                     for (const auto& c : circuits()) {
                       const double v = c.circuit.state == CircuitState::kClosed     ? 0
                                        : c.circuit.state == CircuitState::kHalfOpen ? 1
                                                                                     : 2;
                       out.push_back({{c.id}, v});
                     }
                     return out;
                   });
}

void unwatch_gauges() {
  auto& r = metrics::registry();
  for (const char* name :
       {"switchboard_outbox_depth", "switchboard_outbox_oldest_age_seconds",
        "switchboard_scheduled_messages", "switchboard_connector_circuit_state"}) {
    r.remove(name);
  }
}

}  // namespace sb::engine
