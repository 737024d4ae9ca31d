// What every outbound libcurl request shares (provider API calls in curl_client.cc, media
// fetches in safe_fetch.cc): one global init, and the options that keep a request bounded and
// on http(s) without curl following redirects (callers that follow them re-check each hop).
#pragma once

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "providers/transport/net_guard.h"

namespace sb::providers {

inline void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

inline void set_common_options(CURL* h, const std::string& user_agent, long timeout_ms,
                               long connect_timeout_ms) {
  curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
}

// The outbound guard on one transfer (safe_fetch.cc): resolves the URL's host, checks every
// address against the policy (public, or allowed by `allow`), pins the handle's connection to the
// first (CURLOPT_RESOLVE: curl never asks DNS again, so a rebinding answer is never used) and
// re-checks whatever curl actually connects to (CURLOPT_OPENSOCKETFUNCTION). Keep it alive until
// the transfer ends.
class OutboundPin {
 public:
  // Errors: url_refused (an address the policy forbids; permanent), url_unresolvable (the name
  // has no address now; may be transient), url_invalid (not an absolute http(s) URL).
  static Result<std::unique_ptr<OutboundPin>> apply(CURL* h, const std::string& url,
                                                    const std::vector<AllowRule>& allow);
  ~OutboundPin();
  OutboundPin(const OutboundPin&) = delete;
  OutboundPin& operator=(const OutboundPin&) = delete;
  // True when curl tried to connect somewhere the policy forbids (and was stopped).
  bool socket_refused() const { return socket_refused_; }
  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  OutboundPin() = default;
  static curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* addr);
  const std::vector<AllowRule>* allow_ = nullptr;
  std::string host_;
  int port_ = 0;
  curl_slist* resolve_ = nullptr;
  bool socket_refused_ = false;
};

}  // namespace sb::providers
