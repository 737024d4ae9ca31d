// Maps (method, path pattern) to handlers; patterns have {name} segments.
#pragma once

#include <string>
#include <vector>

#include "http/types.h"

namespace sb::http {

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  // Routes the request: fills req.params and calls the handler, or replies 404/405.
  void dispatch(Request& req, Reply reply) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace sb::http
