// Which stored opt-outs stop a message: shared by the send path (Gateway), the dispatcher and
// keyword handling, so all three read the list alike.
#pragma once

#include <string>
#include <vector>

#include "core/compliance.h"
#include "core/result.h"

namespace sb::engine {

// True when `o` forbids a message from `from` to `o.number` in `account`.
inline bool opt_out_applies(const OptOut& o, const std::string& account, const std::string& from) {
  return o.account == account && (o.scope == "account" || o.our_number == from);
}

// The first of `rows` that forbids a message of `account` from `from` to `to`, or nullptr.
inline const OptOut* blocking_opt_out(const std::vector<OptOut>& rows, const std::string& account,
                                      const std::string& from, const std::string& to) {
  for (const auto& o : rows) {
    if (o.number == to && opt_out_applies(o, account, from)) return &o;
  }
  return nullptr;
}

// The refusal: 422 recipient_opted_out on field `to` at the API.
inline Error opted_out_error(const OptOut& o) {
  return Error::make("recipient_opted_out",
                     "the recipient " + o.number + " opted out of messages" +
                         (o.scope == "number" ? " from " + o.our_number : std::string()) +
                         " (source " + o.source + "); only HELP and opt-in confirmations are "
                         "sent to it",
                     "to");
}

}  // namespace sb::engine
