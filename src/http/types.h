// Request/response values the router and handlers work with, independent of Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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
  // A body the server spooled to a file instead (ServerOptions::spool_body): its path, removed
  // once the request is gone; `body` is then empty.
  std::string body_file;
  std::shared_ptr<void> body_file_owner;
  std::string remote_address;
  uint16_t remote_port = 0;  // with remote_address, names the connection the request came on
  std::map<std::string, std::string> params;  // path parameters from the route pattern
  std::string_view route;  // the matched route's pattern (metrics); empty when none matched
  std::string request_id;  // the client's X-Request-Id when sane, else generated (logs, echoed)

  // First value of a header (name lower-case), empty if absent.
  std::string header(std::string_view name) const;
  std::optional<std::string> query_param(std::string_view name) const;
};

// A WebSocket connection as a handler sees it once the upgrade is done. Thread-safe.
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  // Queues a text frame; false (and nothing queued) when `max_queue` frames already wait. The
  // text is shared, not copied: one event's frame goes to every subscriber as the same string.
  virtual bool send(std::shared_ptr<const std::string> text) = 0;
  // Sends a close frame with `code` and `reason` after the frames already queued.
  virtual void close(int code, std::string reason) = 0;
};

// A handler's answer to a WebSocket upgrade request: the server completes the handshake, then
// calls on_open with the connection; what on_open returns is called once when it closes.
struct WebSocketUpgrade {
  size_t max_queue = 1'000;
  std::function<std::function<void()>(std::shared_ptr<WebSocketConnection>)> on_open;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;
  // Set: switch the connection to the WebSocket protocol (a request that did not ask for an
  // upgrade gets 426 upgrade_required instead).
  std::shared_ptr<WebSocketUpgrade> upgrade;

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
