// Accounts and what belongs to them outside messages: API keys, numbers (from the config and
// imported from providers, with their API settings), webhook signing secrets, and the gateway's
// own generated secrets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/api_key.h"
#include "core/clock.h"
#include "core/delivery.h"
#include "core/number_record.h"
#include "core/result.h"
#include "core/smpp_credential.h"
#include "core/twilio_credentials.h"

namespace sb::store {

class AccountRepository {
 public:
  virtual ~AccountRepository() = default;

  virtual Result<void> ensure_account(const std::string& account, TimeMs now) = 0;
  virtual Result<bool> account_exists(const std::string& account) = 0;

  // API keys (core/api_key.h). The account must exist.
  virtual Result<void> insert_api_key(const ApiKey& key) = 0;
  // The key with this hash, revoked and expired ones included (nullopt: none).
  virtual Result<std::optional<ApiKey>> find_api_key(const std::string& key_hash) = 0;
  // The account's keys, newest first, revoked ones included.
  virtual Result<std::vector<ApiKey>> list_api_keys(const std::string& account) = 0;
  // Revokes the account's key `id` (at `now`; a revoked key keeps its first revocation time).
  // nullopt: the account has no such key.
  virtual Result<std::optional<ApiKey>> revoke_api_key(const std::string& account,
                                                       const std::string& id, TimeMs now) = 0;
  // Records that the key was used at `now`.
  virtual Result<void> touch_api_key(const std::string& id, TimeMs now) = 0;
  // How many unrevoked keys the account has.
  virtual Result<int> count_api_keys(const std::string& account) = 0;

  // Makes the config-sourced numbers match `numbers` (the [[numbers]] of the config): upserts
  // each one (number, account, connector, capabilities, type, throughput; source becomes
  // "config") and deletes config-sourced numbers no longer listed. API settings (forwarding,
  // status_callback) and imported numbers are kept.
  virtual Result<void> sync_numbers(const std::vector<NumberRecord>& numbers, TimeMs now) = 0;
  // An account's numbers, config order first, then imported ones by number.
  virtual Result<std::vector<NumberRecord>> list_numbers(const std::string& account) = 0;
  // Every account's numbers (same order per account).
  virtual Result<std::vector<NumberRecord>> all_numbers() = 0;
  // Inserts each number (its account, connector, capabilities and type; throughput unset: its
  // type's default) with source "import" unless the number is already present in any account
  // (config or import): present numbers, and repeats within `numbers`, are skipped unchanged.
  // The account must exist. One result per input, in order; all or nothing on a database error.
  virtual Result<std::vector<NumberImportResult>> import_numbers(
      const std::vector<NumberRecord>& numbers, TimeMs now) = 0;
  // Changes the API settings of `number` if `account` owns it; nullopt when it does not (or the
  // number is unknown), so another account's number looks absent.
  virtual Result<std::optional<NumberRecord>> update_number_settings(const std::string& account,
                                                                     const std::string& number,
                                                                     const NumberSettingsUpdate& u,
                                                                     TimeMs now) = 0;

  // The account's signing secret, created (256 random bits) on first use.
  virtual Result<SigningSecret> signing_secret(const std::string& account, TimeMs now) = 0;
  // Replaces the account's signing secret with a new random one.
  virtual Result<SigningSecret> rotate_signing_secret(const std::string& account, TimeMs now) = 0;

  // The value stored under `name`, storing `candidate` first when there is none (the first
  // writer wins: every instance of a shared database agrees). For keys generated once, such
  // as the media URL signing key.
  virtual Result<std::string> ensure_secret(const std::string& name, const std::string& candidate,
                                            TimeMs now) = 0;

  // The account's Twilio-compatible credentials, stored from `candidate` (its account_sid and
  // auth_token) when it has none yet; the first writer wins.
  virtual Result<TwilioCredentials> ensure_twilio_credentials(const TwilioCredentials& candidate) = 0;
  // Makes `new_token` the auth token; the current one stays accepted as the previous token
  // (replacing an older previous token). nullopt: the account has no credentials yet.
  virtual Result<std::optional<TwilioCredentials>> rotate_twilio_token(
      const std::string& account, const std::string& new_token, TimeMs now) = 0;
  // Stops accepting the previous token. nullopt: the account has no credentials.
  virtual Result<std::optional<TwilioCredentials>> drop_previous_twilio_token(
      const std::string& account) = 0;
  // The credentials with this account SID (nullopt: none).
  virtual Result<std::optional<TwilioCredentials>> find_twilio_credentials(
      const std::string& account_sid) = 0;
  // The account's credentials (nullopt: none yet).
  virtual Result<std::optional<TwilioCredentials>> twilio_credentials_of(
      const std::string& account) = 0;

  // Twilio API keys. The account must have its credentials already (add reads its SID).
  virtual Result<void> add_twilio_api_key(const TwilioApiKey& key) = 0;
  virtual Result<std::vector<TwilioApiKey>> list_twilio_api_keys(const std::string& account) = 0;
  // false: the account has no key with this SID.
  virtual Result<bool> delete_twilio_api_key(const std::string& account,
                                             const std::string& sid) = 0;
  // The key with this SID, with its account's SID (nullopt: none).
  virtual Result<std::optional<TwilioApiKey>> find_twilio_api_key(const std::string& sid) = 0;

  // SMPP server credentials: one per account. `set` stores them, replacing the account's
  // password hash when it has some (its system_id stays).
  virtual Result<SmppCredential> set_smpp_credential(const SmppCredential& c) = 0;
  virtual Result<std::optional<SmppCredential>> smpp_credential_of(const std::string& account) = 0;
  virtual Result<std::optional<SmppCredential>> find_smpp_credential(
      const std::string& system_id) = 0;
  // Where a system_id's bound receivers are in the account's event log (an event cursor), so a
  // receipt or inbound message is handed over once and after a restart resumes there; "" when
  // none is saved yet.
  virtual Result<std::string> smpp_cursor(const std::string& system_id) = 0;
  virtual Result<void> save_smpp_cursor(const std::string& system_id, const std::string& cursor,
                                        TimeMs now) = 0;
};

}  // namespace sb::store
