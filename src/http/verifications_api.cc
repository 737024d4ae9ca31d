// Verification codes (2FA): send one, check one.
#include "http/verifications_api.h"

#include <spdlog/spdlog.h>

#include <set>

#include "core/message_json.h"
#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

Result<json> object_with(const Request& req, const std::set<std::string>& known) {
  auto body = json_body(req);
  if (!body) return body.error();
  for (const auto& [k, _] : body->items()) {
    if (!known.count(k)) return Error::make("unknown_field", "unknown field '" + k + "'", k);
  }
  return *body;
}

Result<std::optional<int64_t>> int_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::optional<int64_t>{};
  if (!it->is_number_integer()) return type_error(name, "an integer");
  return std::optional<int64_t>{it->get<int64_t>()};
}

json verification_json(const Verification& v) {
  return {{"id", v.id},
          {"to", v.to},
          {"status", v.status},
          {"message_id", v.message_id},
          {"created_at", format_rfc3339(v.created_at)},
          {"expires_at", format_rfc3339(v.expires_at)}};
}

void start_verification(engine::Verifier& verifier, Request& req, const std::string& account,
                        Reply reply) {
  auto body =
      object_with(req, {"to", "from", "code_length", "ttl_seconds", "template"});
  if (!body) return reply(Response::error(body.error()));
  engine::VerificationRequest vr;
  auto to = string_field(*body, "to", true);
  if (!to) return reply(Response::error(to.error()));
  vr.to = **to;
  auto from = string_field(*body, "from", false);
  if (!from) return reply(Response::error(from.error()));
  vr.from = *from;
  auto tmpl = string_field(*body, "template", false);
  if (!tmpl) return reply(Response::error(tmpl.error()));
  if (*tmpl) vr.template_text = **tmpl;
  for (auto [name, field] : {std::pair{"code_length", &vr.code_length},
                             std::pair{"ttl_seconds", &vr.ttl_seconds}}) {
    auto v = int_field(*body, name);
    if (!v) return reply(Response::error(v.error()));
    if (*v) *field = **v;
  }
  verifier.start(account, vr, [reply](engine::VerificationStartResult r) {
    if (!r.verification) {
      Response resp = Response::error(r.verification.error());
      if (r.retry_after_s > 0) {
        resp.headers.emplace_back("Retry-After", std::to_string(r.retry_after_s));
      }
      return reply(std::move(resp));
    }
    reply(Response::json(201, verification_json(*r.verification)));
  });
}

void check_verification(engine::Verifier& verifier, Request& req, const std::string& account,
                        Reply reply) {
  auto body = object_with(req, {"to", "code"});
  if (!body) return reply(Response::error(body.error()));
  auto to = string_field(*body, "to", true);
  if (!to) return reply(Response::error(to.error()));
  auto code = string_field(*body, "code", true);
  if (!code) return reply(Response::error(code.error()));
  auto ok = verifier.check(account, **to, **code);
  if (!ok) return reply(Response::error(ok.error()));
  reply(Response::json(200, {{"status", *ok ? "approved" : "denied"}}));
}

}  // namespace

void register_verifications_api(Router& router, engine::Services& s) {
  router.add("POST", "/v1/verifications",
             authed(s.gateway, kScopeMessagesSend, [&s](Request& req, const std::string& account, Reply reply) {
               start_verification(s.verifications, req, account, std::move(reply));
             }));
  router.add("POST", "/v1/verifications/check",
             authed(s.gateway, kScopeMessagesSend, [&s](Request& req, const std::string& account, Reply reply) {
               check_verification(s.verifications, req, account, std::move(reply));
             }));
}

}  // namespace sb::http
