// libcurl implementation of core's HttpClient: size- and time-bounded, http/https only.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/http_types.h"
#include "providers/transport/net_guard.h"

namespace sb::providers {

struct CurlClientOptions {
  size_t max_response_bytes = 1 << 20;
  int connect_timeout_ms = 5'000;
  std::string user_agent = "Switchboard/0.1";
  // A kept connection idle for longer is not reused: load balancers in front of provider APIs
  // commonly drop idle connections after 60 s, and a request sent on a connection the other end
  // is closing fails.
  int max_idle_ms = 50'000;
  // PEM file of the certificate authorities to trust instead of the system's (a private PKI in
  // front of a provider's API; the tests' own server). Empty: the system's.
  std::string ca_file;
  // Set for a client that calls URLs on someone's behalf (apps' status callbacks and forwards):
  // every request goes only to a public address or one these rules allow ([network]
  // outbound_allow), resolved once and pinned (safe_fetch.cc's OutboundPin). A refused request
  // answers status 0 with error "url_refused: …" and `refused` set, without connecting.
  std::optional<std::vector<AllowRule>> outbound_guard;
};

std::unique_ptr<HttpClient> make_curl_client(CurlClientOptions options = {});

}  // namespace sb::providers
