// Console users and their sessions (core/console_user.h).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/console_user.h"
#include "core/result.h"

namespace sb::store {

class UserRepository {
 public:
  virtual ~UserRepository() = default;
  // false: a user with this email exists (nothing changed).
  virtual Result<bool> add_user(const ConsoleUser& u) = 0;
  // The account's users ("" : everyone's), by email.
  virtual Result<std::vector<ConsoleUser>> list_users(const std::string& account) = 0;
  virtual Result<std::optional<ConsoleUser>> find_user_by_email(const std::string& email) = 0;
  // Disables or enables a user; disabling ends its sessions. false: no such user.
  virtual Result<bool> set_user_disabled(const std::string& email, bool disabled) = 0;
  // Replaces the password hash and ends the user's sessions. false: no such user.
  virtual Result<bool> set_user_password(const std::string& email, const std::string& hash) = 0;
  virtual Result<void> note_sign_in(const std::string& user_id, TimeMs at) = 0;

  virtual Result<void> add_session(const ConsoleSession& s) = 0;
  // The session with this token hash and its user (nullopt: none).
  virtual Result<std::optional<std::pair<ConsoleSession, ConsoleUser>>> find_session(
      const std::string& token_hash) = 0;
  virtual Result<void> touch_session(const std::string& token_hash, TimeMs at) = 0;
  virtual Result<void> delete_session(const std::string& token_hash) = 0;
  // Drops sessions whose absolute or idle limit passed (idle: last seen before `idle_before`).
  virtual Result<int64_t> prune_sessions(TimeMs now, TimeMs idle_before) = 0;
};

}  // namespace sb::store
