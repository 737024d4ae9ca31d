// Names of failure classes (for logs and events) and the failures every connector may give.
#include "providers/connector.h"

#include <algorithm>

namespace sb::providers {

std::string_view to_string(FailureKind k) {
  switch (k) {
    case FailureKind::kTransient: return "transient";
    case FailureKind::kRateLimited: return "rate_limited";
    case FailureKind::kPermanent: return "permanent";
    case FailureKind::kAuth: return "auth";
    case FailureKind::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

SendFailure unsupported(std::string message) {
  SendFailure f;
  f.kind = FailureKind::kUnsupported;
  f.code = "unsupported";
  f.message = std::move(message);
  return f;
}

SendFailure numbers_not_supported(std::string_view provider, const ProviderCapabilities& caps,
                                  std::string_view what) {
  const std::string_view where = caps.number_webhooks_by_hand.empty()
                                     ? "configure it in the provider's console"
                                     : caps.number_webhooks_by_hand;
  SendFailure f = unsupported(std::string(provider)
                                  .append(" connectors cannot ")
                                  .append(what)
                                  .append(" through the provider's API: ")
                                  .append(where));
  f.code = "not_supported";
  return f;
}

SendFailure call_failure(std::string_view provider, const std::string& what,
                         const std::string& detail, FailureKind kind, std::string code) {
  SendFailure f;
  f.kind = kind;
  f.code = std::move(code);
  f.message = std::string(provider).append(": ").append(what).append(" failed: ").append(detail);
  return f;
}

Error numbers_error(const SendFailure& f) {
  return Error::make(f.kind == FailureKind::kUnsupported ? "not_supported" : "provider_error",
                     f.message);
}

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
