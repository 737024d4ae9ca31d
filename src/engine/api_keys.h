// API keys as a resource (docs/api.md#api-keys): create, list, show and revoke an account's keys.
// The CLI (`switchboard keys`) and GET/POST/DELETE /v1/keys both come here; authentication of a
// key (expiry, revocation, scopes, its rate) is the Gateway's, which caches each answer briefly.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/api_key.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace sb::engine {

class ApiKeys {
 public:
  ApiKeys(store::Store& store, const Clock& clock);

  struct Spec {
    std::string name;
    ScopeSet scopes = kScopeAdmin;
    TimeMs expires_at = 0;  // 0: never
    int rate_limit = 0;     // requests per second per instance; 0: unlimited
  };
  struct Created {
    ApiKey key;
    std::string secret;  // shown once; only its hash is kept
  };
  // Errors: not_found (no such account; field account), invalid_parameter (name over 64 bytes,
  // not UTF-8 or with control characters; rate_limit outside 0..100000), invalid_expiry
  // (expires_at not in the future), invalid_scope, database_unavailable.
  Result<Created> create(const std::string& account, const Spec& spec);
  Result<std::vector<ApiKey>> list(const std::string& account);
  // By id, or by the prefix the secret starts with (as listed). Errors: not_found (another
  // account's keys included), ambiguous_key (a prefix two keys share).
  Result<ApiKey> get(const std::string& account, const std::string& id_or_prefix);
  // Revokes the key (idempotent: revoking a revoked key answers it unchanged). This instance
  // refuses it at once (after `on_revoked`), every other within the authentication cache's
  // lifetime (Gateway::kAuthCacheMs). Errors: those of get().
  Result<ApiKey> revoke(const std::string& account, const std::string& id_or_prefix);
  void set_on_revoked(std::function<void()> fn) { on_revoked_ = std::move(fn); }

 private:
  store::Store& store_;
  const Clock& clock_;
  std::function<void()> on_revoked_;
};

}  // namespace sb::engine
