// Names of failure classes (for logs and events).
#include "providers/connector.h"

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

}  // namespace sb::providers
