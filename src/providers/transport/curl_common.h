// What every outbound libcurl request shares (provider API calls in curl_client.cc, media
// fetches in safe_fetch.cc): one global init, and the options that keep a request bounded and
// on http(s) without curl following redirects (callers that follow them re-check each hop).
#pragma once

#include <curl/curl.h>

#include <mutex>
#include <string>

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

}  // namespace sb::providers
