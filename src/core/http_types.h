// Transport-neutral HTTP request/response values and the outbound client interface, so the engine
// can call apps and providers without seeing an HTTP library.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sb {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  int timeout_ms = 10'000;
};

struct HttpResponse {
  int status = 0;          // 0 when no response arrived (see error)
  Headers headers;
  std::string body;
  std::string error;       // transport failure (connect, timeout, TLS); empty on a response
  bool timed_out = false;
  bool refused = false;    // the URL cannot be called: the outbound policy forbids its address,
                           // or it is not http(s) (never worth a retry)

  // Case-insensitive header lookup; empty when absent.
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs one request. Never throws; transport failures come back in HttpResponse::error.
  virtual HttpResponse send(const HttpRequest& req) = 0;
};

}  // namespace sb
