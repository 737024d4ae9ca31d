// The console's people (docs/console.md): users of an account with a role, and their signed-in
// sessions. A password is kept only as its Argon2id hash, a session token only as its SHA-256.
#pragma once

#include <string>

#include "core/clock.h"

namespace sb {

struct ConsoleUser {
  std::string id;  // usr_<ULID>
  std::string account;
  std::string email;  // lower-case; unique across the gateway (sign-in names no account)
  std::string role;   // admin | agent
  std::string password_hash;
  bool disabled = false;
  TimeMs created_at = 0;
  TimeMs last_sign_in_at = 0;  // 0: never
};

struct ConsoleSession {
  std::string token_hash;  // hex SHA-256 of the cookie's token
  std::string user_id;
  TimeMs created_at = 0;
  TimeMs last_seen_at = 0;
  TimeMs expires_at = 0;  // the absolute limit
};

}  // namespace sb
