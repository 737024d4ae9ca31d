// /v1/opt-outs and /v1/auto-replies: tenant-isolated (every query names the key's account).
#include "http/compliance_api.h"

#include <spdlog/spdlog.h>

#include <set>

#include "core/ids.h"
#include "core/keywords.h"
#include "core/message_json.h"
#include "core/phone.h"
#include "core/url.h"
#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

constexpr size_t kMaxRules = 500;
constexpr size_t kMaxReplyBytes = 1600 * 4;
constexpr size_t kMaxMedia = 10;

json opt_out_json(const store::OptOut& o) {
  return {{"id", o.id},
          {"number", o.number},
          {"scope", o.scope},
          {"our_number", o.our_number.empty() ? json(nullptr) : json(o.our_number)},
          {"source", o.source},
          {"created_at", format_rfc3339(o.created_at)}};
}

json auto_reply_json(const store::AutoReply& a) {
  return {{"id", a.id},
          {"number", a.our_number.empty() ? json(nullptr) : json(a.our_number)},
          {"match", a.match_type},
          {"pattern", a.pattern},
          {"body", a.reply_body},
          {"media_urls", a.media_urls},
          {"priority", a.priority},
          {"enabled", a.enabled},
          {"created_at", format_rfc3339(a.created_at)},
          {"updated_at", format_rfc3339(a.updated_at)}};
}

// A recipient number in E.164 (short codes as dialled).
Result<std::string> recipient(engine::Gateway& gw, const std::string& v, const std::string& field) {
  const std::string& region = gw.options().default_region;
  if (v.size() >= 3 && v.size() <= 8 && v.find_first_not_of("0123456789") == std::string::npos &&
      is_short_code(v, region)) {
    return v;
  }
  auto p = normalize_phone(v, region, field);
  if (!p) return p.error();
  return p->e164;
}

// One of the account's configured numbers.
Result<std::string> our_number(engine::Gateway& gw, const std::string& account,
                               const std::string& v, const std::string& field) {
  std::string number = v;
  if (!gw.find_number(number)) {
    auto p = normalize_phone(v, gw.options().default_region, field);
    if (!p) return p.error();
    number = p->e164;
  }
  auto rec = gw.find_number(number);
  if (!rec || rec->account != account) {
    return Error::make("number_not_owned", field + " " + number + " is not a number of this account",
                       field);
  }
  return number;
}

Result<std::optional<std::string>> opt_str(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return type_error(name, "a string");
  return std::optional<std::string>{it->get<std::string>()};
}

Error unknown_field(const std::string& k) {
  return Error::make("unknown_field", "unknown field '" + k + "'", k);
}

// ---------------------------------------------------------------- opt-outs

void list_opt_outs(engine::Gateway& gw, Request& req, const std::string& account, Reply reply) {
  store::OptOutFilter f;
  f.account = account;
  if (auto v = req.query_param("number")) {
    auto n = recipient(gw, *v, "number");
    if (!n) return reply(Response::error(n.error()));
    f.number = *n;
  }
  auto limit = limit_param(req);
  if (!limit) return reply(Response::error(limit.error()));
  if (auto v = req.query_param("cursor")) {
    if (!is_valid_id(*v, "opt_")) {
      return reply(Response::error(
          Error::make("invalid_parameter", "cursor is not one this API returned", "cursor")));
    }
    f.after_id = *v;
  }
  f.limit = *limit + 1;
  auto rows = gw.store().list_opt_outs(f);
  json data = json::array();
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < *limit; ++i) {
    data.push_back(opt_out_json(rows[i]));
  }
  json next = static_cast<int>(rows.size()) > *limit
                  ? json(rows[static_cast<size_t>(*limit) - 1].id)
                  : json(nullptr);
  reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
}

