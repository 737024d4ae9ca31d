// Opt-out and auto-reply rule operations on behalf of a surface.
#include "engine/compliance_service.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "core/keywords.h"
#include "core/phone.h"
#include "core/url.h"
#include "engine/unavailable.h"

namespace sb::engine {
namespace {

constexpr size_t kMaxRules = 500;
constexpr size_t kMaxReplyBytes = 1600 * 4;
constexpr size_t kMaxMedia = 10;

Error no_rule(const std::string& id) {
  return Error::make("not_found", "no auto-reply rule " + id + " in this account", "id");
}

}  // namespace

ComplianceService::ComplianceService(store::Store& store, const Gateway& gateway,
                                     const Clock& clock)
    : store_(store), gateway_(gateway), clock_(clock) {}

Result<std::string> ComplianceService::recipient(const std::string& v,
                                                 const std::string& field) const {
  const std::string& region = gateway_.options().default_region;
  if (v.size() >= 3 && v.size() <= 8 && v.find_first_not_of("0123456789") == std::string::npos &&
      is_short_code(v, region)) {
    return v;
  }
  auto p = normalize_phone(v, region, field);
  if (!p) return p.error();
  return p->e164;
}

Result<std::string> ComplianceService::our_number(const std::string& account,
                                                  const std::string& v,
                                                  const std::string& field) const {
  std::string number = v;
  if (!gateway_.find_number(number)) {
    auto p = normalize_phone(v, gateway_.options().default_region, field);
    if (!p) return p.error();
    number = p->e164;
  }
  auto rec = gateway_.find_number(number);
  if (!rec || rec->account != account) {
    return Error::make("number_not_owned",
                       field + " " + number + " is not a number of this account", field);
  }
  return number;
}

Result<Page<OptOut>> ComplianceService::list_opt_outs(OptOutFilter f) {
  const int limit = f.limit;
  f.limit = limit + 1;
  auto rows = store_.compliance().list_opt_outs(f);
  if (!rows) return unavailable();
  return page_of(std::move(*rows), limit);
}

Result<AddOptOutResult> ComplianceService::add_opt_out(const std::string& account,
                                                       const OptOutRequest& r) {
  OptOut o;
  o.account = account;
  o.scope = r.scope.value_or(r.our_number ? "number" : "account");
  if (o.scope != "account" && o.scope != "number") {
    return Error::make("invalid_scope", "scope must be \"account\" or \"number\"", "scope");
  }
  auto n = recipient(r.number, "number");
  if (!n) return n.error();
  o.number = *n;
  if (o.scope == "number") {
    if (!r.our_number) {
      return Error::make("missing_field", "our_number is required for scope \"number\"",
                         "our_number");
    }
    auto on = our_number(account, *r.our_number, "our_number");
    if (!on) return on.error();
    o.our_number = *on;
  } else if (r.our_number) {
    return Error::make("invalid_scope", "our_number is only for scope \"number\"", "our_number");
  }
  o.source = "api";
  o.created_at = clock_.now_ms();
  auto added = store_.compliance().add_opt_out(o, "");
  if (!added) return added.error();
  spdlog::info("api: {} opted out {} ({} scope){}", account, o.number, o.scope,
               added->created ? "" : ", already recorded");
  return std::move(*added);
}

Result<std::vector<OptOut>> ComplianceService::remove_opt_outs(
    const std::string& account, const std::string& number, const std::optional<std::string>& ours) {
  auto n = recipient(number, "number");
  if (!n) return n.error();
  std::optional<std::string> our;
  if (ours) {
    auto on = our_number(account, *ours, "our_number");
    if (!on) return on.error();
    our = *on;
  }
  auto removed = store_.compliance().remove_opt_outs(account, *n, our, "api", "", clock_.now_ms());
  if (!removed) return removed.error();
  if (removed->empty()) {
    return Error::make("not_found", "no opt-out of " + *n + " in this account", "number");
  }
  return std::move(*removed);
}

Result<void> ComplianceService::remove_opt_out(const std::string& account, const std::string& id) {
  auto removed = is_valid_id(id, "opt_")
                     ? store_.compliance().remove_opt_out(account, id, "api", clock_.now_ms())
                     : Result<bool>(false);
  if (!removed) return removed.error();
  if (!*removed) return Error::make("not_found", "no opt-out " + id + " in this account", "id");
  return Ok();
}

Result<std::vector<AutoReply>> ComplianceService::list_auto_replies(const std::string& account) {
  auto rules = store_.compliance().list_auto_replies(account);
  if (!rules) return unavailable();
  return rules;
}

Result<AutoReply> ComplianceService::get_auto_reply(const std::string& account,
                                                    const std::string& id) {
  if (!is_valid_id(id, "ar_")) return no_rule(id);
  auto a = store_.compliance().get_auto_reply(account, id);
  if (!a) return unavailable();
  if (!*a) return no_rule(id);
  return std::move(**a);
}

Result<void> ComplianceService::apply(const std::string& account, const AutoReplyChanges& c,
                                      AutoReply& a, bool create) const {
  if (c.number) {
    if (!*c.number) {
      a.our_number.clear();
    } else {
      auto on = our_number(account, **c.number, "number");
      if (!on) return on.error();
      a.our_number = *on;
    }
  }
  if (c.match) {
    if (!parse_match_type(*c.match)) {
      return Error::make("invalid_match", "match must be exact, prefix, contains or regex",
                         "match");
    }
    a.match_type = *c.match;
  }
  if (c.pattern) a.pattern = *c.pattern;
  if (create && !c.pattern) return Error::make("missing_field", "pattern is required", "pattern");
  if (c.body) {
    if (c.body->size() > kMaxReplyBytes) {
      return Error::make("body_too_long", "body is too long for a message", "body");
    }
    a.reply_body = *c.body;
  }
  if (c.media_urls) {
    if (c.media_urls->size() > kMaxMedia) {
      return Error::make("too_many_media", "at most 10 media_urls are allowed", "media_urls");
    }
    a.media_urls.clear();
    for (size_t i = 0; i < c.media_urls->size(); ++i) {
      const std::string field = "media_urls[" + std::to_string(i) + "]";
      const std::string& u = (*c.media_urls)[i];
      if (url_problem(u, UrlRule::kHttp)) {
        return Error::make("invalid_media_url", "media URLs must be absolute http or https URLs",
                           field);
      }
      if (auto ok = gateway_.check_media_url(u, field); !ok) return ok.error();  // SSRF guard
      a.media_urls.push_back(u);
    }
  }
  if (c.priority) {
    a.priority = *c.priority;
    if (a.priority < -1'000'000 || a.priority > 1'000'000) {
      return Error::make("invalid_parameter", "priority must be within +/-1000000", "priority");
    }
  }
  if (c.enabled) a.enabled = *c.enabled;
  auto type = parse_match_type(a.match_type);
  if (auto ok = validate_pattern(*type, a.pattern); !ok) return ok.error();
  if (a.reply_body.empty() && a.media_urls.empty()) {
    return Error::make("missing_content", "a rule needs a reply body or media_urls", "body");
  }
  return Ok();
}

Result<AutoReply> ComplianceService::create_auto_reply(const std::string& account,
                                                       const AutoReplyChanges& changes) {
  AutoReply a;
  a.account = account;
  if (auto ok = apply(account, changes, a, /*create=*/true); !ok) return ok.error();
  auto rules = list_auto_replies(account);
  if (!rules) return rules.error();
  if (rules->size() >= kMaxRules) {
    return Error::make("too_many_rules", "an account may have at most 500 auto-reply rules", "");
  }
  const TimeMs now = clock_.now_ms();
  a.id = new_id("ar_", now);
  a.created_at = a.updated_at = now;
  if (auto r = store_.compliance().insert_auto_reply(a); !r) return r.error();
  return a;
}

Result<AutoReply> ComplianceService::update_auto_reply(const std::string& account,
                                                       const std::string& id,
                                                       const AutoReplyChanges& changes) {
  auto a = get_auto_reply(account, id);
  if (!a) return a.error();
  if (auto ok = apply(account, changes, *a, /*create=*/false); !ok) return ok.error();
  a->updated_at = clock_.now_ms();
  auto done = store_.compliance().update_auto_reply(*a);
  if (!done) return done.error();
  if (!*done) return no_rule(id);
  return a;
}

Result<void> ComplianceService::delete_auto_reply(const std::string& account,
                                                  const std::string& id) {
  auto removed = is_valid_id(id, "ar_") ? store_.compliance().delete_auto_reply(account, id)
                                        : Result<bool>(false);
  if (!removed) return removed.error();
  if (!*removed) return no_rule(id);
  return Ok();
}

}  // namespace sb::engine
