// Helpers shared by the /v1 handler files (api.cc, tools_api.cc); internal to the http module.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/api_key.h"
#include "engine/gateway.h"
#include "http/request_fields.h"
#include "http/types.h"

namespace sb::http {

// Who made a request: an API key (Authorization: Bearer <key>; its scopes) or a console session
// (the sb_session cookie; an admin holds every scope, an agent messages:send, messages:read and
// conversations).
struct Caller {
  std::string account;
  std::string email;  // sessions: the user
  bool session = false;
  ScopeSet scopes = kScopeNone;
  std::string key_id;  // API keys
};
// Errors: database_unavailable; rate_limited (with retry_after_s) for a key over its rate.
Result<std::optional<Caller>> authenticate(engine::Gateway& gw, const Request& req);
// The sb_session cookie's value ("" : none).
std::string session_cookie(const Request& req);
// True when the request has no Origin or one naming this host (its Host header, http or https:
// TLS may end at a proxy).
bool from_this_host(const Request& req);

// Wraps a handler with authentication (an API key, or a console session whose request comes from
// this host: a cross-origin request with the cookie is 403 forbidden) and the scopes the route
// needs (kScopeNone: any caller; a caller without them is 403 forbidden, naming the scope); the
// handler gets the account. Replies 401 unauthorized without valid credentials, 429 rate_limited
// for a key over its rate, 503 database_unavailable when they cannot be checked; an exception
// thrown by `fn` becomes 503 database_unavailable.
Handler authed(engine::Gateway& gw, ScopeSet needs,
               std::function<void(Request&, const std::string&, Reply)> fn);
// authed for a handler that needs to know who is acting, not only the account.
Handler authed_caller(engine::Gateway& gw, ScopeSet needs,
                      std::function<void(Request&, const Caller&, Reply)> fn);

// The reply to an accepted (or refused) send: 202 with the message (Idempotent-Replayed: true for
// a replay), 409 idempotency_conflict, or the error. POST /v1/messages and conversation replies.
engine::Outbox::Done send_reply(Reply reply, std::string account);

}  // namespace sb::http
