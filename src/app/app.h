// Wiring: the only place concrete classes meet. Commands of the CLI are implemented here.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "app/config.h"
#include "core/result.h"
#include "store/store.h"

namespace sb::app {

// The value of a store read a command cannot go on without; a failure is thrown with its reason
// (main prints it and exits 1), as commands do with a failed write.
template <typename T>
T value_or_throw(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

// Runs the gateway until SIGINT/SIGTERM. Returns the process exit code.
// With print_routes: prints every registered route ("METHOD /pattern", one a
// line) once the routes are set up, and returns 0 without listening.
int serve(const Config& config, bool print_routes = false);
// Applies migrations and exits.
int migrate(const Config& config);
// An online backup of the configured SQLite database into `to` (docs/operations.md); for
// PostgreSQL, says to use pg_dump and returns 2.
int backup(const Config& config, const std::string& to);
// Forwarding: prints the account's webhook signing secret alone on the last line
// (created on first use), after replacing it with a new one when `rotate`.
int signing_secret(const Config& config, const std::string& account, bool rotate);
// The Twilio-compatible API: prints the account's account SID and auth token (created on first
// use), after a rotation (`rotate`: the old token stays accepted) or dropping the previous token
// (`drop_previous`); as {"account_sid", "auth_token"} with `json`. Or manages its API keys:
// `create_key` (a name) prints a new SK… and its secret (shown only then), `list_keys` the keys
// (never a secret), `delete_key` deletes one.
struct TwilioCredentialsCommand {
  bool rotate = false;
  bool drop_previous = false;
  bool json = false;
  std::optional<std::string> create_key;
  bool list_keys = false;
  std::string delete_key;
};
int twilio_credentials(const Config& config, const std::string& account,
                       const TwilioCredentialsCommand& cmd);
// The SMPP server: prints the account's system_id and, when they are made (first use) or
// `rotate`d, its password (shown only then; stored hashed); as {"system_id", "password"} with
// `json` (password null when not new).
int smpp_credentials(const Config& config, const std::string& account, bool rotate, bool json);
// `switchboard users create|list|disable|enable|reset-password`: the console's users. A password
// is read from stdin with `password_stdin`, else generated and printed once.
struct UsersCommand {
  std::string action;  // create | list | disable | enable | reset-password
  std::string account;
  std::string email;
  std::string role = "agent";
  bool password_stdin = false;
  bool json = false;
};
int users_command(const Config& config, const UsersCommand& cmd);
// `switchboard keys create|list|revoke`: an account's API keys (docs/api.md#api-keys). create
// makes the account if needed and prints the key alone on the last line (or JSON with `json`).
struct KeysCommand {
  std::string action;  // create | list | revoke
  std::string account = "default";
  std::string name;
  std::vector<std::string> scopes;  // create: empty means admin
  std::string expires_at;           // create: RFC 3339
  int64_t expires_in_days = 0;
  int rate_limit = 0;
  std::string key;  // revoke: id, listed prefix or the secret itself
  bool json = false;
};
int keys_command(const Config& config, const KeysCommand& cmd);
// Opens the configured database (creating a SQLite file's directory) and migrates it; throws
// with the reason when it cannot.
std::unique_ptr<store::Store> open_migrated_store(const Config& config);

}  // namespace sb::app
