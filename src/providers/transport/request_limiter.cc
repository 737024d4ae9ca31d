// Counting-semaphore request cap.
#include "providers/transport/request_limiter.h"

#include <algorithm>

namespace sb::providers {

RequestLimiter::RequestLimiter(HttpClient& http, int64_t max_concurrency)
    : http_(http), slots_(static_cast<std::ptrdiff_t>(std::max<int64_t>(1, max_concurrency))) {}

HttpResponse RequestLimiter::send(const HttpRequest& req) {
  slots_.acquire();
  struct Release {
    std::counting_semaphore<>& s;
    ~Release() { s.release(); }
  } release{slots_};
  return http_.send(req);
}

}  // namespace sb::providers
