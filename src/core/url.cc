// URL syntax checks (core/url.h).
#include "core/url.h"

#include <algorithm>

namespace sb {

std::optional<std::string> url_problem(std::string_view u, UrlRule rule) {
  size_t host_at;
  if (u.rfind("https://", 0) == 0) {
    host_at = 8;
  } else if (u.rfind("http://", 0) == 0) {
    host_at = 7;
  } else {
    return "must be an absolute http or https URL";
  }
  if (u.size() > kMaxUrlBytes) return "must be at most 2048 bytes";
  const bool app = rule == UrlRule::kAppEndpoint;
  for (unsigned char c : u) {
    if (c <= 0x20 || c == 0x7F || (app && c > 0x7F)) {
      return app ? "must not contain spaces, control or non-ASCII bytes"
                 : "must not contain spaces or control bytes";
    }
  }
  const size_t host_end = std::min(u.find_first_of("/?#", host_at), u.size());
  const std::string_view authority = u.substr(host_at, host_end - host_at);
  std::string_view host = authority;
  if (app) {
    if (authority.find('@') != std::string_view::npos) return "must not contain user credentials";
    if (u.find('#') != std::string_view::npos) return "must not contain a fragment";
    if (const auto colon = authority.rfind(':');
        colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
      const std::string_view port = authority.substr(colon + 1);
      host = authority.substr(0, colon);
      if (port.empty() || port.size() > 5 ||
          port.find_first_not_of("0123456789") != std::string_view::npos ||
          std::stoi(std::string(port)) > 65535) {
        return "has an invalid port";
      }
    }
  }
  if (host.empty()) return "must name a host";
  return std::nullopt;
}

}  // namespace sb
