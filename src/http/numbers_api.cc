// /v1/numbers: list and read the account's numbers; configure their provider-side webhooks.
#include "http/numbers_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/number_types.h"
#include "http/api_util.h"
#include "http/forwarding_api.h"
#include "providers/transport/http_util.h"

namespace sb::http {

using nlohmann::json;

ExpectedWebhooks expected_webhooks(const std::string& public_url, const std::string& connector,
                                   std::string_view provider) {
  std::string url = providers::webhook_url(public_url, connector);
  if (provider == "voicemeup") url.append("/{webhook_secret}");
  return {url, url};
}

json number_json(const store::NumberRecord& n, std::string_view provider,
                 const std::string& public_url) {
  const double rate = effective_throughput(n.throughput, n.type, provider);
  const auto hooks = expected_webhooks(public_url, n.connector, provider);
  json forwarding = nullptr;
  if (n.forward_url) forwarding = {{"url", *n.forward_url}, {"method", n.forward_method}};
  return {{"number", n.number},
          {"connector", n.connector},
          {"provider", provider.empty() ? json(nullptr) : json(std::string(provider))},
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

struct NumbersApi {
  engine::Gateway& gw;
  NumbersApiOptions options;

  std::string provider_of(const std::string& connector) const {
    auto it = options.connectors.find(connector);
    return it == options.connectors.end() ? std::string() : std::string(it->second->provider());
  }

  // The account's number named by a path segment: as given, or with the '+' that a client left
  // out (E.164 without it is all digits; short codes are stored as digits and match first).
  std::optional<store::NumberRecord> find(const std::string& account, const std::string& given) {
    const auto numbers = gw.store().list_numbers(account);
    for (const std::string& candidate : {given, std::string("+").append(given)}) {
      for (const auto& n : numbers) {
        if (n.number == candidate) return n;
      }
    }
    return std::nullopt;
  }

  static Error not_found(const std::string& number) {
    return Error::make("not_found", "no number " + number + " in this account", "number");
  }

  void list(Request& req, const std::string& account, Reply reply) {
    auto limit = limit_param(req);
    if (!limit) return reply(Response::error(limit.error()));
    const auto numbers = gw.store().list_numbers(account);
    size_t start = 0;
    if (auto cursor = req.query_param("cursor")) {
      // The cursor is the last number of the previous page (numbers are few and stably ordered).
      auto it = std::find_if(numbers.begin(), numbers.end(),
                             [&](const store::NumberRecord& n) { return n.number == *cursor; });
      if (it == numbers.end()) {
        return reply(Response::error(
            Error::make("invalid_parameter", "cursor is not one this API returned", "cursor")));
      }
      start = static_cast<size_t>(it - numbers.begin()) + 1;
    }
    json data = json::array();
    json next = nullptr;
    for (size_t i = start; i < numbers.size(); ++i) {
      if (data.size() == static_cast<size_t>(*limit)) {
        next = numbers[i - 1].number;
        break;
      }
      data.push_back(
          number_json(numbers[i], provider_of(numbers[i].connector), options.public_url));
    }
    reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
  }

  void get(Request& req, const std::string& account, Reply reply) {
    const std::string& given = req.params["number"];
    auto n = find(account, given);
    if (!n) return reply(Response::error(not_found(given)));
    reply(Response::json(200, number_json(*n, provider_of(n->connector), options.public_url)));
  }

  // PATCH: the forwarding target and default status callback (parsed as docs/forwarding.md
  // says); answers the number as GET does.
  void patch(Request& req, const std::string& account, Reply reply) {
    const std::string& given = req.params["number"];
    auto n = find(account, given);
    if (!n) return reply(Response::error(not_found(given)));
    auto body = json_body(req);
    if (!body) return reply(Response::error(body.error()));
    auto update = parse_number_settings(*body);
    if (!update) return reply(Response::error(update.error()));
    auto stored = gw.store().update_number_settings(account, n->number, *update, gw.clock().now_ms());
    if (!stored) return reply(Response::error(stored.error()));
    if (!*stored) return reply(Response::error(not_found(given)));  // removed since the lookup
    // The gateway's directory serves sends (default status_callback) and forwards: refresh now.
    gw.set_numbers(gw.store().all_numbers());
    spdlog::info("api: number {} of {} updated (forwarding {}, status_callback {}, conversations {})",
                 (*stored)->number, account, (*stored)->forward_url ? "on" : "off",
                 (*stored)->status_callback ? "set" : "none", (*stored)->conversations);
    reply(Response::json(200, number_json(**stored, provider_of(n->connector), options.public_url)));
  }

  void configure(Request& req, const std::string& account, Reply reply) {
    if (!req.body.empty()) {
      // Nothing to choose yet: an empty body or {} (unknown fields are refused, not ignored).
      auto body = json_body(req);
      if (!body) return reply(Response::error(body.error()));
      for (const auto& [k, _] : body->items()) {
        return reply(Response::error(Error::make("unknown_field", "unknown field '" + k + "'", k)));
      }
    }
    const std::string& given = req.params["number"];
    auto n = find(account, given);
    if (!n) return reply(Response::error(not_found(given)));
    auto it = options.connectors.find(n->connector);
    if (it == options.connectors.end()) {
      return reply(Response::error(Error::make(
          "not_supported", "connector " + n->connector + " is not configured on this gateway",
          "number")));
    }
    providers::Connector& connector = *it->second;
    const auto hooks = expected_webhooks(options.public_url, n->connector, connector.provider());
    auto r = connector.configure_number_webhooks(n->number, hooks.inbound_url, hooks.status_url);
    if (!r) {
      spdlog::warn("numbers: provider webhooks for {} ({}) not configured: {}", n->number,
                   n->connector, r.error().message);
      return reply(Response::error(r.error()));
    }
    spdlog::info("numbers: provider webhooks of {} ({}) now point at {}", n->number, n->connector,
                 r->inbound_url);
    json ids = json::object();
    for (const auto& [k, v] : r->provider_ids) ids[k] = v;
    reply(Response::json(200, {{"number", n->number},
                               {"connector", n->connector},
                               {"provider", std::string(connector.provider())},
                               {"inbound_url", r->inbound_url},
                               {"status_url", r->status_url},
                               {"provider_ids", ids}}));
  }
};

}  // namespace

void register_numbers_api(Router& router, engine::Gateway& gw, NumbersApiOptions options) {
  auto api = std::make_shared<NumbersApi>(NumbersApi{gw, std::move(options)});
  router.add("GET", "/v1/numbers",
             authed(gw, [api](Request& req, const std::string& account, Reply reply) {
               api->list(req, account, std::move(reply));
             }));
  router.add("GET", "/v1/numbers/{number}",
             authed(gw, [api](Request& req, const std::string& account, Reply reply) {
               api->get(req, account, std::move(reply));
             }));
  router.add("PATCH", "/v1/numbers/{number}",
             authed(gw, [api](Request& req, const std::string& account, Reply reply) {
               api->patch(req, account, std::move(reply));
             }));
  // Offloaded (the default): the provider calls block for up to the connector's timeout.
  router.add("POST", "/v1/numbers/{number}/provider-webhooks",
             authed(gw, [api](Request& req, const std::string& account, Reply reply) {
               api->configure(req, account, std::move(reply));
             }));
}

}  // namespace sb::http
