// Helpers shared by the /v1 handlers: key authentication and JSON request bodies.
#include "http/api_util.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>
#include <cctype>

#include "core/message_json.h"
#include "core/utf8.h"
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
    return std::optional<Caller>(Caller{k.account, (k.scopes & kScopeAdmin) ? "admin" : "agent",
                                        "", false, k.scopes, k.key_id});
  }
  const std::string token = session_cookie(req);
  if (token.empty()) return std::optional<Caller>();
  auto who = gw.authenticate_session(token);
  if (!who) return who.error();
  if (!*who) return std::optional<Caller>();
  return std::optional<Caller>(Caller{(*who)->account, (*who)->role, (*who)->email, true,
                                      session_scopes((*who)->role), ""});
}

Handler authed(engine::Gateway& gw, ScopeSet needs,
               std::function<void(Request&, const std::string&, Reply)> fn) {
  return authed_caller(gw, needs,
                       [fn = std::move(fn)](Request& req, const Caller& c, Reply reply) {
                         fn(req, c.account, std::move(reply));
                       });
}

Result<nlohmann::json> parse_json_object(std::string_view text) {
  using nlohmann::json;
  if (auto bad = utf8::find_invalid(text)) {
    return Error::make("invalid_utf8",
                       "request body is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
  }
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return Error::make("invalid_json", std::string("request body is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return Error::make("invalid_json", "request body must be a JSON object");
  return j;
}

Result<nlohmann::json> json_body(const Request& req) {
  std::string ct = req.header("content-type");
  for (auto& c : ct) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string media = ct.substr(0, ct.find(';'));
  const bool json_type = media == "application/json" || media.empty();
  const bool curl_default = media == "application/x-www-form-urlencoded" &&
                            req.body.find_first_not_of(" \t\r\n") != std::string::npos &&
                            req.body[req.body.find_first_not_of(" \t\r\n")] == '{';
  if (!json_type && !curl_default) {
    return Error::make("unsupported_media_type",
                       "send the request body as application/json (got " + media + ")",
                       "Content-Type");
  }
  return parse_json_object(req.body);
}

Result<void> only_fields(const nlohmann::json& body,
                         std::initializer_list<std::string_view> known) {
  for (const auto& [k, _] : body.items()) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      return Error::make("unknown_field", "unknown field '" + k + "'", k);
    }
  }
  return Ok();
}

Error type_error(const std::string& field, std::string_view expected) {
  return Error::make("invalid_type", field + " must be " + std::string(expected), field);
}

Result<std::optional<std::string>> string_field(const nlohmann::json& j, const char* name,
                                                bool required) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) return Error::make("missing_field", std::string(name) + " is required", name);
    return std::optional<std::string>{};
  }
  if (!it->is_string()) return type_error(name, "a string");
  return std::optional<std::string>{it->get<std::string>()};
}

Result<int> limit_param(const Request& req) {
  auto v = req.query_param("limit");
  if (!v) return 50;
  char* end = nullptr;
  const long n = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < 1 || n > 1000) {
    return Error::make("invalid_parameter", "limit must be an integer from 1 to 1000", "limit");
  }
  return static_cast<int>(n);
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

Result<Metadata> parse_metadata(const nlohmann::json& value) {
  if (!value.is_object()) return type_error("metadata", "an object of string values");
  if (value.size() > 50) {
    return Error::make("invalid_metadata", "metadata may hold at most 50 keys", "metadata");
  }
  Metadata out;
  for (const auto& [k, v] : value.items()) {
    const std::string field = "metadata." + k;
    if (!v.is_string()) return type_error(field, "a string");
    if (k.empty() || k.size() > 64 || v.get_ref<const std::string&>().size() > 512) {
      return Error::make("invalid_metadata",
                         "metadata keys are 1-64 bytes and values at most 512 bytes", field);
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<std::string> idempotency_key(const Request& req) {
  std::string key = req.header("idempotency-key");
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
  return key;
}

bool valid_price(const std::string& v) {
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

}  // namespace sb::http