void add_opt_out(engine::Gateway& gw, Request& req, const std::string& account, Reply reply) {
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  static const std::set<std::string> kKnown = {"number", "scope", "our_number"};
  for (const auto& [k, _] : body->items()) {
    if (!kKnown.count(k)) return reply(Response::error(unknown_field(k)));
  }
  auto number = opt_str(*body, "number");
  if (!number) return reply(Response::error(number.error()));
  if (!*number) {
    return reply(Response::error(Error::make("missing_field", "number is required", "number")));
  }
  auto scope = opt_str(*body, "scope");
  if (!scope) return reply(Response::error(scope.error()));
  auto ours = opt_str(*body, "our_number");
  if (!ours) return reply(Response::error(ours.error()));

  store::OptOut o;
  o.account = account;
  o.scope = scope->value_or(*ours ? "number" : "account");
  if (o.scope != "account" && o.scope != "number") {
    return reply(Response::error(
        Error::make("invalid_scope", "scope must be \"account\" or \"number\"", "scope")));
  }
  auto n = recipient(gw, **number, "number");
  if (!n) return reply(Response::error(n.error()));
  o.number = *n;
  if (o.scope == "number") {
    if (!*ours) {
      return reply(Response::error(Error::make(
          "missing_field", "our_number is required for scope \"number\"", "our_number")));
    }
    auto on = our_number(gw, account, **ours, "our_number");
    if (!on) return reply(Response::error(on.error()));
    o.our_number = *on;
  } else if (*ours) {
    return reply(Response::error(Error::make(
        "invalid_scope", "our_number is only for scope \"number\"", "our_number")));
  }
  o.source = "api";
  o.created_at = gw.clock().now_ms();
  auto added = gw.store().add_opt_out(o, "");
  if (!added) return reply(Response::error(added.error()));
  spdlog::info("api: {} opted out {} ({} scope){}", account, o.number, o.scope,
               added->created ? "" : ", already recorded");
  reply(Response::json(added->created ? 201 : 200, opt_out_json(added->opt_out)));
}

void remove_opt_outs(engine::Gateway& gw, Request& req, const std::string& account,
                     Reply reply) {
  auto v = req.query_param("number");
  if (!v) {
    return reply(Response::error(Error::make(
        "missing_field", "DELETE /v1/opt-outs needs ?number= (or use /v1/opt-outs/{id})",
        "number")));
  }
  auto n = recipient(gw, *v, "number");
  if (!n) return reply(Response::error(n.error()));
  std::optional<std::string> ours;
  if (auto o = req.query_param("our_number")) {
    auto on = our_number(gw, account, *o, "our_number");
    if (!on) return reply(Response::error(on.error()));
    ours = *on;
  }
  auto removed =
      gw.store().remove_opt_outs(account, *n, ours, "api", "", gw.clock().now_ms());
  if (!removed) return reply(Response::error(removed.error()));
  if (removed->empty()) {
    return reply(Response::error(
        Error::make("not_found", "no opt-out of " + *n + " in this account", "number")));
  }
  json data = json::array();
  for (const auto& o : *removed) data.push_back(opt_out_json(o));
  reply(Response::json(200, {{"deleted", data.size()}, {"data", std::move(data)}}));
}

// ---------------------------------------------------------------- auto-replies

