// The signing secret endpoints, and the body of PATCH /v1/numbers (forwarding settings).
#include "http/forwarding_api.h"

#include <set>

#include "http/api_util.h"

namespace sb::http {

using nlohmann::json;

namespace {

// An app endpoint: a string here; its syntax and the outbound URL policy are the engine's
// (NumberService::update_settings, Gateway::check_app_url).
Result<std::string> app_url(const json& v, const std::string& field) {
  if (!v.is_string()) return type_error(field, "a string");
  return v.get<std::string>();
}

}  // namespace

Result<NumberSettingsUpdate> parse_number_settings(const json& body) {
  NumberSettingsUpdate u;
  static const std::set<std::string> kKnown = {"forwarding", "status_callback", "conversations",
                                               "friendly_name"};
  for (const auto& [k, _] : body.items()) {
    if (!kKnown.count(k)) return Error::make("unknown_field", "unknown field '" + k + "'", k);
  }
  if (auto f = body.find("forwarding"); f != body.end()) {
    u.set_forwarding = true;
    if (!f->is_null()) {
      if (!f->is_object()) return type_error("forwarding", "an object or null");
      static const std::set<std::string> kForwarding = {"url", "method", "format"};
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
      if (auto fm = f->find("format"); fm != f->end() && !fm->is_null()) {
        if (!fm->is_string()) return type_error("forwarding.format", "a string");
        const auto& format = fm->get_ref<const std::string&>();
        if (format != "switchboard" && format != "twilio") {
          return Error::make("invalid_format",
                             "forwarding.format must be \"switchboard\" or \"twilio\"",
                             "forwarding.format");
        }
        u.forward_format = format;
      }
    }
  }
  // Which messages start a conversation (NumberRecord::conversations).
  auto conversations = string_field(body, "conversations", false);
  if (!conversations) return conversations.error();
  if (*conversations && **conversations != "all" && **conversations != "inbound") {
    return Error::make("invalid_conversations", "conversations must be \"all\" or \"inbound\"",
                       "conversations");
  }
  u.conversations = *conversations;
  if (auto n = body.find("friendly_name"); n != body.end()) {
    u.set_friendly_name = true;
    if (!n->is_null()) {
      if (!n->is_string()) return type_error("friendly_name", "a string or null");
      const auto& name = n->get_ref<const std::string&>();
      if (name.size() > 64) {
        return Error::make("invalid_friendly_name", "friendly_name is at most 64 bytes",
                           "friendly_name");
      }
      if (!name.empty()) u.friendly_name = name;
    }
  }
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

// The secret is the answer itself: never cached by a proxy, never logged.
Response secret_response(const SigningSecret& s) {
  Response r = Response::json(200, {{"secret", s.secret},
                                    {"algorithm", "HMAC-SHA256"},
                                    {"header", "Switchboard-Signature"},
                                    {"created_at", format_rfc3339(s.created_at)}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

void register_forwarding_api(Router& router, engine::Services& s) {
  router.add("GET", "/v1/signing-secret",
             authed(s.gateway, kScopeAdmin, [&s](Request&, const std::string& account, Reply reply) {
               auto secret = s.accounts.signing_secret(account);
               if (!secret) return reply(Response::error(secret.error()));
               reply(secret_response(*secret));
             }));
  router.add("POST", "/v1/signing-secret/rotate",
             authed(s.gateway, kScopeAdmin, [&s](Request&, const std::string& account, Reply reply) {
               auto secret = s.accounts.rotate_signing_secret(account);
               if (!secret) return reply(Response::error(secret.error()));
               reply(secret_response(*secret));
             }));
}

}  // namespace sb::http
