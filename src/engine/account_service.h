// What an account holds beside its messages, as every surface reads it: its webhook signing
// secret, its Twilio-compatible credentials, its re-hosted media, and the gateway's readiness
// (database and unrouted traffic).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace sb::engine {

struct Readiness {
  bool database_ok = false;
  std::string database_error;  // when not ok (for the log; surfaces say "unreachable")
  int64_t unrouted_inbound = 0;  // inbound messages to numbers no account owns
};

// An existing account's Twilio-compatible credentials, created (a random account SID and auth
// token) when it has none yet; the first writer wins. AccountService and the callback sender
// (which signs Twilio-format requests with the token) share it.
Result<TwilioCredentials> ensure_twilio_credentials(store::Store& store, const std::string& account,
                                                    TimeMs now);

class AccountService {
 public:
  AccountService(store::Store& store, const Clock& clock);

  // The account's webhook signing secret, created on first use.
  Result<SigningSecret> signing_secret(const std::string& account);
  // Replaces it with a new random one.
  Result<SigningSecret> rotate_signing_secret(const std::string& account);
  // One of the account's media items. Errors: not_found (field id).
  Result<MediaRecord> media(const std::string& account, const std::string& id);
  // Any account's media item, for a request that proved its right otherwise (a signed URL).
  // Errors: not_found, database_unavailable.
  Result<MediaRecord> media_by_id(const std::string& id);
  // Whether the database answers, and what waits for an operator.
  Readiness readiness();

  // The account's credentials for the Twilio-compatible API, created on first use. Errors:
  // not_found (no such account), database_unavailable.
  Result<TwilioCredentials> twilio_credentials(const std::string& account);
  // A new auth token; the current one stays accepted until drop_previous_twilio_token.
  Result<TwilioCredentials> rotate_twilio_token(const std::string& account);
  // Stops accepting the token a rotation replaced.
  Result<TwilioCredentials> drop_previous_twilio_token(const std::string& account);
  // The account's SMPP server credentials (docs/smpp.md): made on first use, or given a new
  // password when `rotate` (binds with the old one are refused from then on). The password is
  // returned only then; it is stored as an Argon2id hash. Errors: not_found (no such account),
  // database_unavailable.
  struct SmppCredentials {
    std::string system_id;
    std::optional<std::string> password;  // only when made or rotated
    bool rotated = false;
  };
  Result<SmppCredentials> smpp_credentials(const std::string& account, bool rotate);
  // The account whose SMPP credentials these are. Errors: unauthorized (unknown system_id or
  // wrong password: the same error, so a caller learns nothing about which), database_unavailable.
  Result<std::string> smpp_authenticate(const std::string& system_id, const std::string& password);
  // Where a system_id's receivers are in the account's event log: the saved cursor, or when none
  // is saved yet the log's end now (saved at once, so nothing from then on is missed).
  Result<std::string> smpp_cursor(const std::string& system_id);
  Result<void> save_smpp_cursor(const std::string& system_id, const std::string& cursor);

  // A new API key ("SK…") and its secret, which is returned here once and stored only hashed.
  // Errors: not_found (no such account), invalid_parameter (friendly_name over 64 bytes).
  struct NewApiKey {
    TwilioApiKey key;
    std::string secret;
  };
  Result<NewApiKey> create_twilio_api_key(const std::string& account,
                                          const std::string& friendly_name);
  Result<std::vector<TwilioApiKey>> twilio_api_keys(const std::string& account);
  // Errors: not_found (no such key in the account).
  Result<void> delete_twilio_api_key(const std::string& account, const std::string& sid);

 private:
  store::Store& store_;
  const Clock& clock_;
};

}  // namespace sb::engine
