// Provider status reports in: one durable apply per batch, one log line per report.
#include "engine/status_ingest.h"

#include <spdlog/spdlog.h>

#include "core/log.h"
#include "engine/metrics.h"

namespace sb::engine {

Result<std::vector<store::TransitionResult>> StatusIngest::ingest(
    const std::vector<StatusReport>& reports, Unknown unknown, std::string_view source) {
  std::vector<store::Transition> ts;
  ts.reserve(reports.size());
  for (const auto& r : reports) ts.push_back(store::Transition::from_report(r));
  store::ApplyOptions options{.messages = false, .durable = true};
  if (unknown == Unknown::kKeep) options.keep_orphans = clock_.now_ms();
  auto results = store_.status().apply(ts, options);
  if (!results) {
    spdlog::error("status: {} reports from {} not stored: {}", reports.size(), source,
                  results.error().message);
    return results.error();
  }
  applied(reports, *results, source);
  return results;
}

std::vector<bool> StatusIngest::on_status(const std::vector<StatusReport>& reports) {
  const std::string source = reports.empty() ? "" : reports.front().connector;
  auto results = ingest(reports, Unknown::kAskAgain, source);
  std::vector<bool> out(reports.size(), false);
  if (!results) return out;
  for (size_t i = 0; i < reports.size(); ++i) out[i] = (*results)[i].found;
  return out;
}

std::vector<bool> StatusIngest::keep_status(const std::vector<StatusReport>& reports) {
  const std::string source = reports.empty() ? "" : reports.front().connector;
  const bool stored = ingest(reports, Unknown::kKeep, source).ok();
  return std::vector<bool>(reports.size(), stored);
}

void StatusIngest::applied(const std::vector<StatusReport>& reports,
                           const std::vector<store::TransitionResult>& results,
                           std::string_view source) {
  bool callbacks_queued = false;
  for (size_t i = 0; i < reports.size() && i < results.size(); ++i) {
    const auto& s = reports[i];
    const auto& r = results[i];
    callbacks_queued |= r.callback_queued;
    const std::string_view outcome = r.orphaned  ? "orphaned"
                                     : !r.found  ? "unknown"
                                     : r.applied ? "applied"
                                                 : "not_applied";
    engine_metrics().receipts.with({s.connector, outcome}).inc();
    if (r.applied) count_message("outbound", r.status, s.connector);
    if (r.orphaned) {
      spdlog::info("status: {} {} for unknown provider id {} from {}: kept as an orphan until "
                   "the message is known",
                   s.connector, s.provider_status, s.provider_message_id, source);
    } else if (!r.found) {
      spdlog::debug("status: {} {} for unknown provider id {} from {}", s.connector,
                    s.provider_status, s.provider_message_id, source);
    } else {
      log::info({.message_id = r.message_id, .connector = s.connector},
                "message {} status {} ({}) from {}{}", r.message_id, to_string(s.status),
                s.provider_status, source, r.applied ? "" : " not applied");
    }
  }
  if (callbacks_queued && on_applied_) on_applied_();
}

void StatusIngest::tick(int64_t retention_ms) {
  const TimeMs now = clock_.now_ms();
  if (auto matched = store_.status().match_orphans(); !matched) {
    spdlog::error("status: orphan reports not matched: {}", matched.error().message);
  } else if (!matched->empty()) {
    bool callbacks = false;
    for (const auto& r : *matched) {
      callbacks |= r.callback_queued;
      log::info({.message_id = r.message_id},
                "message {} status {} applied from an earlier orphan report{}", r.message_id,
                to_string(r.status), r.applied ? "" : " (not applied)");
    }
    if (callbacks && on_applied_) on_applied_();
  }
  if (now - last_prune_ >= 3'600'000) {
    last_prune_ = now;
    if (auto pruned = store_.status().prune_orphans(now - retention_ms); !pruned) {
      spdlog::warn("status: old orphan reports not dropped: {}", pruned.error().message);
    } else if (*pruned > 0) {
      spdlog::info("status: dropped {} orphan reports whose message never came", *pruned);
    }
  }
}

}  // namespace sb::engine
