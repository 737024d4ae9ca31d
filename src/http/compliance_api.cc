// /v1/opt-outs and /v1/auto-replies: tenant-isolated (every query names the key's account).
#include "http/compliance_api.h"

#include <spdlog/spdlog.h>

#include <set>

#include "core/ids.h"
#include "core/message_json.h"
#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

json opt_out_json(const OptOut& o) {
  return {{"id", o.id},
          {"number", o.number},
          {"scope", o.scope},
          {"our_number", o.our_number.empty() ? json(nullptr) : json(o.our_number)},
          {"source", o.source},
          {"created_at", format_rfc3339(o.created_at)}};
}

json auto_reply_json(const AutoReply& a) {
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

void list_opt_outs(engine::Services& s, Request& req, const std::string& account, Reply reply) {
  OptOutFilter f;
  f.account = account;
  if (auto v = req.query_param("number")) {
    auto n = s.compliance.recipient(*v, "number");
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
  f.limit = *limit;
  auto page = s.compliance.list_opt_outs(std::move(f));
  if (!page) return reply(Response::error(page.error()));
  json data = json::array();
  for (const auto& o : page->items) data.push_back(opt_out_json(o));
  json next = page->more ? json(page->items.back().id) : json(nullptr);
  reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
}

void add_opt_out(engine::Services& s, Request& req, const std::string& account, Reply reply) {
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
  auto added = s.compliance.add_opt_out(account, {**number, *scope, *ours});
  if (!added) return reply(Response::error(added.error()));
  reply(Response::json(added->created ? 201 : 200, opt_out_json(added->opt_out)));
}

void remove_opt_outs(engine::Services& s, Request& req, const std::string& account,
                     Reply reply) {
  auto v = req.query_param("number");
  if (!v) {
    return reply(Response::error(Error::make(
        "missing_field", "DELETE /v1/opt-outs needs ?number= (or use /v1/opt-outs/{id})",
        "number")));
  }
  auto removed = s.compliance.remove_opt_outs(account, *v, req.query_param("our_number"));
  if (!removed) return reply(Response::error(removed.error()));
  json data = json::array();
  for (const auto& o : *removed) data.push_back(opt_out_json(o));
  reply(Response::json(200, {{"deleted", data.size()}, {"data", std::move(data)}}));
}

// ---------------------------------------------------------------- auto-replies

// Reads the rule fields present in `j` (types only; the engine validates values).
Result<engine::AutoReplyChanges> parse_rule(const json& j) {
  static const std::set<std::string> kKnown = {"number", "match",   "pattern", "body",
                                               "media_urls", "priority", "enabled"};
  for (const auto& [k, _] : j.items()) {
    if (!kKnown.count(k)) return unknown_field(k);
  }
  engine::AutoReplyChanges c;
  if (auto it = j.find("number"); it != j.end()) {
    if (it->is_null()) {
      c.number = std::optional<std::string>{};
    } else {
      if (!it->is_string()) return type_error("number", "a string or null");
      c.number = std::optional<std::string>{it->get<std::string>()};
    }
  }
  for (auto [name, field] : {std::pair{"match", &c.match}, std::pair{"pattern", &c.pattern},
                             std::pair{"body", &c.body}}) {
    auto v = opt_str(j, name);
    if (!v) return v.error();
    *field = std::move(*v);
  }
  if (auto it = j.find("media_urls"); it != j.end()) {
    c.media_urls.emplace();
    if (!it->is_null()) {
      if (!it->is_array()) return type_error("media_urls", "an array of URL strings");
      for (size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string()) {
          return type_error("media_urls[" + std::to_string(i) + "]", "a URL string");
        }
        c.media_urls->push_back((*it)[i].get<std::string>());
      }
    }
  }
  if (auto it = j.find("priority"); it != j.end()) {
    if (!it->is_number_integer()) return type_error("priority", "an integer");
    c.priority = it->get<int64_t>();
  }
  if (auto it = j.find("enabled"); it != j.end()) {
    if (!it->is_boolean()) return type_error("enabled", "true or false");
    c.enabled = it->get<bool>();
  }
  return c;
}

void create_rule(engine::Services& s, Request& req, const std::string& account, Reply reply) {
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  auto changes = parse_rule(*body);
  if (!changes) return reply(Response::error(changes.error()));
  auto a = s.compliance.create_auto_reply(account, *changes);
  if (!a) return reply(Response::error(a.error()));
  reply(Response::json(201, auto_reply_json(*a)));
}

void patch_rule(engine::Services& s, Request& req, const std::string& account, Reply reply) {
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  auto changes = parse_rule(*body);
  if (!changes) return reply(Response::error(changes.error()));
  auto a = s.compliance.update_auto_reply(account, req.params.at("id"), *changes);
  if (!a) return reply(Response::error(a.error()));
  reply(Response::json(200, auto_reply_json(*a)));
}

}  // namespace

