// Signing secrets, media reads and readiness on behalf of a surface.
#include "engine/account_service.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "core/twilio_ids.h"
#include "engine/event_stream.h"
#include "engine/unavailable.h"

namespace sb::engine {

AccountService::AccountService(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Result<SigningSecret> AccountService::signing_secret(const std::string& account) {
  return store_.accounts().signing_secret(account, clock_.now_ms());
}

Result<SigningSecret> AccountService::rotate_signing_secret(const std::string& account) {
  auto s = store_.accounts().rotate_signing_secret(account, clock_.now_ms());
  if (s) spdlog::info("api: signing secret of {} rotated", account);
  return s;
}

Result<MediaRecord> AccountService::media(const std::string& account, const std::string& id) {
  auto m = store_.media().get(account, id);
  if (!m) return unavailable();
  if (!*m) {
    return Error::make("not_found", std::string("no media ").append(id).append(" in this account"),
                       "id");
  }
  return std::move(**m);
}

Result<MediaRecord> AccountService::media_by_id(const std::string& id) {
  auto m = store_.media().get_by_id(id);
  if (!m) {
    spdlog::error("media {}: cannot read: {}", id, m.error().message);
    return Error::make("database_unavailable", "the media cannot be read right now");
  }
  if (!*m) return Error::make("not_found", "no such media", "id");
  return std::move(**m);
}

Readiness AccountService::readiness() {
  Readiness r;
  auto ok = store_.ping();
  if (!ok) {
    r.database_error = ok.error().message;
    return r;
  }
  auto unrouted = store_.webhooks().count_unrouted();
  if (!unrouted) {
    r.database_error = unrouted.error().message;
    return r;
  }
  r.database_ok = true;
  r.unrouted_inbound = *unrouted;
  return r;
}

namespace {
// 128 random bits in hex, as long as Twilio's auth tokens.
std::string new_twilio_token() { return crypto::hex(crypto::random_bytes(16)); }
}  // namespace

Result<TwilioCredentials> ensure_twilio_credentials(store::Store& store, const std::string& account,
                                                    TimeMs now) {
  // Nearly always there: a read, not a durable write, for every signed request and fetch.
  auto existing = store.accounts().twilio_credentials_of(account);
  if (!existing) return existing.error();
  if (*existing) return std::move(**existing);
  TwilioCredentials candidate{account, new_twilio_account_sid(), new_twilio_token(),
                              std::nullopt, now, 0};
  auto c = store.accounts().ensure_twilio_credentials(candidate);
  if (c && c->account_sid == candidate.account_sid) {
    spdlog::info("twilio: credentials created for {} ({})", account, c->account_sid);
  }
  return c;
}

Result<TwilioCredentials> AccountService::twilio_credentials(const std::string& account) {
  auto exists = store_.accounts().account_exists(account);
  if (!exists) return unavailable();
  if (!*exists) return Error::make("not_found", "no account " + account, "account");
  return ensure_twilio_credentials(store_, account, clock_.now_ms());
}

Result<TwilioCredentials> AccountService::rotate_twilio_token(const std::string& account) {
  auto first = twilio_credentials(account);  // an account rotating before first use gets two
  if (!first) return first.error();
  auto c = store_.accounts().rotate_twilio_token(account, new_twilio_token(), clock_.now_ms());
  if (!c) return c.error();
  if (!*c) return Error::make("not_found", "no account " + account, "account");
  spdlog::info("twilio: auth token of {} rotated; the previous one is accepted until dropped",
               account);
  return std::move(**c);
}

namespace {

// SMPP passwords are C-octet strings of at most 9 octets: 8 characters from 62 (about 47 bits),
// which is why they are hashed with Argon2id and wrong binds are slowed down per address.
std::string new_smpp_password() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < 8) {
    const uint64_t r = crypto::random_u64();
    // Rejection sampling: no bias toward the first letters.
    if (r >= (UINT64_MAX / kAlphabet.size()) * kAlphabet.size()) continue;
    out += kAlphabet[r % kAlphabet.size()];
  }
  return out;
}

// The system_id an account binds with: its name when SMPP can carry it (at most 15 printable
// ASCII characters without spaces), else "sb" and 13 hex digits of its hash.
std::string smpp_system_id(const std::string& account) {
  const bool fits = !account.empty() && account.size() <= 15 &&
                    std::all_of(account.begin(), account.end(),
                                [](char c) { return c > ' ' && c < 0x7F; });
  if (fits) return account;
  return "sb" + crypto::hex(crypto::sha256(account)).substr(0, 13);
}

}  // namespace

