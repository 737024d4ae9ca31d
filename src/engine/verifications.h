// Verification codes (2FA): send a one-time code through the normal send path, then check it.
// Codes are stored only as salted HMACs, expire, are single use, allow a limited number of
// checks, and sends per recipient are rate limited. Independent of HTTP.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "engine/gateway.h"
#include "store/store.h"

namespace sb::engine {

struct VerificationOptions {
  int sends_per_hour = 5;  // per (account, recipient)
  int max_checks = 5;      // per code; then denied even with the right code
  int64_t min_ttl_s = 60;
  int64_t max_ttl_s = 86'400;
};

struct VerificationRequest {
  std::string to;
  std::optional<std::string> from;
  int64_t code_length = 6;  // 4-10 digits
  int64_t ttl_seconds = 600;
  std::string template_text = "Your verification code is {code}";
};

// The outcome of a start: the verification, or an error; retry_after_s > 0 with rate_limited.
struct VerificationStartResult {
  Result<Verification> verification = Error::make("internal_error", "not started");
  int64_t retry_after_s = 0;
};

class Verifier {
 public:
  Verifier(store::Store& store, Gateway& gateway, const Clock& clock, VerificationOptions options);

  using StartDone = std::function<void(VerificationStartResult)>;
  // Validates, generates a code, records its hash (subject to the send limit) and queues the
  // message carrying it; `done` runs once the message is committed (or on any error). Errors:
  // invalid_code_length (code_length), invalid_ttl (ttl_seconds), invalid_template (template),
  // those of Gateway::prepare, rate_limited (with retry_after_s), storage_error.
  void start(const std::string& account, const VerificationRequest& req, StartDone done);
  // True (approved) when `code` is the newest pending, unexpired code of (account, to) and it
  // still has checks left; every call counts as a check of that code. Errors: invalid_phone_number
  // (to), storage_error.
  Result<bool> check(const std::string& account, const std::string& to, const std::string& code);

 private:
  store::Store& store_;
  Gateway& gateway_;
  const Clock& clock_;
  VerificationOptions options_;
};

}  // namespace sb::engine
