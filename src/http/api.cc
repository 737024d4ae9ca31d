// /v1 handlers: send, read, list, stats; /healthz and /readyz.
#include "http/api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/message_json.h"
#include "core/phone.h"
#include "http/api_util.h"
#include "http/messages_api.h"

namespace sb::http {
namespace {

using nlohmann::json;

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

void list_messages(engine::Gateway& gw, Request& req, const std::string& account, Reply reply) {
  store::MessageFilter f;
  f.account = account;
  const auto& region = gw.options().default_region;
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
  const int limit = f.limit;
  f.limit = limit + 1;  // one extra row tells whether another page exists
  auto rows = gw.store().list_messages(f);
  json data = json::array();
  json next = nullptr;
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) data.push_back(to_json(rows[i]));
  if (static_cast<int>(rows.size()) > limit) next = rows[static_cast<size_t>(limit) - 1].id;
  reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
}

}  // namespace

// "0.05", "1", "0.0075": digits, an optional point and 1-4 decimals, not zero.
static bool valid_price(const std::string& v) {
  const auto point = v.find('.');
  const std::string whole = v.substr(0, point);
  const std::string frac = point == std::string::npos ? "" : v.substr(point + 1);
  const auto digits = [](const std::string& d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 6 || !digits(whole) || !digits(frac) || frac.size() > 4) {
    return false;
  }
  if (point != std::string::npos && frac.empty()) return false;
  return v.find_first_not_of("0.") != std::string::npos;
}

Result<engine::SendRequest> parse_send_request(const Request& req) {
  auto body = json_body(req);
  if (!body) return body.error();
  return parse_send_json(*body, req);
}

Result<engine::SendRequest> parse_send_json(const json& j, const Request& req) {
  engine::SendRequest r;
  static const std::set<std::string> kKnown = {"to",       "from",            "body",
                                               "media_urls", "status_callback", "validity_period",
                                               "metadata",
                                               // scheduling and quiet hours
                                               "send_at",  "category",
                                               // provider options
                                               "max_price", "smart_encoding",
                                               // contacts: instead of `to`
                                               "contact_id"};
  for (const auto& [k, _] : j.items()) {
    if (!kKnown.count(k)) return Error::make("unknown_field", "unknown field '" + k + "'", k);
  }
  const auto str = [&](const char* name, bool required) { return string_field(j, name, required); };
  // Exactly one of `to` and `contact_id` (the account's contact; Gateway::send resolves it).
  auto to = str("to", false);
  if (!to) return to.error();
  auto contact = str("contact_id", false);
  if (!contact) return contact.error();
  if (*to && *contact) {
    return Error::make("invalid_contact", "give either to or contact_id, not both", "contact_id");
  }
  if (!*to && !*contact) {
    return Error::make("missing_field", "to (or contact_id) is required", "to");
  }
  if (*contact) {
    if (!looks_like_contact_id(**contact)) {
      return Error::make("invalid_contact", "contact_id is not a contact id (ct_...)",
                         "contact_id");
    }
    r.contact_id = **contact;
  } else {
    r.to = **to;
  }
  auto from = str("from", false);
  if (!from) return from.error();
  r.from = *from;
  auto text = str("body", false);
  if (!text) return text.error();
  r.body = text->value_or("");
  auto cb = str("status_callback", false);
  if (!cb) return cb.error();
  r.status_callback = cb->value_or("");
  if (auto it = j.find("media_urls"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return type_error("media_urls", "an array of URL strings");
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        return type_error("media_urls[" + std::to_string(i) + "]", "a URL string");
      }
      r.media_urls.push_back((*it)[i].get<std::string>());
    }
  }
  if (auto it = j.find("max_price"); it != j.end() && !it->is_null()) {
    // A decimal amount in the account's currency: a JSON number or string, > 0, at most 4
    // decimals (Twilio's MaxPrice). Kept as written so no binary rounding creeps in.
    std::string v = it->is_string() ? it->get<std::string>()
                    : it->is_number() ? it->dump()
                                      : std::string();
    if (!it->is_string() && !it->is_number()) return type_error("max_price", "a decimal amount");
    if (!valid_price(v)) {
      return Error::make("invalid_max_price",
                         "max_price must be a positive decimal amount with at most 4 decimals, "
                         "such as \"0.05\"",
                         "max_price");
    }
    r.max_price = v;
  }
  if (auto it = j.find("smart_encoding"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return type_error("smart_encoding", "true or false");
    r.smart_encoding = it->get<bool>();
  }
  if (auto it = j.find("validity_period"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) return type_error("validity_period", "an integer (seconds)");
    r.validity_period_s = it->get<int64_t>();
  }
  if (auto it = j.find("metadata"); it != j.end() && !it->is_null()) {
    auto metadata = parse_metadata(*it);
    if (!metadata) return metadata.error();
    r.metadata = std::move(*metadata);
  }
  // Scheduling and quiet hours (docs/scheduling.md).
  auto send_at = str("send_at", false);
  if (!send_at) return send_at.error();
  if (*send_at) {
    auto t = parse_rfc3339(**send_at);
    if (!t) {
      return Error::make("invalid_send_at",
                         "send_at must be an RFC 3339 time such as 2026-01-31T09:00:00Z",
                         "send_at");
    }
    r.send_at = *t;
  }
  auto category = str("category", false);
  if (!category) return category.error();
  if (*category) {
    if (**category != "transactional" && **category != "marketing") {
      return Error::make("invalid_category", "category must be transactional or marketing",
                         "category");
    }
    r.category = **category;
  }
  const std::string key = req.header("idempotency-key");
  if (!key.empty()) {
    if (key.size() > 255) {
      return Error::make("invalid_idempotency_key", "Idempotency-Key is longer than 255 characters",
                         "Idempotency-Key");
    }
    for (unsigned char c : key) {
      if (c < 0x21 || c > 0x7E) {
        return Error::make("invalid_idempotency_key",
                           "Idempotency-Key must be printable ASCII without spaces",
                           "Idempotency-Key");
      }
    }
    r.idempotency_key = key;
    // Canonical form: nlohmann::json objects keep keys sorted, so field order and whitespace
    // do not change the hash.
    r.request_hash = crypto::hex(crypto::sha256(j.dump()));
  }
  return r;
}

