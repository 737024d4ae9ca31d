// /v1/users: an account's console users (see users_api.h).
#include "http/users_api.h"

#include "core/message_json.h"
#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

json user_json(const ConsoleUser& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"role", u.role},
          {"disabled", u.disabled},
          {"created_at", format_rfc3339(u.created_at)},
          {"last_sign_in_at", u.last_sign_in_at == 0 ? json(nullptr)
                                                     : json(format_rfc3339(u.last_sign_in_at))}};
}

void create_user(engine::ConsoleUsers& users, Request& req, const std::string& account,
                 Reply reply) {
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  if (auto ok = only_fields(*body, {"email", "role", "password"}); !ok) {
    return reply(Response::error(ok.error()));
  }
  auto email = string_field(*body, "email", true);
  if (!email) return reply(Response::error(email.error()));
  auto role = string_field(*body, "role", true);
  if (!role) return reply(Response::error(role.error()));
  auto password = string_field(*body, "password", false);
  if (!password) return reply(Response::error(password.error()));
  auto created = users.create(account, **email, **role, password->value_or(""));
  if (!created) return reply(Response::error(created.error()));
  json out = user_json(created->user);
  // A generated password is shown once, here; it is stored only as its hash.
  if (!created->password.empty()) out["password"] = created->password;
  Response r = Response::json(201, out);
  r.headers.emplace_back("Cache-Control", "no-store");
  reply(std::move(r));
}

void update_user(engine::ConsoleUsers& users, Request& req, const Caller& caller, Reply reply) {
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  if (auto ok = only_fields(*body, {"disabled"}); !ok) return reply(Response::error(ok.error()));
  auto it = body->find("disabled");
  if (it == body->end()) {
    return reply(Response::error(Error::make("missing_field", "disabled is required", "disabled")));
  }
  if (!it->is_boolean()) return reply(Response::error(type_error("disabled", "a boolean")));
  auto user = users.set_disabled_of(caller.account, req.params.at("id"), it->get<bool>(),
                                    caller.email);
  if (!user) return reply(Response::error(user.error()));
  reply(Response::json(200, user_json(*user)));
}

void reset_password(engine::ConsoleUsers& users, Request& req, const std::string& account,
                    Reply reply) {
  json body = json::object();
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto parsed = json_body(req);
    if (!parsed) return reply(Response::error(parsed.error()));
    body = std::move(*parsed);
  }
  if (auto ok = only_fields(body, {"password"}); !ok) return reply(Response::error(ok.error()));
  auto password = string_field(body, "password", false);
  if (!password) return reply(Response::error(password.error()));
  auto reset = users.reset_password_of(account, req.params.at("id"), password->value_or(""));
  if (!reset) return reply(Response::error(reset.error()));
  json out = {{"id", reset->user.id}, {"email", reset->user.email}, {"sessions_ended", true}};
  if (!reset->password.empty()) out["password"] = reset->password;
  Response r = Response::json(200, out);
  r.headers.emplace_back("Cache-Control", "no-store");
  reply(std::move(r));
}

}  // namespace

void register_users_api(Router& router, engine::Gateway& gw, engine::ConsoleUsers& users) {
  router.add("GET", "/v1/users",
             authed(gw, kScopeAdmin, [&users](Request&, const std::string& account, Reply reply) {
               auto list = users.list(account);
               if (!list) return reply(Response::error(list.error()));
               json data = json::array();
               for (const auto& u : *list) data.push_back(user_json(u));
               reply(Response::json(200, {{"data", std::move(data)}}));
             }));
  // Offloaded like every authed route: hashing a password takes tens of milliseconds.
  router.add("POST", "/v1/users",
             authed(gw, kScopeAdmin, [&users](Request& req, const std::string& account, Reply reply) {
               create_user(users, req, account, std::move(reply));
             }));
  router.add("PATCH", "/v1/users/{id}",
             authed_caller(gw, kScopeAdmin, [&users](Request& req, const Caller& caller, Reply reply) {
               update_user(users, req, caller, std::move(reply));
             }));
  router.add("POST", "/v1/users/{id}/password",
             authed(gw, kScopeAdmin, [&users](Request& req, const std::string& account, Reply reply) {
               reset_password(users, req, account, std::move(reply));
             }));
}

}  // namespace sb::http
