// Wire helpers.
#include "providers/transport/http_util.h"

#include <ctime>

#include "core/crypto.h"

namespace sb::providers {

std::string strip_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string webhook_url(const std::string& public_url, const std::string& connector_id) {
  return strip_trailing_slashes(public_url).append("/webhooks/").append(connector_id);
}

std::string basic_auth(std::string_view user, std::string_view password) {
  std::string raw(user);
  raw.push_back(':');
  raw.append(password);
  return "Basic " + crypto::base64(raw);
}

std::optional<int64_t> retry_after_ms(const HttpResponse& r, TimeMs now) {
  const std::string v = r.header("Retry-After");
  if (v.empty()) return std::nullopt;
  if (v.find_first_not_of("0123456789") == std::string::npos && v.size() < 10) {
    return std::stoll(v) * 1000;
  }
  std::tm tm{};
  if (strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
    const int64_t at = static_cast<int64_t>(timegm(&tm)) * 1000;
    return at > now ? at - now : 0;
  }
  return std::nullopt;
}

SendFailure classify_failure(const HttpResponse& r, TimeMs now, std::string code,
                             std::string message) {
  SendFailure f;
  f.code = std::move(code);
  f.message = std::move(message);
  if (r.status == 0) {
    f.kind = FailureKind::kTransient;
    if (f.code.empty()) f.code = r.timed_out ? "timeout" : "connection_error";
    if (f.message.empty()) f.message = r.error;
  } else if (r.status == 429) {
    f.kind = FailureKind::kRateLimited;
    f.retry_after_ms = retry_after_ms(r, now);
  } else if (r.status == 401 || r.status == 403) {
    f.kind = FailureKind::kAuth;
  } else if (r.status >= 500 || r.status == 408) {
    f.kind = FailureKind::kTransient;
  } else {
    f.kind = FailureKind::kPermanent;
  }
  if (f.code.empty()) f.code = "http_" + std::to_string(r.status);
  if (f.message.empty()) f.message = "HTTP " + std::to_string(r.status);
  return f;
}

std::string failure_detail(const HttpResponse& r, const std::string& code,
                           const std::string& message) {
  if (r.status == 0) return r.error.empty() ? std::string("no response") : r.error;
  std::string out = std::string("HTTP ").append(std::to_string(r.status));
  if (!code.empty() || !message.empty()) {
    out.append(": ").append(code);
    if (!code.empty() && !message.empty()) out.append(" ");
    out.append(message);
  }
  return out;
}

}  // namespace sb::providers
