// The console's users and sign-in (docs/console.md): accounts' people with a role, Argon2id
// passwords, sessions kept as the SHA-256 of a random token with idle and absolute expiry, and
// sign-in attempts slowed down per email and per address after repeated failures. Every failure
// says the same thing, so sign-in tells nobody which emails exist.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/console_user.h"
#include "core/result.h"
#include "store/store.h"

namespace sb::engine {

struct ConsoleUserOptions {
  int64_t session_idle_ms = 12LL * 3'600'000;      // signed out after this long unused
  int64_t session_max_ms = 7LL * 86'400'000;       // and after this long in any case
  int free_failures = 5;                           // wrong passwords before the slow-down
  int64_t failure_window_ms = 15 * 60'000;         // failures older than this are forgotten
  int64_t max_delay_ms = 15 * 60'000;              // the slow-down's ceiling
};

// Who a console session is.
struct ConsolePrincipal {
  std::string account;
  std::string user_id;
  std::string email;
  std::string role;  // admin | agent
};

class ConsoleUsers {
 public:
  ConsoleUsers(store::Store& store, const Clock& clock, ConsoleUserOptions options = {});

  struct Created {
    ConsoleUser user;
    std::string password;  // the one-time password generated when none was given ("" otherwise)
  };
  // Errors: invalid_email, invalid_role, weak_password (under 10 characters), user_exists,
  // database_unavailable. The account is created when it does not exist yet.
  Result<Created> create(const std::string& account, const std::string& email,
                         const std::string& role, const std::string& password);
  Result<std::vector<ConsoleUser>> list(const std::string& account);
  // The same two by user id within `account`, as admins use them over the API. Errors:
  // not_found (another account's users included); cannot_disable_self when `by_email` (the
  // acting user; "" for an API key) would disable their own user.
  Result<ConsoleUser> set_disabled_of(const std::string& account, const std::string& id,
                                      bool disabled, const std::string& by_email);
  // The password generated when `password` is empty ("" otherwise).
  struct Reset {
    ConsoleUser user;
    std::string password;
  };
  Result<Reset> reset_password_of(const std::string& account, const std::string& id,
                                  const std::string& password);
  // Errors: not_found.
  Result<void> set_disabled(const std::string& email, bool disabled);
  // A new password (generated when `password` is empty; returned); the user's sessions end.
  Result<std::string> reset_password(const std::string& email, const std::string& password);

  struct SignedIn {
    std::string token;  // the cookie's value; only its hash is stored
    ConsolePrincipal who;
    TimeMs expires_at = 0;
  };
  // Errors: unauthorized (one message for every wrong email, password or disabled user),
  // rate_limited (with retry_after_s) after repeated failures for this email or address.
  Result<SignedIn> sign_in(const std::string& email, const std::string& password,
                           const std::string& address);
  // The session's principal, or nullopt when the token is unknown, expired or its user disabled.
  Result<std::optional<ConsolePrincipal>> authenticate(const std::string& token);
  Result<void> sign_out(const std::string& token);

 private:
  struct Failures {
    int count = 0;
    TimeMs last_at = 0;
  };
  Result<ConsoleUser> of_account(const std::string& account, const std::string& id);
  // How long sign-in for `key` must still wait (0: it may try now).
  int64_t wait_ms(const std::string& key, TimeMs now);
  void failed(const std::string& key, TimeMs now);

  store::Store& store_;
  const Clock& clock_;
  ConsoleUserOptions options_;
  std::mutex mu_;
  std::map<std::string, Failures> failures_;  // "email:<e>" and "addr:<a>"
  std::string dummy_hash_;  // verified against when the email is unknown (same time taken)
};

}  // namespace sb::engine
