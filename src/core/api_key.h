// API keys (docs/api.md#api-keys): named, scoped, optionally expiring credentials of an account.
// The secret ("sbk_" + 192 random bits) is shown once; only its SHA-256 is stored, with a short
// prefix that is safe to show. A scope is a right over one part of the API; `admin` holds every
// right, including managing keys and console users.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace sb {

// Scopes as bits: a route needs a set, a caller holds a set.
enum Scope : uint32_t {
  kScopeNone = 0,               // any authenticated caller
  kScopeMessagesSend = 1u << 0,  // send, cancel and redact messages; verifications
  kScopeMessagesRead = 1u << 1,  // messages, their deliveries and media, stats, live events
  kScopeConversations = 1u << 2,  // conversations (and replying with messages:send), contacts
  kScopeNumbers = 1u << 3,        // number settings and provider webhooks
  kScopeCompliance = 1u << 4,     // opt-outs and auto-replies
  kScopeAdmin = 1u << 5,          // everything, including keys, users and the signing secret
};
using ScopeSet = uint32_t;

// The names, in documentation order: messages:send messages:read conversations numbers
// compliance admin.
const std::vector<std::string_view>& scope_names();
// The set named by `names`; invalid_scope (field `field`) for an unknown or empty list.
Result<ScopeSet> parse_scopes(const std::vector<std::string>& names, const std::string& field);
// A set as its names (sorted in documentation order).
std::vector<std::string> scope_list(ScopeSet s);
// The stored form: names separated by spaces; unknown names are ignored.
std::string scopes_to_text(ScopeSet s);
ScopeSet scopes_from_text(std::string_view text);
// Whether `held` grants every scope of `needed` (admin grants all).
inline bool scopes_allow(ScopeSet held, ScopeSet needed) {
  return (held & kScopeAdmin) != 0 || (held & needed) == needed;
}
// The name of the first scope of `needed` that `held` lacks ("" : none).
std::string missing_scope(ScopeSet held, ScopeSet needed);

struct ApiKey {
  std::string id;  // key_<ULID>
  std::string account;
  std::string name;
  std::string key_hash;  // hex SHA-256 of the secret
  std::string prefix;    // the secret's first 12 characters ("sbk_" + 8 hex digits)
  ScopeSet scopes = kScopeAdmin;
  int rate_limit = 0;        // requests per second per instance; 0: unlimited
  TimeMs created_at = 0;
  TimeMs expires_at = 0;     // 0: never
  TimeMs last_used_at = 0;   // 0: never (updated at most once a minute)
  TimeMs revoked_at = 0;     // 0: not revoked
};

// active | expired | revoked, at `now`.
std::string_view api_key_state(const ApiKey& k, TimeMs now);
// A key as the API and `switchboard keys list --json` show it: never its secret or hash.
nlohmann::json api_key_json(const ApiKey& k, TimeMs now);

}  // namespace sb