// Reads the rule fields present in `j` onto `a`; `create` requires match, pattern and content.
Result<void> read_rule(engine::Gateway& gw, const std::string& account, const json& j,
                       store::AutoReply& a, bool create) {
  static const std::set<std::string> kKnown = {"number", "match",   "pattern", "body",
                                               "media_urls", "priority", "enabled"};
  for (const auto& [k, _] : j.items()) {
    if (!kKnown.count(k)) return unknown_field(k);
  }
  if (j.contains("number")) {
    if (j["number"].is_null()) {
      a.our_number.clear();
    } else {
      if (!j["number"].is_string()) return type_error("number", "a string or null");
      auto on = our_number(gw, account, j["number"].get<std::string>(), "number");
      if (!on) return on.error();
      a.our_number = *on;
    }
  }
  auto match = opt_str(j, "match");
  if (!match) return match.error();
  if (*match) {
    if (!parse_match_type(**match)) {
      return Error::make("invalid_match", "match must be exact, prefix, contains or regex",
                         "match");
    }
    a.match_type = **match;
  }
  auto pattern = opt_str(j, "pattern");
  if (!pattern) return pattern.error();
  if (*pattern) a.pattern = **pattern;
  if (create && !*pattern) return Error::make("missing_field", "pattern is required", "pattern");
  auto body = opt_str(j, "body");
  if (!body) return body.error();
  if (*body) {
    if ((*body)->size() > kMaxReplyBytes) {
      return Error::make("body_too_long", "body is too long for a message", "body");
    }
    a.reply_body = **body;
  }
  if (auto it = j.find("media_urls"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return type_error("media_urls", "an array of URL strings");
    if (it->size() > kMaxMedia) {
      return Error::make("too_many_media", "at most 10 media_urls are allowed", "media_urls");
    }
    a.media_urls.clear();
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string field = "media_urls[" + std::to_string(i) + "]";
      if (!(*it)[i].is_string()) return type_error(field, "a URL string");
      const std::string u = (*it)[i].get<std::string>();
      if (url_problem(u, UrlRule::kHttp)) {
        return Error::make("invalid_media_url", "media URLs must be absolute http or https URLs",
                           field);
      }
      if (auto ok = gw.check_media_url(u, field); !ok) return ok.error();  // SSRF guard
      a.media_urls.push_back(u);
    }
  } else if (it != j.end()) {
    a.media_urls.clear();
  }
  if (auto it = j.find("priority"); it != j.end()) {
    if (!it->is_number_integer()) return type_error("priority", "an integer");
    a.priority = it->get<int64_t>();
    if (a.priority < -1'000'000 || a.priority > 1'000'000) {
      return Error::make("invalid_parameter", "priority must be within +/-1000000", "priority");
    }
  }
  if (auto it = j.find("enabled"); it != j.end()) {
    if (!it->is_boolean()) return type_error("enabled", "true or false");
    a.enabled = it->get<bool>();
  }
  auto type = parse_match_type(a.match_type);
  if (auto ok = validate_pattern(*type, a.pattern); !ok) return ok.error();
  if (a.reply_body.empty() && a.media_urls.empty()) {
    return Error::make("missing_content", "a rule needs a reply body or media_urls", "body");
  }
  return Ok();
}

Result<std::string> rule_id(const Request& req) {
  const std::string& id = req.params.at("id");
  if (!is_valid_id(id, "ar_")) {
    return Error::make("not_found", "no auto-reply rule " + id + " in this account", "id");
  }
  return id;
}

void create_rule(engine::Gateway& gw, Request& req, const std::string& account, Reply reply) {
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  store::AutoReply a;
  a.account = account;
  if (auto r = read_rule(gw, account, *body, a, /*create=*/true); !r) {
    return reply(Response::error(r.error()));
  }
  if (gw.store().list_auto_replies(account).size() >= kMaxRules) {
    return reply(Response::error(Error::make(
        "too_many_rules", "an account may have at most 500 auto-reply rules", "")));
  }
  const TimeMs now = gw.clock().now_ms();
  a.id = new_id("ar_", now);
  a.created_at = a.updated_at = now;
  if (auto r = gw.store().insert_auto_reply(a); !r) return reply(Response::error(r.error()));
  reply(Response::json(201, auto_reply_json(a)));
}

