// Test support: an HttpClient decorator that records the most requests ever in flight at once,
// so concurrency caps are proved by counting, not by timing.
#pragma once

#include <atomic>

#include "core/http_types.h"

namespace sb::test {

class CountingClient final : public HttpClient {
 public:
  explicit CountingClient(HttpClient& inner) : inner_(inner) {}
  HttpResponse send(const HttpRequest& req) override {
    const int now = ++active_;
    int seen = max_.load();
    while (now > seen && !max_.compare_exchange_weak(seen, now)) {
    }
    HttpResponse r = inner_.send(req);
    --active_;
    return r;
  }
  int max() const { return max_.load(); }

 private:
  HttpClient& inner_;
  std::atomic<int> active_{0};
  std::atomic<int> max_{0};
};

}  // namespace sb::test
