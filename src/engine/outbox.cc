// The outbox's batch commit: one opt-out read per batch, then one insert transaction.
#include "engine/outbox.h"

#include <spdlog/spdlog.h>

#include "engine/metrics.h"
#include "engine/opt_outs.h"

namespace sb::engine {

void count_accepted(const std::vector<Result<store::InsertResult>>& results) {
  for (const auto& r : results) {
    if (r && r->kind == store::InsertKind::kCreated) {
      count_message("outbound", r->message.status, r->message.connector);
    }
  }
}

Result<std::vector<Result<store::InsertResult>>> insert_unless_opted_out(
    store::Store& store, std::vector<store::NewMessage>& batch, store::Commit commit) {
  std::vector<std::string> recipients;
  for (const auto& nm : batch) {
    if (nm.check_opt_out) recipients.push_back(nm.message.to);
  }
  std::vector<OptOut> opt_outs;
  if (!recipients.empty()) {
    auto found = store.compliance().find_opt_outs(recipients);
    if (!found) {
      spdlog::error("outbox: opt-out check failed: {}", found.error().message);
      // The store's code stays (database_unavailable while PostgreSQL is down, storage_error).
      return Error::make(found.error().code, "the opt-out list could not be read");
    }
    opt_outs = std::move(*found);
  }
  std::vector<std::optional<Error>> refused(batch.size());
  size_t n_refused = 0;
  if (!opt_outs.empty()) {
    for (size_t i = 0; i < batch.size(); ++i) {
      const Message& m = batch[i].message;
      if (!batch[i].check_opt_out) continue;
      if (const auto* o = blocking_opt_out(opt_outs, m.account, m.from, m.to)) {
        refused[i] = opted_out_error(*o);
        ++n_refused;
      }
    }
  }
  std::vector<Result<store::InsertResult>> out;
  out.reserve(batch.size());
  if (n_refused == 0) {
    auto inserted = store.messages().insert(batch, commit);
    if (!inserted) return inserted.error();
    for (auto& r : *inserted) out.emplace_back(std::move(r));
    return out;
  }
  std::vector<store::NewMessage> rest;
  rest.reserve(batch.size() - n_refused);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!refused[i]) rest.push_back(std::move(batch[i]));
  }
  std::vector<store::InsertResult> inserted;
  if (!rest.empty()) {
    auto r = store.messages().insert(rest, commit);
    if (!r) return r.error();
    inserted = std::move(*r);
  }
  size_t next = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (refused[i]) {
      out.emplace_back(std::move(*refused[i]));
    } else {
      out.emplace_back(std::move(inserted[next++]));
    }
  }
  return out;
}

}  // namespace sb::engine
