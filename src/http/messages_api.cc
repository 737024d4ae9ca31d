// Every /v1/messages route: send, list, read, cancel, redact, the delivery log; and the served
// OpenAPI description. Handlers parse, call one engine::MessageService operation, serialise.
#include "http/messages_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/ids.h"
#include "core/message_json.h"
#include "core/phone.h"
#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

// Generated from docs/openapi.yaml by scripts/openapi_to_json.py (see CMakeLists.txt).
constexpr std::string_view kOpenApiJson =
#include "openapi_json.inc"
    ;

Result<std::optional<TimeMs>> time_param(const Request& req, const std::string& name) {
  auto v = req.query_param(name);
  if (!v) return std::optional<TimeMs>{};
  auto t = parse_rfc3339(*v);
  if (!t) {
    return Error::make("invalid_parameter", name + " must be an RFC 3339 time such as 2026-01-31T09:00:00Z",
                       name);
  }
  return std::optional<TimeMs>{*t};
}

void list_messages(engine::Services& s, Request& req, const std::string& account, Reply reply) {
  MessageFilter f;
  f.account = account;
  const auto& region = s.gateway.options().default_region;
  for (const char* name : {"to", "from"}) {
    if (auto v = req.query_param(name)) {
      auto p = normalize_phone(*v, region, name);
      if (!p) return reply(Response::error(p.error()));
      (std::string_view(name) == "to" ? f.to : f.from) = p->e164;
    }
  }
  // `number`, our side of the message (from of outbound, to of inbound).
  if (auto v = req.query_param("number")) {
    auto p = normalize_phone(*v, region, "number");
    if (!p) return reply(Response::error(p.error()));
    f.number = p->e164;
  }
  if (auto v = req.query_param("direction")) {
    f.direction = parse_direction(*v);
    if (!f.direction) {
      return reply(Response::error(Error::make(
          "invalid_parameter", "direction must be outbound or inbound", "direction")));
    }
  }
  if (auto v = req.query_param("status")) {
    f.status = parse_status(*v);
    if (!f.status) {
      return reply(Response::error(Error::make("invalid_parameter", "unknown status '" + *v + "'",
                                               "status")));
    }
  }
  for (const char* name : {"since", "until"}) {
    auto t = time_param(req, name);
    if (!t) return reply(Response::error(t.error()));
    (std::string_view(name) == "since" ? f.since : f.until) = *t;
  }
  auto limit_value = limit_param(req);
  if (!limit_value) return reply(Response::error(limit_value.error()));
  f.limit = *limit_value;
  if (auto v = req.query_param("cursor")) {
    if (!is_valid_id(*v, "msg_")) {
      return reply(Response::error(Error::make("invalid_parameter",
                                               "cursor is not one this API returned", "cursor")));
    }
    f.before_id = *v;
  }
  auto page = s.messages.list(std::move(f));
  if (!page) return reply(Response::error(page.error()));
  json data = json::array();
  for (const auto& m : page->items) data.push_back(to_json(m));
  json next = page->more ? json(page->items.back().id) : json(nullptr);
  reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
}

json attempt_json(const DeliveryAttempt& a) {
  return {{"attempt", a.attempt},
          {"at", format_rfc3339(a.at)},
          {"duration_ms", a.duration_ms},
          {"http_status", a.http_status ? json(a.http_status) : json(nullptr)},
          {"error", a.error.empty() ? json(nullptr) : json(a.error)},
          {"response_excerpt", a.response_excerpt},
          {"reply_message_id", a.reply_message_id.empty() ? json(nullptr)
                                                          : json(a.reply_message_id)}};
}

