// Wire helpers every HTTP provider connector shares: Basic auth, Retry-After, and
// the default classification of HTTP failures.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/form.h"
#include "core/http_types.h"
#include "providers/connector.h"

namespace sb::providers {

// `s` without trailing '/' (base URLs are joined with paths that start with one).
std::string strip_trailing_slashes(std::string s);
// "<public_url>/webhooks/<connector id>": where providers deliver this connector's inbound
// messages and status reports (docs/webhooks.md).
std::string webhook_url(const std::string& public_url, const std::string& connector_id);
// "Basic base64(user:password)".
std::string basic_auth(std::string_view user, std::string_view password);
// Retry-After as delay-seconds or an HTTP-date; nullopt when absent or unreadable.
std::optional<int64_t> retry_after_ms(const HttpResponse& r, TimeMs now);

// Default failure class of a response that is not a success: no response or 5xx/408 are
// transient, 429 is rate-limited (with Retry-After), 401/403 auth, other 4xx permanent.
// `code`/`message` are the provider's own (parsed from its error body by the caller).
SendFailure classify_failure(const HttpResponse& r, TimeMs now, std::string code,
                             std::string message);

// A failed call in words, for operators: "HTTP 404: <code> <message>" (the provider's own code and
// message, either may be empty), or the transport error when no response arrived.
std::string failure_detail(const HttpResponse& r, const std::string& code,
                           const std::string& message);

}  // namespace sb::providers
