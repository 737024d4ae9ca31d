// API keys (see api_keys.h).
#include "engine/api_keys.h"

#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/utf8.h"
#include "engine/gateway.h"
#include "engine/unavailable.h"

namespace sb::engine {
namespace {

constexpr size_t kMaxName = 64;
constexpr int kMaxRate = 100'000;

bool printable(const std::string& s) {
  if (!utf8::is_valid(s)) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

}  // namespace

ApiKeys::ApiKeys(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Result<ApiKeys::Created> ApiKeys::create(const std::string& account, const Spec& spec) {
  if (spec.name.size() > kMaxName || !printable(spec.name)) {
    return Error::make("invalid_parameter",
                       "name must be at most 64 bytes of UTF-8 without control characters",
                       "name");
  }
  if (spec.rate_limit < 0 || spec.rate_limit > kMaxRate) {
    return Error::make("invalid_parameter",
                       "rate_limit must be 0 (unlimited) to 100000 requests per second",
                       "rate_limit");
  }
  if (spec.scopes == kScopeNone) {
    return Error::make("invalid_scope", "give at least one scope", "scopes");
  }
  const TimeMs now = clock_.now_ms();
  if (spec.expires_at != 0 && spec.expires_at <= now) {
    return Error::make("invalid_expiry", "expires_at must be in the future", "expires_at");
  }
  auto exists = store_.accounts().account_exists(account);
  if (!exists) return unavailable();
  if (!*exists) return Error::make("not_found", "no account " + account, "account");

  Created out;
  out.secret = "sbk_" + crypto::hex(crypto::random_bytes(24));  // 192 random bits
  ApiKey& k = out.key;
  k.id = new_id("key_", now);
  k.account = account;
  k.name = spec.name;
  k.key_hash = Gateway::hash_api_key(out.secret);
  k.prefix = out.secret.substr(0, 12);
  k.scopes = spec.scopes;
  k.rate_limit = spec.rate_limit;
  k.created_at = now;
  k.expires_at = spec.expires_at;
  if (auto r = store_.accounts().insert_api_key(k); !r) return r.error();
  spdlog::info("keys: created {} ({}) of {} with scopes {}", k.id, k.prefix, account,
               scopes_to_text(k.scopes));
  return out;
}

Result<std::vector<ApiKey>> ApiKeys::list(const std::string& account) {
  auto keys = store_.accounts().list_api_keys(account);
  if (!keys) return unavailable();
  return std::move(*keys);
}

Result<ApiKey> ApiKeys::get(const std::string& account, const std::string& id_or_prefix) {
  auto keys = list(account);
  if (!keys) return keys.error();
  const ApiKey* found = nullptr;
  for (const auto& k : *keys) {
    if (k.id == id_or_prefix) return k;
  }
  // The whole secret (a leaked key pasted as is), or its listed prefix or the start of it.
  if (id_or_prefix.size() >= 8 && id_or_prefix.rfind("sbk_", 0) == 0) {
    const std::string whole = id_or_prefix.size() > 12 ? Gateway::hash_api_key(id_or_prefix) : "";
    for (const auto& k : *keys) {
      const bool match = whole.empty() ? k.prefix.rfind(id_or_prefix, 0) == 0
                                       : crypto::constant_time_equal(whole, k.key_hash);
      if (!match) continue;
      if (found) {
        return Error::make("ambiguous_key", "two keys start with " + id_or_prefix + "; use the id",
                           "id");
      }
      found = &k;
    }
  }
  if (!found) return Error::make("not_found", "no API key " + id_or_prefix, "id");
  return *found;
}

Result<ApiKey> ApiKeys::revoke(const std::string& account, const std::string& id_or_prefix) {
  auto key = get(account, id_or_prefix);
  if (!key) return key.error();
  auto revoked = store_.accounts().revoke_api_key(account, key->id, clock_.now_ms());
  if (!revoked) return revoked.error();
  if (!*revoked) return Error::make("not_found", "no API key " + id_or_prefix, "id");
  if (on_revoked_) on_revoked_();
  spdlog::info("keys: revoked {} ({}) of {}", key->id, key->prefix, account);
  return std::move(**revoked);
}

}  // namespace sb::engine
