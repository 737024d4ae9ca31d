// The live event log, read side: the rows the live stream (GET /v1/events) is made of, read from
// the tables that record each change in the change's own transaction (message_events: messages
// created, status changes, redactions; opt_out_events: opt-outs and opt-ins; batch_events: a
// batch's progress). Each table's ids increase; a reader keeps one position per table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sb::store {

enum class EventTable { kMessages, kOptOuts, kBatches };

struct LoggedEvent {
  EventTable table = EventTable::kMessages;
  int64_t id = 0;
  std::string account;
  // message_events.type ("status", "redacted", …) | opt_out | opt_in | batch_events.type
  // ("progress")
  std::string type;
  std::string subject;  // the message id | the opted-out number | the batch id
  std::string status;   // message events: the status reported
  bool applied = true;
  TimeMs at = 0;
  std::string error_code;
  std::string error_message;
  // message events: the detail; opt-outs: the source (keyword, api, …); batches: the event's
  // data (JSON)
  std::string detail;
  std::string scope;   // opt-outs: account | number
  std::string our_number;
};

class EventRepository {
 public:
  virtual ~EventRepository() = default;
  // Rows of `table` with after < id <= upto (no upper bound when upto is 0), oldest first, at
  // most `limit`; only `account`'s when it is not empty. Rows without an account are skipped.
  virtual Result<std::vector<LoggedEvent>> read(EventTable table, int64_t after, int64_t upto,
                                                const std::string& account, int limit) = 0;
  // The highest id of `table` (0 when empty).
  virtual Result<int64_t> max_id(EventTable table) = 0;
};

}  // namespace sb::store
