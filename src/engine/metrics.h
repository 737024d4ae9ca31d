// The engine's metrics (docs/operations.md lists them): message transitions, provider requests,
// receipts, webhooks, app deliveries and group commit, recorded into metrics::registry(); and
// the gauges read at scrape time (outbox depth, scheduled messages, circuit states), which read
// the database at most once a second however often the endpoint is scraped.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "engine/circuit.h"
#include "store/store.h"

namespace sb::engine {

struct EngineMetrics {
  // switchboard_messages_total{direction, status, connector}: status transitions this process
  // applied (outbound: accepted into the outbox, then each status the dispatcher or a receipt
  // moved it to; inbound: received).
  metrics::Family<metrics::Counter>& messages;
  // switchboard_provider_requests_total{connector, outcome} and
  // switchboard_provider_request_duration_seconds{connector}: sends to providers.
  metrics::Family<metrics::Counter>& provider_requests;
  metrics::Family<metrics::Histogram>& provider_request_seconds;
  // switchboard_receipts_total{connector, outcome}: provider status reports, by any route.
  metrics::Family<metrics::Counter>& receipts;
  // switchboard_webhooks_total{connector, outcome}: provider webhook requests.
  metrics::Family<metrics::Counter>& webhooks;
  // switchboard_app_deliveries_total{kind, outcome}: status callbacks and forwards to apps.
  metrics::Family<metrics::Counter>& app_deliveries;
  // switchboard_group_commit_batch_size{queue}, _commit_duration_seconds{queue},
  // _sync_duration_seconds{queue}.
  metrics::Family<metrics::Histogram>& batch_size;
  metrics::Family<metrics::Histogram>& commit_seconds;
  metrics::Family<metrics::Histogram>& sync_seconds;
};

EngineMetrics& engine_metrics();

// switchboard_messages_total{direction, status, connector} += 1.
void count_message(std::string_view direction, Status status, std::string_view connector);

// Seconds since `t0` on the steady clock.
inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Registers the scrape-time gauges: switchboard_outbox_depth,
// switchboard_outbox_oldest_age_seconds, switchboard_scheduled_messages (one store query, cached
// for `cache_ms`) and switchboard_connector_circuit_state{connector} (0 closed, 1 half-open, 2
// open). The store and the functions must outlive the registry's use of them: call unwatch_gauges
// before they go.
void watch_gauges(store::Store& store, const Clock& clock,
                  std::function<std::vector<ConnectorState>()> circuits, int64_t cache_ms = 1'000);
void unwatch_gauges();

}  // namespace sb::engine
