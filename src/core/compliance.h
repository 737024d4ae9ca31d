// Compliance records: recipients' opt-outs (with their audit trail) and keyword auto-replies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace sb {

// A recipient who asked for no more messages. scope "account": nothing from any number of the
// account; scope "number": nothing from `our_number`. (account, number, our_number) is unique,
// our_number being "" for account scope.
struct OptOut {
  std::string id;
  std::string account;
  std::string number;             // the recipient, E.164 (or a short code as dialled)
  std::string scope = "account";  // account | number
  std::string our_number;         // scope number: the sender it applies to; else ""
  std::string source;             // keyword | api | provider_error | import
  TimeMs created_at = 0;
};

// The audit trail of opt-outs: one row per change.
struct OptOutEvent {
  int64_t id = 0;
  std::string account;
  std::string number;
  std::string scope;
  std::string our_number;
  std::string action;      // opt_out | opt_in
  std::string source;      // keyword | api | provider_error | import
  std::string message_id;  // the inbound keyword or the refused message, when there is one
  TimeMs at = 0;
};

struct OptOutFilter {
  std::string account;
  std::optional<std::string> number;
  std::optional<std::string> after_id;  // cursor: ids strictly greater (oldest first)
  int limit = 50;
};

struct AddOptOutResult {
  bool created = false;  // false: an opt-out with the same key already existed (unchanged)
  OptOut opt_out;        // the stored row
};

// A keyword auto-reply rule of an account (our_number "": every number of the account).
struct AutoReply {
  std::string id;
  std::string account;
  std::string our_number;
  std::string match_type = "contains";  // exact | prefix | contains | regex
  std::string pattern;
  std::string reply_body;
  std::vector<std::string> media_urls;
  int64_t priority = 0;  // higher is tried first
  bool enabled = true;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

}  // namespace sb
