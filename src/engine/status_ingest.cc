// Applies provider reports in one transaction per batch.
#include "engine/status_ingest.h"

#include <spdlog/spdlog.h>

namespace sb::engine {

std::vector<bool> StatusIngest::on_status(const std::vector<StatusReport>& reports) {
  std::vector<store::Transition> ts;
  ts.reserve(reports.size());
  for (const auto& r : reports) ts.push_back(store::Transition::from_report(r));
  // Durable, as StatusSink::on_status promises its connector.
  auto results = store_.status().apply(ts, {.messages = false, .durable = true});
  if (!results) {
    spdlog::error("status: {} reports not stored: {}", reports.size(), results.error().message);
    return std::vector<bool>(reports.size(), false);
  }
  std::vector<bool> out;
  out.reserve(reports.size());
  bool callbacks_queued = false;
  for (size_t i = 0; i < reports.size(); ++i) {
    const auto& r = (*results)[i];
    out.push_back(r.found);
    callbacks_queued |= r.callback_queued;
    if (!r.found) {
      spdlog::debug("status: {} {} for unknown provider id {}", reports[i].connector,
                    reports[i].provider_status, reports[i].provider_message_id);
    } else {
      spdlog::debug("message {} status {} ({}){}", r.message_id, to_string(reports[i].status),
                    reports[i].provider_status, r.applied ? "" : " not applied");
    }
  }
  if (callbacks_queued && on_applied_) on_applied_();
  return out;
}

}  // namespace sb::engine
