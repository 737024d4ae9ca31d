// Opt-outs and keyword auto-reply rules as every surface manages them: the rules on what a
// recipient may be sent and what the account answers, validated once here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "engine/gateway.h"
#include "engine/page.h"

namespace sb::engine {

// An opt-out to record: scope "account" (the default without our_number) or "number" (the
// default with it: only our_number may no longer send to the recipient).
struct OptOutRequest {
  std::string number;
  std::optional<std::string> scope;
  std::optional<std::string> our_number;
};

// The fields of an auto-reply rule a create or update sets; unset ones stay as they are.
// `number`: set to nullopt for every number of the account, or to one of its numbers.
struct AutoReplyChanges {
  std::optional<std::optional<std::string>> number;
  std::optional<std::string> match;
  std::optional<std::string> pattern;
  std::optional<std::string> body;
  std::optional<std::vector<std::string>> media_urls;
  std::optional<int64_t> priority;
  std::optional<bool> enabled;
};

class ComplianceService {
 public:
  ComplianceService(store::Store& store, const Gateway& gateway, const Clock& clock);

  // A recipient as opt-outs store it: E.164, or a short code's digits. Errors name `field`.
  Result<std::string> recipient(const std::string& number, const std::string& field) const;

  // The account's opt-outs, oldest first; f.limit is the page size.
  Result<Page<OptOut>> list_opt_outs(OptOutFilter f);
  // Records an opt-out (created=false: it existed, unchanged). Errors: invalid_scope,
  // missing_field, number_not_owned, phone parsing errors.
  Result<AddOptOutResult> add_opt_out(const std::string& account, const OptOutRequest& r);
  // Opts `number` back in: its account-wide opt-out and the one for our_number (nullopt: every
  // one). Errors: not_found when nothing was removed.
  Result<std::vector<OptOut>> remove_opt_outs(const std::string& account, const std::string& number,
                                              const std::optional<std::string>& our_number);
  Result<void> remove_opt_out(const std::string& account, const std::string& id);

  // The account's rules, highest priority first.
  Result<std::vector<AutoReply>> list_auto_replies(const std::string& account);
  Result<AutoReply> get_auto_reply(const std::string& account, const std::string& id);
  // Errors: missing_field (pattern), invalid_match, invalid_pattern/regex, body_too_long,
  // too_many_media, invalid_media_url / media_url_refused, missing_content, number_not_owned,
  // too_many_rules (500 per account).
  Result<AutoReply> create_auto_reply(const std::string& account, const AutoReplyChanges& changes);
  Result<AutoReply> update_auto_reply(const std::string& account, const std::string& id,
                                      const AutoReplyChanges& changes);
  Result<void> delete_auto_reply(const std::string& account, const std::string& id);

 private:
  Result<std::string> our_number(const std::string& account, const std::string& number,
                                 const std::string& field) const;
  Result<void> apply(const std::string& account, const AutoReplyChanges& c, AutoReply& a,
                     bool create) const;

  store::Store& store_;
  const Gateway& gateway_;
  const Clock& clock_;
};

}  // namespace sb::engine
