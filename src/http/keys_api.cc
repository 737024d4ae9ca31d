// /v1/keys: an account's API keys (see keys_api.h).
#include "http/keys_api.h"

#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

// The body of POST /v1/keys: {"name", "scopes": [...], "expires_at", "rate_limit"}.
Result<engine::ApiKeys::Spec> parse_key_spec(const json& body) {
  if (auto ok = only_fields(body, {"name", "scopes", "expires_at", "rate_limit"}); !ok) {
    return ok.error();
  }
  engine::ApiKeys::Spec spec;
  auto name = string_field(body, "name", false);
  if (!name) return name.error();
  spec.name = name->value_or("");
  auto scopes = body.find("scopes");
  if (scopes == body.end() || scopes->is_null()) {
    return Error::make("missing_field", "scopes is required (e.g. [\"messages:send\"])", "scopes");
  }
  if (!scopes->is_array()) return type_error("scopes", "an array of strings");
  std::vector<std::string> names;
  for (const auto& v : *scopes) {
    if (!v.is_string()) return type_error("scopes", "an array of strings");
    names.push_back(v.get<std::string>());
  }
  auto set = parse_scopes(names, "scopes");
  if (!set) return set.error();
  spec.scopes = *set;
  auto expires = string_field(body, "expires_at", false);
  if (!expires) return expires.error();
  if (*expires) {
    auto t = parse_rfc3339(**expires);
    if (!t) {
      return Error::make("invalid_parameter", "expires_at must be an RFC 3339 time",
                         "expires_at");
    }
    spec.expires_at = *t;
  }
  if (auto rate = body.find("rate_limit"); rate != body.end() && !rate->is_null()) {
    if (!rate->is_number_integer()) return type_error("rate_limit", "an integer");
    const int64_t r = rate->get<int64_t>();
    spec.rate_limit = r < 0 || r > 1'000'000 ? -1 : static_cast<int>(r);
  }
  return spec;
}

}  // namespace

void register_keys_api(Router& router, engine::Gateway& gw, engine::ApiKeys& keys) {
  router.add("GET", "/v1/keys",
             authed(gw, kScopeAdmin, [&gw, &keys](Request&, const std::string& account,
                                                   Reply reply) {
               auto list = keys.list(account);
               if (!list) return reply(Response::error(list.error()));
               const TimeMs now = gw.clock().now_ms();
               json data = json::array();
               for (const auto& k : *list) data.push_back(api_key_json(k, now));
               reply(Response::json(200, {{"data", std::move(data)}}));
             }));
  router.add("POST", "/v1/keys",
             authed(gw, kScopeAdmin, [&gw, &keys](Request& req, const std::string& account,
                                                   Reply reply) {
               auto body = json_body(req);
               if (!body) return reply(Response::error(body.error()));
               auto spec = parse_key_spec(*body);
               if (!spec) return reply(Response::error(spec.error()));
               auto created = keys.create(account, *spec);
               if (!created) return reply(Response::error(created.error()));
               json out = api_key_json(created->key, gw.clock().now_ms());
               // Shown once, here; only its hash is stored.
               out["key"] = created->secret;
               Response r = Response::json(201, out);
               r.headers.emplace_back("Cache-Control", "no-store");
               reply(std::move(r));
             }));
  router.add("GET", "/v1/keys/{id}",
             authed(gw, kScopeAdmin, [&gw, &keys](Request& req, const std::string& account,
                                                   Reply reply) {
               auto k = keys.get(account, req.params["id"]);
               if (!k) return reply(Response::error(k.error()));
               reply(Response::json(200, api_key_json(*k, gw.clock().now_ms())));
             }));
  router.add("DELETE", "/v1/keys/{id}",
             authed(gw, kScopeAdmin, [&gw, &keys](Request& req, const std::string& account,
                                                   Reply reply) {
               auto k = keys.revoke(account, req.params["id"]);
               if (!k) return reply(Response::error(k.error()));
               reply(Response::json(200, api_key_json(*k, gw.clock().now_ms())));
             }));
}

}  // namespace sb::http
