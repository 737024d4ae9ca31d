// SSRF-safe media fetcher: GET a URL from the public internet only (or allow-listed addresses),
// with the connection pinned to the checked address, redirects re-checked hop by hop, and the
// body bounded while it streams.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/http_types.h"
#include "core/result.h"
#include "providers/transport/net_guard.h"

namespace sb::providers {

struct SafeFetchOptions {
  std::vector<AllowRule> allow;  // addresses allowed beyond the public ones
  int64_t max_bytes = 5 * 1024 * 1024;
  int connect_timeout_ms = 5'000;
  int timeout_ms = 30'000;  // whole transfer, per hop
  int max_redirects = 5;
  std::string user_agent = "Switchboard/0.1 (media)";
};

struct Fetched {
  int status = 0;
  std::string body;
  std::string content_type;  // as the server claimed it (not trusted)
  std::string final_url;     // after redirects
};

class SafeFetcher {
 public:
  explicit SafeFetcher(SafeFetchOptions options);

  // GETs `url` with `headers`. Redirects (301/302/303/307/308) are followed up to
  // max_redirects, each hop resolved and checked again; `headers` (credentials) go to the first
  // host only, never to a redirect target on another host. A final status other than 2xx is an
  // error. Errors (Error::code): media_url_refused (SSRF guard; permanent), media_too_large
  // (beyond max_bytes, whatever Content-Length said; permanent), media_fetch_rejected (a 4xx
  // other than 408/429, or too many redirects; permanent), media_fetch_failed (network, timeout,
  // 5xx, 408, 429; transient).
  Result<Fetched> fetch(const std::string& url, const Headers& headers = {}) const;

  const SafeFetchOptions& options() const { return o_; }

 private:
  SafeFetchOptions o_;
};

// True when a fetch error is worth retrying (media_fetch_failed).
bool is_transient(const Error& e);

}  // namespace sb::providers
