// The HTTP/1.1 server (Boost.Beast): keep-alive, body and header size limits, read/write
// timeouts, graceful shutdown. Handlers never run on the network threads when they may block:
// the router runs on a separate handler pool and replies are posted back to the connection.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <string>

#include "http/router.h"

namespace sb::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0 picks a free port
  int io_threads = 2;
  int handler_threads = 8;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int read_timeout_ms = 30'000;  // waiting for plus reading one whole request (keep-alive too)
  int spool_timeout_ms = 600'000;  // reading a spooled (upload) body
  int write_timeout_ms = 30'000;
  int shutdown_grace_ms = 10'000;  // how long in-flight requests may take during shutdown
  // Requests whose body goes to a file instead of memory (batch uploads): the body's size cap
  // for (method, path), or nullopt for a body read into memory under max_body_bytes.
  std::function<std::optional<size_t>(std::string_view method, std::string_view path)> spool_body;
  std::string spool_dir;  // where spooled bodies go ("" : the system's temporary directory)
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();

  // Binds and starts serving; throws std::runtime_error when the address cannot be bound.
  void start();
  unsigned short port() const;
  // Stops accepting, lets in-flight requests finish (up to the grace period), closes idle
  // connections, joins all threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::http
