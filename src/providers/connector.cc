// Names of failure classes (for logs and events).
#include "providers/connector.h"

#include <algorithm>

namespace sb::providers {

std::string_view to_string(FailureKind k) {
  switch (k) {
    case FailureKind::kTransient: return "transient";
    case FailureKind::kRateLimited: return "rate_limited";
    case FailureKind::kPermanent: return "permanent";
    case FailureKind::kAuth: return "auth";
  }
  return "unknown";
}

// Where each provider without a numbers API has its webhooks configured by hand (docs/numbers.md).
Error numbers_not_supported(std::string_view provider, std::string_view what) {
  std::string where;
  if (provider == "sinch") {
    where = "set the callback URL of the service plan in the Sinch Customer Dashboard (SMS > "
            "APIs > Callback URLs) to this gateway's webhook URL";
  } else if (provider == "voicemeup") {
    where = "set the SMS forwarding URL of the DID in the VoiceMeUp client portal to this "
            "gateway's webhook URL";
  } else {
    where = "configure it in the provider's console";
  }
  return Error::make("not_supported",
                     std::string(provider).append(" connectors cannot ")
                         .append(what)
                         .append(" through the provider's API: ")
                         .append(where));
}

Error provider_call_error(std::string_view provider, const std::string& what,
                          const std::string& detail) {
  return Error::make("provider_error",
                     std::string(provider).append(": ").append(what).append(" failed: ").append(
                         detail));
}

}  // namespace sb::providers

namespace sb::providers {

std::string infer_number_type(const std::string& number) {
  const bool digits_only =
      !number.empty() && std::all_of(number.begin(), number.end(),
                                     [](char c) { return c >= '0' && c <= '9'; });
  if (digits_only && number.size() >= 3 && number.size() <= 8) return "short_code";
  if (number.size() == 12 && number.rfind("+1", 0) == 0) {
    static constexpr std::string_view kTollFree[] = {"800", "833", "844", "855",
                                                     "866", "877", "888"};
    const std::string_view area = std::string_view(number).substr(2, 3);
    for (auto t : kTollFree) {
      if (area == t) return "toll_free";
    }
  }
  return "long_code";
}

}  // namespace sb::providers
