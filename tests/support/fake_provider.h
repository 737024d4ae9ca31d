// Test support: a scriptable fake provider API on loopback. It records every request exactly as
// received and answers from a script (status, body, headers, delay), so connector tests can
// assert the provider's documented request shape and replay its documented responses.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/http_types.h"
#include "http/router.h"
#include "http/server.h"

namespace sb::test {

struct RecordedRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::string path;
  Headers headers;     // names lower-cased
  std::string body;
  std::chrono::steady_clock::time_point at;
  uint16_t client_port = 0;  // the client's end of the connection: equal ports, one connection
  std::string header(const std::string& lower_name) const;
};

struct FakeReply {
  int status = 200;
  std::string body = "{}";
  std::string content_type = "application/json";
  Headers headers;
  int delay_ms = 0;  // answer late (past a client timeout to simulate a hung provider)
  // When valid, the request is recorded at once but answered only once `hold` is ready (at most
  // 30 s): lets a test act while the provider is "still processing" a request.
  std::shared_future<void> hold;
};

// Twilio's 201 for a created message (twilio-python's test payload, with the request's To and
// From), its sid numbered `n`.
FakeReply twilio_created(const RecordedRequest& r, int n);

class FakeProvider {
 public:
  FakeProvider();
  ~FakeProvider();

  std::string base_url() const;  // http://127.0.0.1:<port>
  // Replies used in order, one per request; when empty, `responder` (or the default 200 {}).
  void push(FakeReply r);
  void set_responder(std::function<FakeReply(const RecordedRequest&)> fn);
  std::vector<RecordedRequest> requests();
  size_t request_count();
  // Waits (with a deadline) until at least `n` requests arrived.
  bool wait_for_requests(size_t n, std::chrono::milliseconds timeout);

 private:
  std::mutex mu_;
  std::deque<FakeReply> script_;
  std::function<FakeReply(const RecordedRequest&)> responder_;
  std::vector<RecordedRequest> requests_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace sb::test