Result<AccountService::SmppCredentials> AccountService::smpp_credentials(
    const std::string& account, bool rotate) {
  auto exists = store_.accounts().account_exists(account);
  if (!exists) return unavailable();
  if (!*exists) return Error::make("not_found", "no account " + account, "account");
  auto current = store_.accounts().smpp_credential_of(account);
  if (!current) return unavailable();
  if (*current && !rotate) return SmppCredentials{(*current)->system_id, std::nullopt, false};
  SmppCredential c;
  c.system_id = *current ? (*current)->system_id : smpp_system_id(account);
  c.account = account;
  const std::string password = new_smpp_password();
  c.password_hash = crypto::password_hash(password);
  c.created_at = clock_.now_ms();
  auto stored = store_.accounts().set_smpp_credential(c);
  if (!stored) return unavailable();
  if (!*current) {
    // Receipts and inbound messages from now on wait for the account's first receiver.
    if (auto cursor = smpp_cursor(stored->system_id); !cursor) return cursor.error();
  }
  spdlog::info("smpp: credentials of {} {} (system_id {})", account,
               *current ? "rotated: binds with the old password are refused" : "created",
               stored->system_id);
  return SmppCredentials{stored->system_id, password, current->has_value()};
}

Result<std::string> AccountService::smpp_authenticate(const std::string& system_id,
                                                      const std::string& password) {
  auto found = store_.accounts().find_smpp_credential(system_id);
  if (!found) return unavailable();
  // An unknown system_id still costs a hash check, so timing tells nothing about which is wrong.
  static const std::string kDecoy = crypto::password_hash("decoy-password");
  const bool ok = crypto::password_verify(*found ? (*found)->password_hash : kDecoy, password);
  if (!*found || !ok) return Error::make("unauthorized", "wrong system_id or password");
  return (*found)->account;
}

Result<std::string> AccountService::smpp_cursor(const std::string& system_id) {
  auto c = store_.accounts().smpp_cursor(system_id);
  if (!c) return unavailable();
  if (!c->empty()) return *c;
  // None yet: deliveries start where the log ends now, saved at once so that what happens before
  // a receiver first binds (or while none is bound) waits for it.
  auto end = end_of_log(store_);
  if (!end) return unavailable();
  const std::string cursor = format_cursor(*end);
  if (auto r = store_.accounts().save_smpp_cursor(system_id, cursor, clock_.now_ms()); !r) {
    return unavailable();
  }
  return cursor;
}

Result<void> AccountService::save_smpp_cursor(const std::string& system_id,
                                              const std::string& cursor) {
  if (auto r = store_.accounts().save_smpp_cursor(system_id, cursor, clock_.now_ms()); !r) {
    return unavailable();
  }
  return {};
}

Result<AccountService::NewApiKey> AccountService::create_twilio_api_key(
    const std::string& account, const std::string& friendly_name) {
  if (friendly_name.size() > 64) {
    return Error::make("invalid_parameter", "FriendlyName is at most 64 characters",
                       "FriendlyName");
  }
  auto creds = twilio_credentials(account);  // the key's account SID
  if (!creds) return creds.error();
  NewApiKey out;
  out.secret = crypto::hex(crypto::random_bytes(16));
  out.key.sid = "SK" + crypto::hex(crypto::random_bytes(16));
  out.key.account = account;
  out.key.account_sid = creds->account_sid;
  out.key.friendly_name = friendly_name;
  out.key.secret_hash = crypto::hex(crypto::sha256(out.secret));
  out.key.created_at = clock_.now_ms();
  if (auto r = store_.accounts().add_twilio_api_key(out.key); !r) return unavailable();
  spdlog::info("twilio: API key {} created for {}", out.key.sid, account);
  return out;
}

Result<std::vector<TwilioApiKey>> AccountService::twilio_api_keys(const std::string& account) {
  auto keys = store_.accounts().list_twilio_api_keys(account);
  if (!keys) return unavailable();
  return std::move(*keys);
}

Result<void> AccountService::delete_twilio_api_key(const std::string& account,
                                                   const std::string& sid) {
  auto deleted = store_.accounts().delete_twilio_api_key(account, sid);
  if (!deleted) return unavailable();
  if (!*deleted) return Error::make("not_found", "no API key " + sid, "Sid");
  spdlog::info("twilio: API key {} of {} deleted", sid, account);
  return Ok();
}

Result<TwilioCredentials> AccountService::drop_previous_twilio_token(const std::string& account) {
  auto c = store_.accounts().drop_previous_twilio_token(account);
  if (!c) return c.error();
  if (!*c) return Error::make("not_found", "no credentials for account " + account, "account");
  spdlog::info("twilio: previous auth token of {} dropped", account);
  return std::move(**c);
}

}  // namespace sb::engine
