// The account's sending numbers as every surface manages them: listing, per-number settings
// (forwarding, default status callback, conversations) and pointing a number's provider-side
// webhooks at this gateway.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "engine/gateway.h"
#include "providers/connector.h"

namespace sb::engine {

// The webhook URLs this gateway expects for `connector` (docs/webhooks.md): inbound messages
// and status reports both go to <public_url>/webhooks/<connector>; a provider that signs nothing
// (capabilities.webhook_path_secret: VoiceMeUp) has its secret as a last path segment, shown as
// the placeholder "{webhook_secret}".
struct ExpectedWebhooks {
  std::string inbound_url;
  std::string status_url;
};
ExpectedWebhooks expected_webhooks(const std::string& public_url, const std::string& connector,
                                   const providers::ProviderCapabilities& capabilities);

// A number with the provider of its connector: its name ("" when that connector is not
// configured here) and its capabilities (the defaults then).
struct NumberView {
  NumberRecord number;
  std::string provider;
  providers::ProviderCapabilities capabilities;
};

// What configure_webhooks set at the provider.
struct ConfiguredWebhooks {
  NumberView number;
  providers::NumberWebhooks webhooks;
};

class NumberService {
 public:
  NumberService(store::Store& store, Gateway& gateway, const Clock& clock,
                std::map<std::string, providers::Connector*> connectors, std::string public_url);

  const std::string& public_url() const { return public_url_; }
  // The account's numbers, config order first, then imported ones.
  Result<std::vector<NumberView>> list(const std::string& account);
  // The account's number as a path names it: as given, or with the '+' a client left out.
  // Errors: not_found (field number), also for another account's number.
  Result<NumberView> get(const std::string& account, const std::string& given);
  // Changes the number's API settings and refreshes the gateway's number directory.
  Result<NumberView> update_settings(const std::string& account, const std::string& given,
                                     const NumberSettingsUpdate& update);
  // Points the number's inbound and status webhooks at this gateway through its provider's API.
  // Errors: not_found, not_supported (no such API, or the connector is not configured here),
  // provider_error (the provider's message kept).
  Result<ConfiguredWebhooks> configure_webhooks(const std::string& account,
                                                const std::string& given);

 private:
  NumberView view(NumberRecord n) const;

  store::Store& store_;
  Gateway& gateway_;
  const Clock& clock_;
  std::map<std::string, providers::Connector*> connectors_;
  std::string public_url_;
};

}  // namespace sb::engine
