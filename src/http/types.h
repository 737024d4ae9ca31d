// Request/response values the router and handlers work with, independent of Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/http_types.h"
#include "core/result.h"

namespace sb::http {

struct Request {
  std::string method;
  std::string target;  // raw, with query string
  std::string path;    // percent-decoded path
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;  // names lower-cased
  std::string body;
  std::string remote_address;
  uint16_t remote_port = 0;  // with remote_address, names the connection the request came on
  std::map<std::string, std::string> params;  // path parameters from the route pattern

  // First value of a header (name lower-case), empty if absent.
  std::string header(std::string_view name) const;
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;

  static Response json(int status, const nlohmann::json& body);
  // A body that is already JSON text.
  static Response json_text(int status, std::string body);
  // The one error shape: {"error": {"code", "message", "field"}} with the status for its code.
  static Response error(const Error& e);
};

// Handlers reply exactly once, from any thread.
using Reply = std::function<void(Response)>;
using Handler = std::function<void(Request&, Reply)>;

// HTTP status for an error code (the one table; unknown codes are 400).
int status_for(const std::string& code);

}  // namespace sb::http
