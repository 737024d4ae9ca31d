// Number listing, settings and provider-side webhook configuration on behalf of a surface.
#include "engine/number_service.h"

#include <spdlog/spdlog.h>

#include "engine/unavailable.h"
#include "providers/transport/http_util.h"

namespace sb::engine {
namespace {

Error no_number(const std::string& number) {
  return Error::make("not_found", "no number " + number + " in this account", "number");
}

}  // namespace

ExpectedWebhooks expected_webhooks(const std::string& public_url, const std::string& connector,
                                   const providers::ProviderCapabilities& capabilities) {
  std::string url = providers::webhook_url(public_url, connector);
  if (capabilities.webhook_path_secret) url.append("/{webhook_secret}");
  return {url, url};
}

NumberService::NumberService(store::Store& store, Gateway& gateway, const Clock& clock,
                             std::map<std::string, providers::Connector*> connectors,
                             std::string public_url)
    : store_(store),
      gateway_(gateway),
      clock_(clock),
      connectors_(std::move(connectors)),
      public_url_(std::move(public_url)) {}

NumberView NumberService::view(NumberRecord n) const {
  auto it = connectors_.find(n.connector);
  if (it == connectors_.end()) return NumberView{std::move(n), {}, {}};
  const providers::Connector& c = *it->second;
  return NumberView{std::move(n), std::string(c.provider()), c.capabilities()};
}

Result<std::vector<NumberView>> NumberService::list(const std::string& account) {
  auto numbers = store_.accounts().list_numbers(account);
  if (!numbers) return unavailable();
  std::vector<NumberView> out;
  for (auto& n : *numbers) out.push_back(view(std::move(n)));
  return out;
}

Result<NumberView> NumberService::get(const std::string& account, const std::string& given) {
  const auto numbers = store_.accounts().list_numbers(account);
  if (!numbers) return unavailable();
  for (const std::string& candidate : {given, std::string("+").append(given)}) {
    for (const auto& n : *numbers) {
      if (n.number == candidate) return view(n);
    }
  }
  return no_number(given);
}

Result<NumberView> NumberService::update_settings(const std::string& account,
                                                  const std::string& given,
                                                  const NumberSettingsUpdate& update) {
  auto n = get(account, given);
  if (!n) return n.error();
  if (update.set_forwarding && update.forward_url) {
    if (auto ok = gateway_.check_app_url(*update.forward_url, "forwarding.url"); !ok) {
      return ok.error();
    }
  }
  if (update.set_status_callback && update.status_callback) {
    if (auto ok = gateway_.check_app_url(*update.status_callback, "status_callback"); !ok) {
      return ok.error();
    }
  }
  auto stored =
      store_.accounts().update_number_settings(account, n->number.number, update, clock_.now_ms());
  if (!stored) return stored.error();
  if (!*stored) return no_number(given);  // removed since the lookup
  // The gateway's directory serves sends (default status_callback) and forwards: refresh now.
  auto numbers = store_.accounts().all_numbers();
  if (!numbers) return unavailable();
  gateway_.set_numbers(*numbers);
  spdlog::info("api: number {} of {} updated (forwarding {}, status_callback {}, conversations {})",
               (*stored)->number, account, (*stored)->forward_url ? "on" : "off",
               (*stored)->status_callback ? "set" : "none", (*stored)->conversations);
  return view(std::move(**stored));
}

Result<ConfiguredWebhooks> NumberService::configure_webhooks(const std::string& account,
                                                             const std::string& given) {
  auto n = get(account, given);
  if (!n) return n.error();
  auto it = connectors_.find(n->number.connector);
  if (it == connectors_.end()) {
    return Error::make("not_supported",
                       "connector " + n->number.connector + " is not configured on this gateway",
                       "number");
  }
  providers::Connector& connector = *it->second;
  const auto hooks =
      expected_webhooks(public_url_, n->number.connector, connector.capabilities());
  auto r = connector.configure_number_webhooks(n->number.number, hooks.inbound_url,
                                               hooks.status_url);
  if (!r) {
    spdlog::warn("numbers: provider webhooks for {} ({}) not configured: {}", n->number.number,
                 n->number.connector, r.error().message);
    return providers::numbers_error(r.error());
  }
  spdlog::info("numbers: provider webhooks of {} ({}) now point at {}", n->number.number,
               n->number.connector, r->inbound_url);
  return ConfiguredWebhooks{std::move(*n), std::move(*r)};
}

}  // namespace sb::engine
