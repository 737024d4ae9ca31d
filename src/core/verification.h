// Verification (2FA) records: one code sent to a recipient, and what starting one did.
#pragma once

#include <string>

#include "core/clock.h"

namespace sb {

// One verification code sent to a recipient; only the salted hash of the code is stored.
struct Verification {
  std::string id;
  std::string account;
  std::string to;
  std::string message_id;  // the message that carried the code
  std::string salt;
  std::string code_hash;
  std::string status = "pending";  // pending | approved | failed (check limit) | canceled
  int checks = 0;                  // check attempts so far
  TimeMs created_at = 0;
  TimeMs expires_at = 0;
  TimeMs updated_at = 0;
};

struct VerificationStart {
  bool created = false;
  TimeMs retry_at = 0;  // when not created (rate limited): when the next send is allowed
};

}  // namespace sb
