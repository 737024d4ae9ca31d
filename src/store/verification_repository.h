// Verifications (2FA): codes sent to recipients, rate-limited per recipient, checked with a
// compare-and-set.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "core/verification.h"

namespace sb::store {

class VerificationRepository {
 public:
  virtual ~VerificationRepository() = default;

  // Inserts `v` unless (v.account, v.to) already has `max_per_window` verifications created in
  // (v.created_at - window_ms, v.created_at]; the check and the insert are one transaction, so
  // concurrent starts cannot exceed the limit. When limited: created=false and retry_at = the
  // instant the oldest of those leaves the window. A new verification cancels the recipient's
  // earlier pending ones (status canceled): only the newest code can be approved.
  virtual Result<VerificationStart> start(const Verification& v, int max_per_window,
                                          TimeMs window_ms) = 0;
  // The newest verification of (account, to) that is pending and not expired at `now`.
  virtual Result<std::optional<Verification>> find_pending(const std::string& account,
                                                           const std::string& to, TimeMs now) = 0;
  // Records one check of verification `id`: checks + 1 and the new status, only if it still has
  // `checks_before` checks and is pending (compare-and-set: a concurrent check makes this
  // return false and change nothing).
  virtual Result<bool> record_check(const std::string& id, int checks_before,
                                    const std::string& new_status, TimeMs now) = 0;
};

}  // namespace sb::store
