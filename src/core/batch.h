// Batches (docs/batches.md): one message template sent to many recipients, uploaded as CSV or
// JSON. A batch is stored with its rows first (in chunks of kBatchChunkRows), and only then do
// its rows become messages, one chunk per transaction, so an upload is answered as soon as it is
// durable and a crash mid-way resumes at the chunk where it stopped.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace sb {

// Rows per stored chunk: the materialiser's unit of work, of resumption and of one transaction.
inline constexpr size_t kBatchChunkRows = 1000;

// What every row of a batch shares.
struct BatchSpec {
  std::string body;                   // a template (core/message_template.h)
  std::optional<std::string> from;    // a number of the account, or
  std::optional<std::string> pool;    // a sender pool's id or name
  std::optional<TimeMs> send_at;
  std::string category = "transactional";
  std::optional<int64_t> validity_period_s;
  std::string status_callback;
  bool deduplicate = true;  // a recipient gets one message, from its first valid row
  std::string source;       // csv | json
  // The names of each row's fields, in order: one is the recipient ("to" or "contact_id"), the
  // others are template variables.
  std::vector<std::string> columns;
};

// One row as uploaded: its number (CSV: the file's line, header = 1; JSON: the index in
// `recipients`) and its fields in BatchSpec::columns order (nullopt: a JSON recipient without
// that variable).
struct BatchRow {
  int64_t row = 0;
  std::vector<std::optional<std::string>> fields;
};

// A row that did not become a message.
struct BatchError {
  int64_t row = 0;
  std::string field;  // the column, e.g. "to"
  std::string code;
  std::string message;
};

// Counts of rows that did not become messages (the others are counted from their messages).
struct BatchSkips {
  int64_t invalid = 0;
  int64_t opted_out = 0;
  int64_t duplicates = 0;
};

struct Batch {
  std::string id;  // batch_<ULID>
  std::string account;
  // uploading (not yet visible) | materializing | sending | paused | canceling | canceled |
  // completed
  std::string status;
  BatchSpec spec;
  int64_t total = 0;  // rows
  int chunks = 0;
  int next_chunk = 0;  // chunks below this are materialised
  BatchSkips skips;
  std::string paused_from;  // paused: the status resume returns to
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  std::optional<TimeMs> finished_at;
};

// The spec as stored (JSON), and back; parse errors are storage errors (the store wrote it).
std::string batch_spec_to_json(const BatchSpec& s);
Result<BatchSpec> batch_spec_from_json(std::string_view text);

// A chunk's rows as stored (JSON: [[row, [field|null, ...]], ...]), and back.
std::string batch_rows_to_json(const std::vector<BatchRow>& rows);
Result<std::vector<BatchRow>> batch_rows_from_json(std::string_view text);

// Rows looked at so far (materialised or skipped).
int64_t batch_rows_processed(const Batch& b);
// A batch's counts as the API and its events show them: rows (total, invalid, opted_out,
// duplicates) and its messages by status (queued includes accepted and scheduled; failed includes
// expired), from `messages` (the batch's messages by status).
nlohmann::json batch_counts_json(const Batch& b, const std::map<std::string, int64_t>& messages);

// The index of the recipient's column ("to", else "contact_id") in `columns`, or nullopt.
std::optional<size_t> batch_recipient_column(const std::vector<std::string>& columns);

}  // namespace sb
