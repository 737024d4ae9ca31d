// GET /v1/messages/{id}/deliveries, the signing secret endpoints, and the body of PATCH /v1/numbers.
#include "http/forwarding_api.h"

#include <spdlog/spdlog.h>

#include <set>

#include "core/ids.h"
#include "core/url.h"
#include "http/api_util.h"

namespace sb::http {

using nlohmann::json;

namespace {

// An app endpoint (core/url.h, UrlRule::kAppEndpoint).
Result<std::string> app_url(const json& v, const std::string& field) {
  if (!v.is_string()) return type_error(field, "a string");
  const auto& u = v.get_ref<const std::string&>();
  if (auto problem = url_problem(u, UrlRule::kAppEndpoint)) {
    return Error::make("invalid_url", field + " " + *problem, field);
  }
  return u;
}

}  // namespace

Result<store::NumberSettingsUpdate> parse_number_settings(const json& body) {
  store::NumberSettingsUpdate u;
  static const std::set<std::string> kKnown = {"forwarding", "status_callback", "conversations"};
  for (const auto& [k, _] : body.items()) {
    if (!kKnown.count(k)) return Error::make("unknown_field", "unknown field '" + k + "'", k);
  }
  if (auto f = body.find("forwarding"); f != body.end()) {
    u.set_forwarding = true;
    if (!f->is_null()) {
      if (!f->is_object()) return type_error("forwarding", "an object or null");
      static const std::set<std::string> kForwarding = {"url", "method"};
      for (const auto& [k, _] : f->items()) {
        if (!kForwarding.count(k)) {
          return Error::make("unknown_field", "unknown field 'forwarding." + k + "'",
                             "forwarding." + k);
        }
      }
      auto url = f->find("url");
      if (url == f->end() || url->is_null()) {
        return Error::make("missing_field", "forwarding.url is required", "forwarding.url");
      }
      auto parsed = app_url(*url, "forwarding.url");
      if (!parsed) return parsed.error();
      u.forward_url = *parsed;
      if (auto m = f->find("method"); m != f->end() && !m->is_null()) {
        if (!m->is_string()) return type_error("forwarding.method", "a string");
        const auto& method = m->get_ref<const std::string&>();
        if (method != "POST" && method != "GET") {
          return Error::make("invalid_method", "forwarding.method must be POST or GET",
                             "forwarding.method");
        }
        u.forward_method = method;
      }
    }
  }
  // Which messages start a conversation (store::NumberRecord::conversations).
  auto conversations = string_field(body, "conversations", false);
  if (!conversations) return conversations.error();
  if (*conversations && **conversations != "all" && **conversations != "inbound") {
    return Error::make("invalid_conversations", "conversations must be \"all\" or \"inbound\"",
                       "conversations");
  }
  u.conversations = *conversations;
  if (auto s = body.find("status_callback"); s != body.end()) {
    u.set_status_callback = true;
    if (!s->is_null()) {
      auto parsed = app_url(*s, "status_callback");
      if (!parsed) return parsed.error();
      u.status_callback = *parsed;
    }
  }
  return u;
}

namespace {

json attempt_json(const store::DeliveryAttempt& a) {
  return {{"attempt", a.attempt},
          {"at", format_rfc3339(a.at)},
          {"duration_ms", a.duration_ms},
          {"http_status", a.http_status ? json(a.http_status) : json(nullptr)},
          {"error", a.error.empty() ? json(nullptr) : json(a.error)},
          {"response_excerpt", a.response_excerpt},
          {"reply_message_id", a.reply_message_id.empty() ? json(nullptr)
                                                          : json(a.reply_message_id)}};
}

void list_deliveries(engine::Gateway& gw, Request& req, const std::string& account, Reply reply) {
  const std::string& id = req.params["id"];
  auto m = is_valid_id(id, "msg_") ? gw.store().get_message(account, id) : std::nullopt;
  if (!m) {
    return reply(Response::error(
        Error::make("not_found", "no message " + id + " in this account", "id")));
  }
  const auto deliveries = gw.store().list_deliveries(m->id);
  const auto attempts = gw.store().list_delivery_attempts(m->id);
  json data = json::array();
  for (const auto& d : deliveries) {
    json log = json::array();
    for (const auto& a : attempts) {
      if (a.delivery_id == d.id) log.push_back(attempt_json(a));
    }
    data.push_back(
        {{"id", d.id},
         {"kind", d.kind},
         {"url", d.url},
         {"method", d.method},
         {"state", d.state},
         {"attempt_count", d.attempts},
         {"created_at", format_rfc3339(d.created_at)},
         {"next_attempt_at",
          d.state == "pending" ? json(format_rfc3339(d.next_attempt_at)) : json(nullptr)},
         {"last_http_status", d.last_status ? json(d.last_status) : json(nullptr)},
         {"last_error", d.last_error.empty() ? json(nullptr) : json(d.last_error)},
         {"attempts", std::move(log)}});
  }
  reply(Response::json(200, {{"message_id", m->id}, {"data", std::move(data)}}));
}

// The secret is the answer itself: never cached by a proxy, never logged.
Response secret_response(const store::SigningSecret& s) {
  Response r = Response::json(200, {{"secret", s.secret},
                                    {"algorithm", "HMAC-SHA256"},
                                    {"header", "Switchboard-Signature"},
                                    {"created_at", format_rfc3339(s.created_at)}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

void register_forwarding_api(Router& router, engine::Gateway& gw) {
  router.add("GET", "/v1/messages/{id}/deliveries",
             authed(gw, [&gw](Request& req, const std::string& account, Reply reply) {
               list_deliveries(gw, req, account, std::move(reply));
             }));
  router.add("GET", "/v1/signing-secret",
             authed(gw, [&gw](Request&, const std::string& account, Reply reply) {
               auto s = gw.store().signing_secret(account, gw.clock().now_ms());
               if (!s) return reply(Response::error(s.error()));
               reply(secret_response(*s));
             }));
  router.add("POST", "/v1/signing-secret/rotate",
             authed(gw, [&gw](Request&, const std::string& account, Reply reply) {
               auto s = gw.store().rotate_signing_secret(account, gw.clock().now_ms());
               if (!s) return reply(Response::error(s.error()));
               spdlog::info("api: signing secret of {} rotated", account);
               reply(secret_response(*s));
             }));
}

}  // namespace sb::http
