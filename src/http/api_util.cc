// Helpers shared by the /v1 handlers: key authentication and JSON request bodies.
#include "http/api_util.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>

#include "core/message_json.h"
#include "http/api.h"

namespace sb::http {
namespace {

// A browser request with the session cookie must come from our own pages: its Origin (which
// browsers send on every cross-origin request, WebSocket handshakes and state-changing methods
// included) must be this host. Same-origin GETs may come without one; anything that changes
// state, or opens a WebSocket, may not.
bool same_origin(const Request& req) {
  if (req.header("origin").empty()) {
    return (req.method == "GET" || req.method == "HEAD") && req.header("upgrade").empty();
  }
  return from_this_host(req);
}

// What a console session may do, by role.
ScopeSet session_scopes(const std::string& role) {
  return role == "admin" ? ScopeSet{kScopeAdmin}
                         : ScopeSet{kScopeMessagesSend | kScopeMessagesRead | kScopeConversations};
}

}  // namespace

Handler authed_caller(engine::Gateway& gw, ScopeSet needs,
                      std::function<void(Request&, const Caller&, Reply)> fn) {
  return [&gw, needs, fn = std::move(fn)](Request& req, Reply reply) {
    auto found = authenticate(gw, req);
    if (!found && found.error().code == "rate_limited") {
      return reply(Response::error(found.error()));
    }
    if (!found) {
      spdlog::error("auth: credentials lookup failed: {}", found.error().message);
      return reply(Response::error(
          Error::make("database_unavailable", "cannot check credentials right now")));
    }
    if (!*found) {
      Response r = Response::error(Error::make(
          "unauthorized", "missing or invalid API key; send Authorization: Bearer <key>"));
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return reply(std::move(r));
    }
    const Caller& caller = **found;
    if (caller.session && !same_origin(req)) {
      spdlog::warn("auth: cross-origin {} {} with a session refused (Origin {})", req.method,
                   req.path, req.header("origin"));
      return reply(Response::error(
          Error::make("forbidden", "cross-origin requests with the console session are refused")));
    }
    if (!scopes_allow(caller.scopes, needs)) {
      return reply(Response::error(Error::make(
          "forbidden", caller.session ? std::string("this needs an admin")
                                      : "this API key lacks the scope " +
                                            missing_scope(caller.scopes, needs))));
    }
    try {
      fn(req, caller, reply);
    } catch (const std::exception& e) {
      spdlog::error("api: {} {}: {}", req.method, req.path, e.what());
      reply(Response::error(Error::make("database_unavailable", "the database is unavailable")));
    }
  };
}

bool from_this_host(const Request& req) {
  const std::string origin = req.header("origin");
  const std::string host = req.header("host");
  return origin.empty() ||
         (!host.empty() && (origin == "http://" + host || origin == "https://" + host));
}

std::string session_cookie(const Request& req) {
  const std::string cookies = req.header("cookie");
  constexpr std::string_view kName = "sb_session=";
  for (size_t at = 0; at < cookies.size();) {
    while (at < cookies.size() && (cookies[at] == ' ' || cookies[at] == ';')) ++at;
    const size_t end = std::min(cookies.find(';', at), cookies.size());
    if (std::string_view(cookies).substr(at, kName.size()) == kName) {
      return cookies.substr(at + kName.size(), end - at - kName.size());
    }
    at = end;
  }
  return "";
}

Result<std::optional<Caller>> authenticate(engine::Gateway& gw, const Request& req) {
  const std::string h = req.header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() > kPrefix.size() && strncasecmp(h.data(), kPrefix.data(), kPrefix.size()) == 0) {
    auto key = gw.authenticate(h.substr(kPrefix.size()));
    if (!key) return key.error();
    if (!*key) return std::optional<Caller>();
    const auto& k = **key;
    return std::optional<Caller>(Caller{k.account, "", false, k.scopes, k.key_id});
  }
  const std::string token = session_cookie(req);
  if (token.empty()) return std::optional<Caller>();
  auto who = gw.authenticate_session(token);
  if (!who) return who.error();
  if (!*who) return std::optional<Caller>();
  // The role decides the scopes, once, here: routes only ever look at scopes.
  return std::optional<Caller>(
      Caller{(*who)->account, (*who)->email, true, session_scopes((*who)->role), ""});
}

Handler authed(engine::Gateway& gw, ScopeSet needs,
               std::function<void(Request&, const std::string&, Reply)> fn) {
  return authed_caller(gw, needs,
                       [fn = std::move(fn)](Request& req, const Caller& c, Reply reply) {
                         fn(req, c.account, std::move(reply));
                       });
}

engine::Outbox::Done send_reply(Reply reply, std::string account) {
  return [reply = std::move(reply), account = std::move(account)](Result<store::InsertResult> r) {
    if (!r) {
      if (r.error().code != "storage_error" && r.error().code != "shutting_down") {
        spdlog::info("api: send rejected for {}: {} ({})", account, r.error().code,
                     r.error().field);
      }
      return reply(Response::error(r.error()));
    }
    switch (r->kind) {
      case store::InsertKind::kCreated:
        spdlog::debug("message {} accepted for {}", r->message.id, account);
        return reply(Response::json_text(202, message_json(r->message)));
      case store::InsertKind::kDuplicate: {
        Response resp = Response::json_text(202, message_json(r->message));
        resp.headers.emplace_back("Idempotent-Replayed", "true");
        return reply(std::move(resp));
      }
      case store::InsertKind::kConflict:
        return reply(Response::error(Error::make(
            "idempotency_conflict",
            "this Idempotency-Key was already used with a different request (message " +
                r->message.id + ")",
            "Idempotency-Key")));
    }
  };
}

}  // namespace sb::http
