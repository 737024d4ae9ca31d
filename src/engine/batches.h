// Batches (docs/batches.md): one message template sent to many recipients. An upload (CSV read
// as a stream, or JSON recipients) is checked as a whole (header, template variables, ragged
// rows, UTF-8), stored with its rows in chunks and answered once durable; a runner thread then
// turns each chunk's rows into messages in one transaction per chunk, resuming after a crash at
// the chunk it stopped in. Every row meets the checks of a single send (Gateway::prepare, the
// opt-out list); a row is one message at most (its idempotency key is the batch and row), and a
// recipient one message per batch unless deduplication is off. Pause holds the batch's unsent
// messages, resume releases them, cancel cancels them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <istream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/batch.h"
#include "core/clock.h"
#include "core/message_template.h"
#include "core/result.h"
#include "engine/gateway.h"
#include "engine/page.h"
#include "store/store.h"

namespace sb::engine {

struct BatchOptions {
  int64_t max_rows = 5'000'000;
  // How long a runner holds a batch it materialises without progress before another may take
  // it (another instance, or this one after a crash).
  int64_t lease_ms = 30'000;
  int64_t poll_ms = 250;         // how often an idle runner looks for work
  int64_t settle_every_ms = 1'000;  // how often sending batches are checked for their end
  std::string owner;             // this instance's name in leases
};

// A batch with its messages' counts and one page of its failed rows.
struct BatchView {
  Batch batch;
  std::map<std::string, int64_t> messages;  // the batch's messages by status
  std::vector<BatchError> errors;
  std::optional<int64_t> errors_next;  // the row to pass as errors_after for the next page
};

// What a batch would do (dry_run): nothing is stored.
struct BatchDryRun {
  int64_t total = 0;
  int64_t messages = 0;  // rows that would be messages
  BatchSkips skips;
  std::map<std::string, int64_t> segments;  // by encoding (gsm7 | ucs2), summed over messages
  int64_t segments_total = 0;
  std::vector<BatchError> errors;  // the first kDryRunErrors failing rows
  struct Preview {
    int64_t row = 0;
    std::string to;
    std::string from;
    std::string body;
    int segments = 0;
    std::string encoding;
  };
  std::vector<Preview> preview;  // the first kDryRunPreview messages
};

class Batches {
 public:
  static constexpr size_t kDryRunErrors = 100;
  static constexpr size_t kDryRunPreview = 5;

  Batches(store::Store& store, Gateway& gateway, const Clock& clock, BatchOptions options);
  ~Batches();

  // The runner: materialises batches, cancels what a canceled batch has not sent, finishes
  // batches whose messages are all final.
  void start();
  void stop();
  // Look for work now (a batch was stored or resumed) rather than at the next poll.
  void wake();
  // Called after the runner inserted messages (wakes the dispatcher).
  void set_on_messages(std::function<void()> fn) { on_messages_ = std::move(fn); }

  // A CSV upload: `spec` as the query gives it (columns empty: the header names them). Errors:
  // the spec's (invalid_template, conflicting_fields, unknown_pool, from_not_owned,
  // invalid_category, invalid_validity_period, invalid_send_at, invalid_url), invalid_csv
  // (field rows[N]: a malformed or ragged row), invalid_utf8 (rows[N].<column>), missing_column
  // (to), unknown_variable (variables.<name>), empty_batch, too_many_rows.
  Result<BatchView> create_csv(const std::string& account, BatchSpec spec, std::istream& csv);
  Result<BatchDryRun> dry_run_csv(const std::string& account, BatchSpec spec, std::istream& csv);
  // JSON recipients: spec.columns names each row's fields (the recipient first). A recipient
  // without a variable the template uses is unknown_variable naming it and the rows.
  Result<BatchView> create_rows(const std::string& account, BatchSpec spec,
                                std::vector<BatchRow> rows);
  Result<BatchDryRun> dry_run_rows(const std::string& account, BatchSpec spec,
                                   std::vector<BatchRow> rows);

  // The account's batch with errors after row `errors_after` (at most errors_limit). not_found.
  Result<BatchView> get(const std::string& account, const std::string& id, int64_t errors_after,
                        int errors_limit);
  // The account's batches, newest first, before id `before`.
  Result<Page<BatchView>> list(const std::string& account, const std::string& before, int limit);
  // Pause (materializing | sending), resume (paused), cancel (anything not finished). Pausing a
  // paused batch or canceling a canceled one is no change. Errors: not_found, invalid_state.
  Result<BatchView> pause(const std::string& account, const std::string& id);
  Result<BatchView> resume(const std::string& account, const std::string& id);
  Result<BatchView> cancel(const std::string& account, const std::string& id);

  // One pass of the runner's work (tests drive it without the thread): true when it did any.
  bool run_once();

 private:
  // Where an upload's rows go, one at a time; and what hands them over (the CSV reader, which
  // also names spec.columns from the header, or a JSON batch's rows).
  using RowSink = std::function<Result<void>(BatchRow&&)>;
  using RowSource = std::function<Result<void>(BatchSpec&, const RowSink&)>;
  Result<void> check_spec(const std::string& account, const BatchSpec& spec) const;
  // The CSV's header (the recipient column, the template's variables) and rows, checked.
  Result<void> read_csv(BatchSpec& spec, std::istream& csv, const RowSink& on_row) const;
  RowSource csv_source(std::istream& csv) const;
  Result<void> check_rows(const BatchSpec& spec, const std::vector<BatchRow>& rows) const;
  Result<BatchView> store_upload(const std::string& account, BatchSpec spec,
                                 const RowSource& rows);
  Result<BatchDryRun> dry_run(const std::string& account, BatchSpec spec, const RowSource& rows);
  Result<BatchView> view(Batch b, int64_t errors_after, int errors_limit);
  void materialise(const Batch& b);
  // Appends a batch.progress event with the batch's status and counts, unless they are what the
  // last one from this instance said.
  void report(const Batch& b);
  void settle();
  void run();

  store::Store& store_;
  Gateway& gateway_;
  const Clock& clock_;
  BatchOptions options_;
  std::function<void()> on_messages_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::atomic<bool> stop_flag_{false};
  TimeMs next_settle_ = 0;
  std::mutex reported_mu_;
  std::unordered_map<std::string, std::string> reported_;  // batch id -> its last event's data
  // Batches this runner finished, reported on for an hour more: id -> (account, until). The
  // runner thread's own.
  std::unordered_map<std::string, std::pair<std::string, TimeMs>> recently_finished_;
  TimeMs next_finished_report_ = 0;
  TimeMs next_cleanup_ = 0;
  std::thread thread_;
};

}  // namespace sb::engine