void patch_rule(engine::Gateway& gw, Request& req, const std::string& account, Reply reply) {
  auto id = rule_id(req);
  if (!id) return reply(Response::error(id.error()));
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  auto a = gw.store().get_auto_reply(account, *id);
  if (!a) {
    return reply(Response::error(
        Error::make("not_found", "no auto-reply rule " + *id + " in this account", "id")));
  }
  if (auto r = read_rule(gw, account, *body, *a, /*create=*/false); !r) {
    return reply(Response::error(r.error()));
  }
  a->updated_at = gw.clock().now_ms();
  auto done = gw.store().update_auto_reply(*a);
  if (!done) return reply(Response::error(done.error()));
  if (!*done) {
    return reply(Response::error(
        Error::make("not_found", "no auto-reply rule " + *id + " in this account", "id")));
  }
  reply(Response::json(200, auto_reply_json(*a)));
}

}  // namespace

void register_compliance_api(Router& router, engine::Gateway& gw) {
  router.add("GET", "/v1/opt-outs", authed(gw, [&gw](Request& req, const std::string& a,
                                                     Reply reply) {
               list_opt_outs(gw, req, a, std::move(reply));
             }));
  router.add("POST", "/v1/opt-outs", authed(gw, [&gw](Request& req, const std::string& a,
                                                      Reply reply) {
               add_opt_out(gw, req, a, std::move(reply));
             }));
  router.add("DELETE", "/v1/opt-outs", authed(gw, [&gw](Request& req, const std::string& a,
                                                        Reply reply) {
               remove_opt_outs(gw, req, a, std::move(reply));
             }));
  router.add("DELETE", "/v1/opt-outs/{id}",
             authed(gw, [&gw](Request& req, const std::string& a, Reply reply) {
               const std::string& id = req.params.at("id");
               auto removed = is_valid_id(id, "opt_")
                                  ? gw.store().remove_opt_out(a, id, "api", gw.clock().now_ms())
                                  : Result<bool>(false);
               if (!removed) return reply(Response::error(removed.error()));
               if (!*removed) {
                 return reply(Response::error(
                     Error::make("not_found", "no opt-out " + id + " in this account", "id")));
               }
               reply(Response::json(200, {{"id", id}, {"deleted", true}}));
             }));

  router.add("GET", "/v1/auto-replies", authed(gw, [&gw](Request&, const std::string& a,
                                                         Reply reply) {
               json data = json::array();
               for (const auto& r : gw.store().list_auto_replies(a)) {
                 data.push_back(auto_reply_json(r));
               }
               reply(Response::json(200, {{"data", std::move(data)}}));
             }));
  router.add("POST", "/v1/auto-replies", authed(gw, [&gw](Request& req, const std::string& a,
                                                          Reply reply) {
               create_rule(gw, req, a, std::move(reply));
             }));
  router.add("GET", "/v1/auto-replies/{id}",
             authed(gw, [&gw](Request& req, const std::string& a, Reply reply) {
               auto id = rule_id(req);
               auto r = id ? gw.store().get_auto_reply(a, *id) : std::nullopt;
               if (!r) {
                 return reply(Response::error(Error::make(
                     "not_found", "no auto-reply rule " + req.params.at("id") + " in this account",
                     "id")));
               }
               reply(Response::json(200, auto_reply_json(*r)));
             }));
  router.add("PATCH", "/v1/auto-replies/{id}",
             authed(gw, [&gw](Request& req, const std::string& a, Reply reply) {
               patch_rule(gw, req, a, std::move(reply));
             }));
  router.add("DELETE", "/v1/auto-replies/{id}",
             authed(gw, [&gw](Request& req, const std::string& a, Reply reply) {
               auto id = rule_id(req);
               auto removed = id ? gw.store().delete_auto_reply(a, *id) : Result<bool>(false);
               if (!removed) return reply(Response::error(removed.error()));
               if (!*removed) {
                 return reply(Response::error(Error::make(
                     "not_found", "no auto-reply rule " + req.params.at("id") + " in this account",
                     "id")));
               }
               reply(Response::json(200, {{"id", req.params.at("id")}, {"deleted", true}}));
             }));
}

}  // namespace sb::http