json delivery_log_json(const engine::DeliveryLog& log) {
  json data = json::array();
  for (const auto& d : log.deliveries) {
    json attempts = json::array();
    for (const auto& a : log.attempts) {
      if (a.delivery_id == d.id) attempts.push_back(attempt_json(a));
    }
    data.push_back(
        {{"id", d.id},
         {"kind", d.kind},
         {"url", d.url},
         {"method", d.method},
         {"format", d.format.empty() ? "switchboard" : d.format},
         {"state", d.state},
         {"attempt_count", d.attempts},
         {"created_at", format_rfc3339(d.created_at)},
         {"next_attempt_at",
          d.state == "pending" ? json(format_rfc3339(d.next_attempt_at)) : json(nullptr)},
         {"last_http_status", d.last_status ? json(d.last_status) : json(nullptr)},
         {"last_error", d.last_error.empty() ? json(nullptr) : json(d.last_error)},
         {"attempts", std::move(attempts)}});
  }
  return {{"message_id", log.message_id}, {"data", std::move(data)}};
}

// A handler of an existing message: `op` gets the account and the path's id.
template <typename Op>
Handler message_route(engine::Services& s, ScopeSet needs, Op op) {
  return authed(s.gateway, needs, [&s, op](Request& req, const std::string& account, Reply reply) {
    op(s, account, req.params["id"], reply);
  });
}

}  // namespace

std::string_view openapi_json() { return kOpenApiJson; }

void register_messages_api(Router& router, engine::Services& s) {
  router.add("POST", "/v1/messages",
             authed(s.gateway, kScopeMessagesSend, [&s](Request& req, const std::string& account, Reply reply) {
               auto parsed = parse_send_request(req);
               if (!parsed) {
                 spdlog::info("api: send rejected for {}: {} ({})", account, parsed.error().code,
                              parsed.error().field);
                 return reply(Response::error(parsed.error()));
               }
               s.messages.send(account, *parsed, send_reply(std::move(reply), account));
             }),
             // Inline: validation is CPU-only and the commit is asynchronous (the outbox replies);
             // only an uncached key lookup (and a contact_id's point read) touches the database.
             Run::kInline);

  router.add("GET", "/v1/messages",
             authed(s.gateway, kScopeMessagesRead, [&s](Request& req, const std::string& account, Reply reply) {
               list_messages(s, req, account, std::move(reply));
             }));

  router.add("GET", "/v1/messages/{id}",
             message_route(s, kScopeMessagesRead, [](engine::Services& s, const std::string& account,
                                 const std::string& id, const Reply& reply) {
               auto v = s.messages.get(account, id);
               if (!v) return reply(Response::error(v.error()));
               reply(Response::json(200, to_json(v->message, v->events)));
             }));

  // Redaction: the body and media erased here and, where the provider allows, there.
  router.add("DELETE", "/v1/messages/{id}",
             message_route(s, kScopeMessagesSend, [](engine::Services& s, const std::string& account,
                                 const std::string& id, const Reply& reply) {
               auto v = s.messages.redact(account, id);
               if (!v) return reply(Response::error(v.error()));
               reply(Response::json(200, to_json(v->message, v->events)));
             }));

  router.add("POST", "/v1/messages/{id}/cancel",
             message_route(s, kScopeMessagesSend, [](engine::Services& s, const std::string& account,
                                 const std::string& id, const Reply& reply) {
               auto m = s.messages.cancel(account, id);
               if (!m) return reply(Response::error(m.error()));
               reply(Response::json(200, to_json(*m)));
             }));

  router.add("GET", "/v1/messages/{id}/deliveries",
             message_route(s, kScopeMessagesRead, [](engine::Services& s, const std::string& account,
                                 const std::string& id, const Reply& reply) {
               auto log = s.messages.deliveries(account, id);
               if (!log) return reply(Response::error(log.error()));
               reply(Response::json(200, delivery_log_json(*log)));
             }));

  router.add(
      "GET", "/v1/openapi.json",
      [](Request&, Reply reply) {
        Response resp;
        resp.status = 200;
        resp.content_type = "application/json";
        resp.body = std::string(kOpenApiJson);
        reply(std::move(resp));
      },
      Run::kInline);
}

}  // namespace sb::http
