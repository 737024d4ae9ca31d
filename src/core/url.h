// The one check of URLs a client gives the gateway to call or fetch (status callbacks,
// forwarding, media). Media URLs are also resolved and address-checked before any fetch
// (providers/transport/net_guard.h); this is the syntax every such URL must have first.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sb {

enum class UrlRule {
  // An absolute http(s) URL with a host, at most 2048 bytes, no spaces or control bytes.
  kHttp,
  // kHttp, and one the gateway POSTs the app's data to: ASCII only, no user:password (it would
  // end up in logs and the delivery log; requests are signed instead), no fragment, a valid
  // port.
  kAppEndpoint,
};

constexpr size_t kMaxUrlBytes = 2048;

// Why `url` breaks `rule`, as the end of a sentence ("must not contain user credentials"), or
// nullopt when it is fine.
std::optional<std::string> url_problem(std::string_view url, UrlRule rule);

}  // namespace sb
