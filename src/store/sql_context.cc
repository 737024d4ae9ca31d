// The SQL context's out-of-line parts: the error boundary, placeholders, the due-work probe.
#include "store/sql_context.h"

#include <spdlog/spdlog.h>

namespace sb::store {

Error db_error(const std::exception& e) {
  if (dynamic_cast<const Rollback*>(&e)) return Error::make("rolled_back", e.what());
  spdlog::error("store: {}", e.what());
  if (dynamic_cast<const DiskFull*>(&e)) {
    return Error::make("storage_full", "the database's disk is full; nothing was stored");
  }
  if (dynamic_cast<const CommitUnknown*>(&e)) {
    return Error::make("commit_unknown",
                       "the database connection was lost while committing; the change may or may "
                       "not have been stored");
  }
  if (dynamic_cast<const DbUnreachable*>(&e)) {
    return Error::make("database_unavailable", "the database cannot be reached");
  }
  return Error::make("storage_error", "the database could not complete the operation");
}

std::string placeholders(size_t rows, size_t cols, size_t first) {
  std::string out;
  size_t n = first;
  for (size_t r = 0; r < rows; ++r) {
    out += r ? ", (" : "(";
    for (size_t c = 0; c < cols; ++c) {
      if (c) out += ", ";
      out += '$';
      out += std::to_string(++n);
    }
    out += ")";
  }
  return out;
}

bool SqlContext::due_exists(std::string_view sql, TimeMs now) {
  // Not through read(): a probe that cannot tell is not an error to log, the claim will say.
  try {
    auto c = db_->reader();
    return !c->query(sql, {now}).empty();
  } catch (const std::exception&) {
    return true;
  }
}

}  // namespace sb::store
