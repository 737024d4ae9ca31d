#include "core/api_key.h"

#include <algorithm>

namespace sb {
namespace {

constexpr Scope kOrder[] = {kScopeMessagesSend, kScopeMessagesRead, kScopeConversations,
                            kScopeNumbers,      kScopeCompliance,   kScopeAdmin};

std::optional<Scope> scope_named(std::string_view name) {
  const auto& names = scope_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return kOrder[i];
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string_view>& scope_names() {
  static const std::vector<std::string_view> kNames = {
      "messages:send", "messages:read", "conversations", "numbers", "compliance", "admin"};
  return kNames;
}

Result<ScopeSet> parse_scopes(const std::vector<std::string>& names, const std::string& field) {
  if (names.empty()) {
    return Error::make("invalid_scope", "give at least one scope", field);
  }
  ScopeSet s = kScopeNone;
  for (const auto& n : names) {
    auto one = scope_named(n);
    if (!one) {
      std::string known;
      for (auto k : scope_names()) known.append(known.empty() ? "" : ", ").append(k);
      return Error::make("invalid_scope", "unknown scope '" + n + "'; scopes are " + known, field);
    }
    s |= *one;
  }
  return s;
}

std::vector<std::string> scope_list(ScopeSet s) {
  std::vector<std::string> out;
  const auto& names = scope_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (s & kOrder[i]) out.emplace_back(names[i]);
  }
  return out;
}

std::string scopes_to_text(ScopeSet s) {
  std::string out;
  for (const auto& n : scope_list(s)) out.append(out.empty() ? "" : " ").append(n);
  return out;
}

ScopeSet scopes_from_text(std::string_view text) {
  ScopeSet s = kScopeNone;
  while (!text.empty()) {
    const size_t sp = std::min(text.find(' '), text.size());
    if (auto one = scope_named(text.substr(0, sp))) s |= *one;
    text.remove_prefix(std::min(sp + 1, text.size()));
  }
  return s;
}

std::string missing_scope(ScopeSet held, ScopeSet needed) {
  if (scopes_allow(held, needed)) return "";
  for (const auto& n : scope_list(needed & ~held)) return n;
  return "";
}

std::string_view api_key_state(const ApiKey& k, TimeMs now) {
  if (k.revoked_at != 0) return "revoked";
  if (k.expires_at != 0 && k.expires_at <= now) return "expired";
  return "active";
}

nlohmann::json api_key_json(const ApiKey& k, TimeMs now) {
  using nlohmann::json;
  const auto time_or_null = [](TimeMs t) { return t == 0 ? json(nullptr) : json(format_rfc3339(t)); };
  return {{"id", k.id},
          {"account", k.account},
          {"name", k.name},
          {"prefix", k.prefix},
          {"scopes", scope_list(k.scopes)},
          {"rate_limit", k.rate_limit},
          {"state", api_key_state(k, now)},
          {"created_at", format_rfc3339(k.created_at)},
          {"expires_at", time_or_null(k.expires_at)},
          {"last_used_at", time_or_null(k.last_used_at)},
          {"revoked_at", time_or_null(k.revoked_at)}};
}

}  // namespace sb
