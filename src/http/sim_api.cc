// The simulated carrier's inbound messages (see sim_api.h; docs/api.md).
#include "http/sim_api.h"

#include <spdlog/spdlog.h>

#include <set>

#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

constexpr size_t kMaxMedia = 10;

Result<providers::InboundMessage> parse_inbound(const json& body) {
  static const std::set<std::string> kKnown = {"from", "to", "body", "media_urls"};
  for (const auto& [k, _] : body.items()) {
    if (!kKnown.count(k)) return Error::make("unknown_field", "unknown field '" + k + "'", k);
  }
  providers::InboundMessage in;
  for (const char* name : {"from", "to"}) {
    auto v = string_field(body, name, true);
    if (!v) return v.error();
    (std::string_view(name) == "from" ? in.from : in.to) = **v;
  }
  auto text = string_field(body, "body", false);
  if (!text) return text.error();
  in.body = text->value_or("");
  if (auto media = body.find("media_urls"); media != body.end() && !media->is_null()) {
    if (!media->is_array()) return type_error("media_urls", "an array of URLs");
    if (media->size() > kMaxMedia) {
      return Error::make("too_many_media",
                         "at most " + std::to_string(kMaxMedia) + " media_urls", "media_urls");
    }
    for (size_t i = 0; i < media->size(); ++i) {
      const std::string field = "media_urls[" + std::to_string(i) + "]";
      if (!(*media)[i].is_string()) return type_error(field, "a URL string");
      in.media.push_back({(*media)[i].get<std::string>(), "", std::nullopt});
    }
  }
  if (in.body.empty() && in.media.empty()) {
    return Error::make("missing_content", "body or media_urls is required", "body");
  }
  return in;
}

}  // namespace

void register_sim_api(Router& router, engine::Services& s, engine::WebhookProcessor& webhooks) {
  router.add(
      "POST", "/v1/sim/inbound",
      authed(s.gateway, kScopeMessagesSend, [&s, &webhooks](Request& req, const std::string& account, Reply reply) {
        auto body = json_body(req);
        if (!body) return reply(Response::error(body.error()));
        auto in = parse_inbound(*body);
        if (!in) return reply(Response::error(in.error()));
        // Only the caller's own numbers, and only on a simulated carrier: a real carrier's
        // number receives what its carrier sends.
        auto number = s.numbers.get(account, in->to);
        if (!number && number.error().code != "not_found") {
          return reply(Response::error(number.error()));
        }
        if (!number || !number->capabilities.simulated_inbound) {
          return reply(Response::error(Error::make(
              "not_simulated",
              "to must be one of your numbers on a sim connector (" + in->to + " is not)",
              "to")));
        }
        in->to = number->number.number;
        webhooks.inject_inbound(
            number->number.connector, std::move(*in), req.body,
            [reply = std::move(reply)](Result<providers::WebhookReply> out) {
              if (!out) return reply(Response::error(out.error()));
              Response r = Response::json(201, json::object());
              r.body = std::move(out->body);
              reply(std::move(r));
            });
      }));
}

}  // namespace sb::http
