// Provider status reports in, whatever brought them: a connector that pushes them (the simulated
// carrier; SMPP delivery receipts), reconciliation's status queries, and provider webhooks. Each
// is matched to our message by (connector, provider message id) and goes through the one apply
// path (store::StatusRepository::apply), which decides the rest the same way for all:
// - a report the state machine refuses (a regression such as `sent` after `delivered`) or that
//   repeats the current status is recorded as an event and changes nothing;
// - a report for an id no message has yet (it overtook the response of the send that names the
//   id) is kept as an orphan and applied once that send is recorded (`tick`), unless its source
//   asks again by itself (Unknown::kAskAgain);
// - an applied change queues the app's status callback in the same transaction.
// A webhook's reports are applied inside the webhook's own transaction (atomic with its dedupe
// record, engine/webhooks.cc) with orphans kept; the processor then hands the results to
// `applied` for the same logging and callback wake-up.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "providers/connector.h"
#include "store/store.h"

namespace sb::engine {

class StatusIngest final : public providers::StatusSink {
 public:
  // What a report for an unknown provider id does.
  enum class Unknown {
    kKeep,      // kept as an orphan: its source will not send it again
    kAskAgain,  // reported not stored: its source retries (a pushing connector, reconciliation)
  };

  // `on_applied` runs after stored reports queued app callbacks (to wake the callback sender).
  StatusIngest(store::Store& store, const Clock& clock, std::function<void()> on_applied)
      : store_(store), clock_(clock), on_applied_(std::move(on_applied)) {}

  // Applies a batch in one durable transaction; results in input order. `source` names the
  // route in the log ("sim", "reconciliation", a connector's webhook).
  Result<std::vector<store::TransitionResult>> ingest(const std::vector<StatusReport>& reports,
                                                      Unknown unknown, std::string_view source);

  // StatusSink, for connectors that push reports: ingest with Unknown::kAskAgain; true per report
  // that was stored (matched to its message).
  std::vector<bool> on_status(const std::vector<StatusReport>& reports) override;
  // StatusSink, for reports the provider sends once (SMPP receipts): ingest with Unknown::kKeep;
  // true per report when the batch was stored.
  std::vector<bool> keep_status(const std::vector<StatusReport>& reports) override;

  // Logs reports applied elsewhere in the same way (a webhook's, inside its own transaction) and
  // wakes the callback sender if they queued callbacks.
  void applied(const std::vector<StatusReport>& reports,
               const std::vector<store::TransitionResult>& results, std::string_view source);

  // Applies orphans whose message is now known, and hourly drops those older than `retention_ms`
  // (their message never came). Called on a timer (the webhook processor's tick).
  void tick(int64_t retention_ms);

 private:
  store::Store& store_;
  const Clock& clock_;
  std::function<void()> on_applied_;
  TimeMs last_prune_ = 0;
};

}  // namespace sb::engine
