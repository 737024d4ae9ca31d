// Signing secrets, media reads and readiness on behalf of a surface.
#include "engine/account_service.h"

#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "core/twilio_ids.h"
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
