// Versioned schema migrations, shared by both dialects ({{autoid}} and {{without_rowid}} are the
// spellings that differ).
#pragma once

#include <string_view>
#include <vector>

namespace sb::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& migrations();

// The WHERE of the partial index message_states_outbox (migrations 14 and 28), which every query
// meant to use that index repeats verbatim: SQLite takes a partial index only for a query whose
// WHERE implies its predicate, judged by comparing expressions. OR rather than IN: SQLite evaluates
// an IN list of more than two constants through a temporary b-tree, built afresh by every execution
// of every statement that inserts or updates a row of the table (measured ~3.5 us per UPDATE).
inline constexpr std::string_view kOutboxStatuses =
    "(status = 'queued' OR status = 'sending' OR status = 'scheduled')";

}  // namespace sb::store
