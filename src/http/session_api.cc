// Sign-in, who-am-I and sign-out for the console (see session_api.h).
#include "http/session_api.h"

#include <spdlog/spdlog.h>

#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

std::string cookie(const std::string& value, int64_t max_age_s, bool secure) {
  return "sb_session=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age_s) + (secure ? "; Secure" : "");
}

}  // namespace

void register_session_api(Router& router, engine::Gateway& gw, engine::ConsoleUsers& users,
                          SessionApiOptions o) {
  // Offloaded (the default): Argon2id verification takes tens of milliseconds by design.
  router.add("POST", "/v1/session", [&users, o](Request& req, Reply reply) {
    if (!from_this_host(req)) {
      return reply(Response::error(Error::make("forbidden", "cross-origin sign-in refused")));
    }
    auto body = json_body(req);
    if (!body) return reply(Response::error(body.error()));
    auto email = string_field(*body, "email", true);
    if (!email) return reply(Response::error(email.error()));
    auto password = string_field(*body, "password", true);
    if (!password) return reply(Response::error(password.error()));
    auto in = users.sign_in(**email, **password, req.remote_address);
    if (!in) return reply(Response::error(in.error()));
    Response r = Response::json(200, {{"email", in->who.email},
                                      {"role", in->who.role},
                                      {"account", in->who.account},
                                      {"expires_at", format_rfc3339(in->expires_at)}});
    r.headers.emplace_back("Set-Cookie", cookie(in->token, o.max_age_s, o.secure_cookie));
    r.headers.emplace_back("Cache-Control", "no-store");
    reply(std::move(r));
  });

  router.add("GET", "/v1/session", [&gw](Request& req, Reply reply) {
    auto who = authenticate(gw, req);
    if (!who) return reply(Response::error(Error::make("database_unavailable",
                                                       "cannot check credentials right now")));
    if (!*who) return reply(Response::error(Error::make("unauthorized", "not signed in")));
    reply(Response::json(200, {{"email", (*who)->email.empty() ? json(nullptr) : json((*who)->email)},
                               // A session's role, or a key's: admin when it holds that scope.
                               {"role", ((*who)->scopes & kScopeAdmin) ? "admin" : "agent"},
                               {"account", (*who)->account}}));
  });

  router.add("DELETE", "/v1/session", [&users, o](Request& req, Reply reply) {
    if (!from_this_host(req)) {
      return reply(Response::error(Error::make("forbidden", "cross-origin sign-out refused")));
    }
    const std::string token = session_cookie(req);
    if (auto r = users.sign_out(token); !r) return reply(Response::error(r.error()));
    Response r;
    r.status = 204;
    r.content_type.clear();
    r.headers.emplace_back("Set-Cookie", cookie("", 0, o.secure_cookie));
    reply(std::move(r));
  });
}

}  // namespace sb::http