void register_compliance_api(Router& router, engine::Services& s) {
  router.add("GET", "/v1/opt-outs",
             authed(s.gateway, kScopeCompliance, [&s](Request& req, const std::string& a, Reply reply) {
               list_opt_outs(s, req, a, std::move(reply));
             }));
  router.add("POST", "/v1/opt-outs",
             authed(s.gateway, kScopeCompliance, [&s](Request& req, const std::string& a, Reply reply) {
               add_opt_out(s, req, a, std::move(reply));
             }));
  router.add("DELETE", "/v1/opt-outs",
             authed(s.gateway, kScopeCompliance, [&s](Request& req, const std::string& a, Reply reply) {
               remove_opt_outs(s, req, a, std::move(reply));
             }));
  router.add("DELETE", "/v1/opt-outs/{id}",
             authed(s.gateway, kScopeCompliance, [&s](Request& req, const std::string& a, Reply reply) {
               const std::string& id = req.params.at("id");
               if (auto r = s.compliance.remove_opt_out(a, id); !r) {
                 return reply(Response::error(r.error()));
               }
               reply(Response::json(200, {{"id", id}, {"deleted", true}}));
             }));

  router.add("GET", "/v1/auto-replies",
             authed(s.gateway, kScopeCompliance, [&s](Request&, const std::string& a, Reply reply) {
               auto rules = s.compliance.list_auto_replies(a);
               if (!rules) return reply(Response::error(rules.error()));
               json data = json::array();
               for (const auto& r : *rules) data.push_back(auto_reply_json(r));
               reply(Response::json(200, {{"data", std::move(data)}}));
             }));
  router.add("POST", "/v1/auto-replies",
             authed(s.gateway, kScopeCompliance, [&s](Request& req, const std::string& a, Reply reply) {
               create_rule(s, req, a, std::move(reply));
             }));
  router.add("GET", "/v1/auto-replies/{id}",
             authed(s.gateway, kScopeCompliance, [&s](Request& req, const std::string& a, Reply reply) {
               auto r = s.compliance.get_auto_reply(a, req.params.at("id"));
               if (!r) return reply(Response::error(r.error()));
               reply(Response::json(200, auto_reply_json(*r)));
             }));
  router.add("PATCH", "/v1/auto-replies/{id}",
             authed(s.gateway, kScopeCompliance, [&s](Request& req, const std::string& a, Reply reply) {
               patch_rule(s, req, a, std::move(reply));
             }));
  router.add("DELETE", "/v1/auto-replies/{id}",
             authed(s.gateway, kScopeCompliance, [&s](Request& req, const std::string& a, Reply reply) {
               const std::string& id = req.params.at("id");
               if (auto r = s.compliance.delete_auto_reply(a, id); !r) {
                 return reply(Response::error(r.error()));
               }
               reply(Response::json(200, {{"id", id}, {"deleted", true}}));
             }));
}

}  // namespace sb::http
