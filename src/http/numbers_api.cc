// /v1/numbers: list and read the account's numbers; configure their provider-side webhooks.
#include "http/numbers_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/number_types.h"
#include "http/api_util.h"
#include "http/forwarding_api.h"

namespace sb::http {

using nlohmann::json;

json number_json(const engine::NumberView& v, const std::string& public_url) {
  const NumberRecord& n = v.number;
  const double rate =
      effective_throughput(n.throughput, n.type, v.capabilities.carrier_throughput);
  const auto hooks = engine::expected_webhooks(public_url, n.connector, v.capabilities);
  json forwarding = nullptr;
  if (n.forward_url) {
    forwarding = {{"url", *n.forward_url},
                  {"method", n.forward_method},
                  {"format", n.forward_format}};
  }
  return {{"number", n.number},
          {"friendly_name", n.friendly_name ? json(*n.friendly_name) : json(nullptr)},
          {"connector", n.connector},
          {"provider", v.provider.empty() ? json(nullptr) : json(v.provider)},
          {"capabilities", {{"sms", n.sms}, {"mms", n.mms}}},
          {"type", n.type},
          {"throughput", rate > 0 ? json(rate) : json(nullptr)},
          {"status", n.status},
          {"source", n.source},
          {"forwarding", forwarding},
          {"status_callback", n.status_callback ? json(*n.status_callback) : json(nullptr)},
          {"conversations", n.conversations},
          {"webhooks", {{"inbound_url", hooks.inbound_url}, {"status_url", hooks.status_url}}}};
}

namespace {

json view_json(const engine::Services& s, const engine::NumberView& v) {
  return number_json(v, s.numbers.public_url());
}

void list_numbers(engine::Services& s, Request& req, const std::string& account, Reply reply) {
  auto limit = limit_param(req);
  if (!limit) return reply(Response::error(limit.error()));
  auto numbers = s.numbers.list(account);
  if (!numbers) return reply(Response::error(numbers.error()));
  size_t start = 0;
  if (auto cursor = req.query_param("cursor")) {
    // The cursor is the last number of the previous page (numbers are few and stably ordered).
    auto it = std::find_if(numbers->begin(), numbers->end(),
                           [&](const engine::NumberView& n) { return n.number.number == *cursor; });
    if (it == numbers->end()) {
      return reply(Response::error(
          Error::make("invalid_parameter", "cursor is not one this API returned", "cursor")));
    }
    start = static_cast<size_t>(it - numbers->begin()) + 1;
  }
  json data = json::array();
  json next = nullptr;
  for (size_t i = start; i < numbers->size(); ++i) {
    if (data.size() == static_cast<size_t>(*limit)) {
      next = (*numbers)[i - 1].number.number;
      break;
    }
    data.push_back(view_json(s, (*numbers)[i]));
  }
  reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
}

// PATCH: the forwarding target and default status callback (parsed as docs/forwarding.md
// says); answers the number as GET does.
void patch_number(engine::Services& s, Request& req, const std::string& account, Reply reply) {
  const std::string& given = req.params["number"];
  auto n = s.numbers.get(account, given);
  if (!n) return reply(Response::error(n.error()));
  auto body = json_body(req);
  if (!body) return reply(Response::error(body.error()));
  auto update = parse_number_settings(*body);
  if (!update) return reply(Response::error(update.error()));
  auto stored = s.numbers.update_settings(account, n->number.number, *update);
  if (!stored) return reply(Response::error(stored.error()));
  reply(Response::json(200, view_json(s, *stored)));
}

void configure_webhooks(engine::Services& s, Request& req, const std::string& account,
                        Reply reply) {
  if (!req.body.empty()) {
    // Nothing to choose yet: an empty body or {} (unknown fields are refused, not ignored).
    auto body = json_body(req);
    if (!body) return reply(Response::error(body.error()));
    for (const auto& [k, _] : body->items()) {
      return reply(Response::error(Error::make("unknown_field", "unknown field '" + k + "'", k)));
    }
  }
  auto r = s.numbers.configure_webhooks(account, req.params["number"]);
  if (!r) return reply(Response::error(r.error()));
  json ids = json::object();
  for (const auto& [k, v] : r->webhooks.provider_ids) ids[k] = v;
  reply(Response::json(200, {{"number", r->number.number.number},
                             {"connector", r->number.number.connector},
                             {"provider", r->number.provider},
                             {"inbound_url", r->webhooks.inbound_url},
                             {"status_url", r->webhooks.status_url},
                             {"provider_ids", ids}}));
}

}  // namespace

void register_numbers_api(Router& router, engine::Services& s) {
  router.add("GET", "/v1/numbers",
             authed(s.gateway, kScopeNone, [&s](Request& req, const std::string& account, Reply reply) {
               list_numbers(s, req, account, std::move(reply));
             }));
  router.add("GET", "/v1/numbers/{number}",
             authed(s.gateway, kScopeNone, [&s](Request& req, const std::string& account, Reply reply) {
               auto n = s.numbers.get(account, req.params["number"]);
               if (!n) return reply(Response::error(n.error()));
               reply(Response::json(200, view_json(s, *n)));
             }));
  router.add("PATCH", "/v1/numbers/{number}",
             authed(s.gateway, kScopeNumbers, [&s](Request& req, const std::string& account, Reply reply) {
               patch_number(s, req, account, std::move(reply));
             }));
  // Offloaded (the default): the provider calls block for up to the connector's timeout.
  router.add("POST", "/v1/numbers/{number}/provider-webhooks",
             authed(s.gateway, kScopeNumbers, [&s](Request& req, const std::string& account, Reply reply) {
               configure_webhooks(s, req, account, std::move(reply));
             }));
}

}  // namespace sb::http