void register_api(Router& router, engine::Gateway& gw) {
  router.add(
      "GET", "/healthz",
      [](Request&, Reply reply) { reply(Response::json(200, {{"status", "ok"}})); }, Run::kInline);
  router.add("GET", "/readyz", [&gw](Request&, Reply reply) {
    // Ready means the database answers. Connectors are reported too: one whose credentials were
    // rejected (or that keeps failing) is "open" with the reason, and its messages wait.
    json connectors = json::array();
    bool degraded = false;
    for (const auto& c : gw.connector_states()) {
      json j = {{"id", c.id}, {"circuit", to_string(c.circuit.state)}};
      if (c.circuit.state != engine::CircuitState::kClosed) {
        degraded = true;
        j["reason"] = c.circuit.reason;
        j["retry_at"] = format_rfc3339(c.circuit.retry_at);
      }
      connectors.push_back(std::move(j));
    }
    auto ok = gw.store().ping();
    if (!ok) {
      spdlog::warn("readyz: database unreachable: {}", ok.error().message);
      return reply(Response::json(503, {{"status", "unavailable"},
                                        {"checks",
                                         {{"database", {{"ok", false}, {"error", "unreachable"}}},
                                          {"connectors", connectors}}}}));
    }
    // Inbound messages for numbers no account owns wait for an operator (docs/webhooks.md).
    json webhooks = {{"unrouted_inbound", gw.store().count_unrouted()}};
    reply(Response::json(200, {{"status", degraded ? "degraded" : "ready"},
                               {"checks", {{"database", {{"ok", true}}},
                                           {"connectors", connectors},
                                           {"webhooks", webhooks}}}}));
  });

  router.add("POST", "/v1/messages",
             authed(gw, [&gw](Request& req, const std::string& account, Reply reply) {
               auto parsed = parse_send_request(req);
               if (!parsed) {
                 spdlog::info("api: send rejected for {}: {} ({})", account, parsed.error().code,
                              parsed.error().field);
                 return reply(Response::error(parsed.error()));
               }
               gw.send(account, *parsed, send_reply(std::move(reply), account));
             }),
             // Inline: validation is CPU-only and the commit is asynchronous (the outbox replies);
             // only an uncached key lookup (and a contact_id's point read) touches the database.
             Run::kInline);

  router.add("GET", "/v1/messages", authed(gw, [&gw](Request& req, const std::string& account,
                                                      Reply reply) {
               list_messages(gw, req, account, std::move(reply));
             }));

  router.add("GET", "/v1/messages/{id}",
             authed(gw, [&gw](Request& req, const std::string& account, Reply reply) {
               const std::string& id = req.params["id"];
               auto m = is_valid_id(id, "msg_") ? gw.store().get_message(account, id)
                                                : std::nullopt;
               if (!m) {
                 return reply(Response::error(
                     Error::make("not_found", "no message " + id + " in this account", "id")));
               }
               reply(Response::json(200, to_json(*m, gw.store().list_events(m->id))));
             }));

  router.add("GET", "/v1/stats", authed(gw, [&gw](Request&, const std::string& account,
                                                   Reply reply) {
               json counts = json::object();
               int64_t total = 0;
               for (const auto& [status, n] : gw.store().count_by_status(account)) {
                 counts[status] = n;
                 total += n;
               }
               reply(Response::json(200, {{"messages", {{"total", total}, {"by_status", counts}}}}));
             }));

  register_tools_api(router, gw);
  // DELETE /v1/messages/{id}, GET /v1/openapi.json
  register_messages_api(router, gw);
}

}  // namespace sb::http
