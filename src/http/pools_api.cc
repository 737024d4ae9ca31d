// /v1/pools: an account's sender pools (see pools_api.h).
#include "http/pools_api.h"

#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

// The body of POST and PATCH: {"name", "numbers": [...], "sticky", "geomatch", "fallback"}.
Result<engine::Pools::Spec> parse_pool_spec(const json& body) {
  if (auto ok = only_fields(body, {"name", "numbers", "sticky", "geomatch", "fallback"}); !ok) {
    return ok.error();
  }
  engine::Pools::Spec spec;
  auto name = string_field(body, "name", false);
  if (!name) return name.error();
  spec.name = *name;
  if (auto it = body.find("numbers"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return type_error("numbers", "an array of numbers");
    std::vector<std::string> numbers;
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        return type_error("numbers[" + std::to_string(i) + "]", "a number as a string");
      }
      numbers.push_back((*it)[i].get<std::string>());
    }
    spec.numbers = std::move(numbers);
  }
  for (auto [field, target] : {std::pair{"sticky", &spec.sticky},
                               std::pair{"geomatch", &spec.geomatch},
                               std::pair{"fallback", &spec.fallback}}) {
    if (auto it = body.find(field); it != body.end() && !it->is_null()) {
      if (!it->is_boolean()) return type_error(field, "true or false");
      *target = it->get<bool>();
    }
  }
  return spec;
}

}  // namespace

void register_pools_api(Router& router, engine::Gateway& gw, engine::Pools& pools) {
  router.add("GET", "/v1/pools",
             authed(gw, kScopeNumbers, [&pools](Request&, const std::string& account,
                                                Reply reply) {
               auto list = pools.list(account);
               if (!list) return reply(Response::error(list.error()));
               json data = json::array();
               for (const auto& p : *list) data.push_back(pool_json(p));
               reply(Response::json(200, {{"data", std::move(data)}}));
             }));
  // POST creates, PATCH changes: the same body, then the operation.
  const auto with_spec = [&gw](int status, auto op) {
    return authed(gw, kScopeNumbers, [status, op](Request& req, const std::string& account,
                                                  Reply reply) {
      auto body = json_body(req);
      if (!body) return reply(Response::error(body.error()));
      auto spec = parse_pool_spec(*body);
      if (!spec) return reply(Response::error(spec.error()));
      auto p = op(req, account, *spec);
      if (!p) return reply(Response::error(p.error()));
      reply(Response::json(status, pool_json(*p)));
    });
  };
  router.add("POST", "/v1/pools",
             with_spec(201, [&pools](Request&, const std::string& account,
                                     const engine::Pools::Spec& spec) {
               return pools.create(account, spec);
             }));
  // GET shows, DELETE deletes: one pool by id or name, answered as it is (or was).
  const auto by_id = [&gw](auto op) {
    return authed(gw, kScopeNumbers, [op](Request& req, const std::string& account,
                                          Reply reply) {
      auto p = op(account, req.params["id"]);
      if (!p) return reply(Response::error(p.error()));
      reply(Response::json(200, pool_json(*p)));
    });
  };
  router.add("GET", "/v1/pools/{id}",
             by_id([&pools](const std::string& account, const std::string& id) {
               return pools.get(account, id);
             }));
  router.add("PATCH", "/v1/pools/{id}",
             with_spec(200, [&pools](Request& req, const std::string& account,
                                     const engine::Pools::Spec& spec) {
               return pools.update(account, req.params["id"], spec);
             }));
  router.add("DELETE", "/v1/pools/{id}",
             by_id([&pools](const std::string& account, const std::string& id) {
               return pools.remove(account, id);
             }));
}

}  // namespace sb::http
