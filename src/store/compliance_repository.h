// Compliance: recipients' opt-outs (with their audit trail of events) and keyword auto-reply
// rules.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/compliance.h"
#include "core/result.h"

namespace sb::store {

class ComplianceRepository {
 public:
  virtual ~ComplianceRepository() = default;

  // Records an opt-out (with an opt_out event) unless one with the same (account, number,
  // our_number) exists, which is returned unchanged. `message_id` is for the event ("" : none).
  virtual Result<AddOptOutResult> add_opt_out(const OptOut& o, const std::string& message_id) = 0;
  // Removes `number`'s opt-outs in `account`: the account-wide one and the one for
  // `our_number` (nullopt: every one). Each removal writes an opt_in event. Returns the removed.
  virtual Result<std::vector<OptOut>> remove_opt_outs(const std::string& account,
                                                      const std::string& number,
                                                      const std::optional<std::string>& our_number,
                                                      const std::string& source,
                                                      const std::string& message_id, TimeMs at) = 0;
  // Removes one opt-out by id (with an opt_in event); false when the account has no such id.
  virtual Result<bool> remove_opt_out(const std::string& account, const std::string& id,
                                      const std::string& source, TimeMs at) = 0;
  // Every opt-out of these recipients, in any account (the send paths filter by account and
  // sender).
  virtual Result<std::vector<OptOut>> find_opt_outs(const std::vector<std::string>& numbers) = 0;
  // An account's opt-outs, oldest first, paged by id.
  virtual Result<std::vector<OptOut>> list_opt_outs(const OptOutFilter& f) = 0;
  // The audit trail of `number`'s opt-outs and opt-ins in `account`, oldest first.
  virtual Result<std::vector<OptOutEvent>> list_opt_out_events(const std::string& account,
                                                               const std::string& number) = 0;

  virtual Result<void> insert_auto_reply(const AutoReply& r) = 0;
  // The rule `id` of `account` (nullopt: none in this account).
  virtual Result<std::optional<AutoReply>> get_auto_reply(const std::string& account,
                                                          const std::string& id) = 0;
  // An account's rules, highest priority first (ties: oldest first).
  virtual Result<std::vector<AutoReply>> list_auto_replies(const std::string& account) = 0;
  // Replaces the rule's mutable fields (all but id, account, created_at); false when not found.
  virtual Result<bool> update_auto_reply(const AutoReply& r) = 0;
  virtual Result<bool> delete_auto_reply(const std::string& account, const std::string& id) = 0;
};

}  // namespace sb::store
