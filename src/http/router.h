// Maps (method, path pattern) to handlers; patterns have {name} segments, or {name} followed by
// a literal suffix ("{sid}.json").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http/types.h"

namespace sb::http {

// Runs a task on the handler pool (off the network threads).
using Offload = std::function<void(std::function<void()>)>;

enum class Run {
  kOffload,  // may block (database reads): runs on the handler pool
  kInline,   // never blocks (CPU only, or hands off asynchronously): runs on the network thread
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, Run run = Run::kOffload);
  // Handles every request no route matches (instead of 404/405); runs on the handler pool.
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }
  // Routes the request: fills req.params and calls the handler (inline or through `offload`),
  // or replies 404/405.
  void dispatch(std::shared_ptr<Request> req, Reply reply, const Offload& offload) const;
  // every registered (method, pattern), in registration order; the OpenAPI
  // route test compares them with docs/openapi.yaml (`switchboard serve --print-routes`).
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    Run run;
    std::string pattern;  // as registered (routes())
  };
  std::vector<Route> routes_;
  Handler fallback_;
};

}  // namespace sb::http
