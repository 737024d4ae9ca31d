// Caps the requests one connector has in flight at its max_concurrency; callers beyond the cap
// wait for a slot (the provider's own concurrency limit would answer 429 otherwise).
#pragma once

#include <cstdint>
#include <semaphore>

#include "core/http_types.h"

namespace sb::providers {

class RequestLimiter {
 public:
  RequestLimiter(HttpClient& http, int64_t max_concurrency);
  HttpResponse send(const HttpRequest& req);

 private:
  HttpClient& http_;
  std::counting_semaphore<> slots_;
};

}  // namespace sb::providers
