// The built-in simulated carrier: a real connector that accepts sends, then reports `sent` and a
// final status after a configurable delay. Magic recipients give deterministic outcomes (see
// README "Simulated carrier"). Everything it is given is appended to a journal file, which also
// makes it survive restarts: it never accepts the same idempotency key twice and re-sends the
// status reports a crash interrupted.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>

#include "providers/connector.h"
#include "providers/settings.h"
#include "providers/spec.h"

namespace sb::providers {

// The simulated carrier has no carrier (no throughput defaults), sends no webhooks, and manages
// numbers by doing nothing: configuring succeeds and changes nothing, and it owns no numbers.
// Inbound messages are made on demand (POST /v1/sim/inbound) and enter as a webhook's would.
inline constexpr ProviderCapabilities kSimCapabilities{
    .number_webhooks = true, .carrier_throughput = false, .simulated_inbound = true};

struct SimOptions {
  std::string id = "sim";
  int64_t delivery_delay_ms = 1000;  // time from acceptance to the final report (sent at half)
  // False: the carrier only acknowledges each submit and never reports a status (an SMPP route
  // without receipts; what Kannel's fakesmsc does). Its messages stay `sent`.
  bool reports = true;
  // Reports are offered no sooner than this after the submit was accepted, whatever the delay
  // (they still carry their own times). At once (delivery_delay_ms = 0), a report usually
  // overtook the dispatcher's record of the send, which lands with the rest of its batch a few
  // milliseconds later: it met an unknown id and was offered again (18 % of all reports under
  // load, each a transaction of its own). A carrier's receipt never comes that soon anyway.
  int64_t first_report_after_ms = 20;
  std::string journal_path;  // empty: keep nothing across restarts
  // A finished message (final report stored, or refused) is remembered, so that a repeated send
  // is recognised as a duplicate, until this long after its last send attempt or its final
  // report, whichever is later. Then it is forgotten: pruned from memory while running, and its
  // lines dropped from the journal at a start where they are at least half of it. Unfinished
  // messages are never forgotten.
  int64_t retention_ms = 86'400'000;
};

// Magic recipients.
inline constexpr std::string_view kSimInvalidNumber = "+15005550001";  // rejected: 21211
inline constexpr std::string_view kSimNotSmsCapable = "+15005550009";  // rejected: 21614
inline constexpr std::string_view kSimUndelivered = "+15005550003";    // accepted, undelivered
inline constexpr std::string_view kSimFlaky = "+15005550004";          // 2 transient failures
inline constexpr std::string_view kSimThrottled = "+15005550005";      // 1 rate limit (1 s)

// How long a status report waits before being offered again after its `tries`-th offer met an
// unknown provider id: 20 ms, 100 ms, then 500 ms.
TimeMs sim_report_retry_delay_ms(int tries);

class SimConnector final : public Connector {
 public:
  SimConnector(SimOptions options, const Clock& clock);
  ~SimConnector() override;

  const std::string& id() const override { return options_.id; }
  std::string_view provider() const override { return "sim"; }
  const ProviderCapabilities& capabilities() const override { return kSimCapabilities; }
  SendResult send(const Message& m, const std::string& idempotency_key) override;
  bool blocking_send() const override { return false; }
  // The simulated carrier has no webhooks to point anywhere: configuring succeeds and changes
  // nothing (no provider ids), and it owns no numbers of its own (an import adds none).
  ProviderResult<NumberWebhooks> configure_number_webhooks(const std::string& /*number*/,
                                                           const std::string& inbound_url,
                                                           const std::string& status_url) override {
    return NumberWebhooks{inbound_url, status_url, {}};
  }
  ProviderResult<std::vector<OwnedNumber>> list_owned_numbers() override {
    return std::vector<OwnedNumber>{};
  }
  void start(StatusSink& sink) override;
  void stop() override;
  // How many messages (idempotency keys) the carrier remembers.
  size_t remembered() const;

 private:
  struct KeyState {
    int attempts = 0;
    std::string provider_id;  // set once accepted
    std::string to;
    TimeMs accepted_at = 0;
    TimeMs last_at = 0;  // the last send attempt, or the final report if later
    bool sent_reported = false;
    bool final_reported = false;
    int64_t journal_lines = 0;  // counted while replaying
  };
  struct Pending {
    TimeMs due;
    StatusReport report;
    int tries = 0;
    bool operator>(const Pending& o) const { return due > o.due; }
  };

  void replay_journal();
  // Rewrites the journal without the lines of messages forgettable at `now` (before pruning).
  void compact_journal(TimeMs now);
  bool forgettable(const KeyState& st, TimeMs now) const;
  // Forgets the finished messages whose retention has passed (under mu_). Only the front of
  // finished_ is looked at, so a pass costs what it forgets, not what is remembered.
  void prune(TimeMs now);
  void write_journal(const std::string& lines);  // whole lines, each ending in '\n'
  void schedule_reports(const std::string& key, KeyState& st, TimeMs now);
  void run_reporter();

  SimOptions options_;
  const Clock& clock_;
  int journal_fd_ = -1;
  mutable std::mutex mu_;
  // Keys as they finished (final report stored, or refused), with their last_at, in about that
  // order: each may be forgotten once the retention has passed since then, unless a later
  // attempt has moved its last_at on.
  std::deque<std::pair<TimeMs, std::string>> finished_;
  std::condition_variable cv_;
  std::unordered_map<std::string, KeyState> keys_;
  std::unordered_map<std::string, std::string> key_by_provider_id_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
  StatusSink* sink_ = nullptr;
  bool stopping_ = false;
  std::thread reporter_;
  // Provider ids: a random prefix drawn at start, then a count (under mu_): unique across
  // restarts without drawing random bytes for every message.
  std::string id_prefix_;
  uint64_t ids_made_ = 0;
};

// The registry row: keys delivery_delay_ms (default 1000, >= 0), reports (default true), journal
// (default var/sim-<id>.jsonl), journal_retention_hours (default 24, >= 1); its webhooks refuse
// everything (it sends none; unless verify_webhooks = false).
ProviderSpec sim_provider_spec();

}  // namespace sb::providers
