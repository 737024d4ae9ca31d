// Test support for servers written on raw sockets (one that misbehaves on purpose, a TLS one on
// OpenSSL): a loopback server on a port the kernel picks, and reading one HTTP/1.1 request.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace sb::test {

// A socket listening on 127.0.0.1; `port` gets its port. -1 on failure.
inline int listen_loopback(uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(fd, 16) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  port = ntohs(a.sin_port);
  return fd;
}

// Accepts connections on 127.0.0.1 one at a time and hands each to `on_connection`, which owns
// it until it returns (the socket is closed then). Declared after whatever the handler uses, so
// it stops first.
class RawServer {
 public:
  explicit RawServer(std::function<void(int fd)> on_connection)
      : fd_(listen_loopback(port_)), on_connection_(std::move(on_connection)) {
    thread_ = std::thread([this] {
      for (int c; fd_ >= 0 && (c = ::accept(fd_, nullptr, nullptr)) >= 0;) {
        on_connection_(c);
        ::close(c);
      }
    });
  }
  ~RawServer() {
    ::shutdown(fd_, SHUT_RDWR);  // ends the accept
    ::close(fd_);
    thread_.join();
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;
  bool listening() const { return fd_ >= 0; }
  uint16_t port() const { return port_; }

 private:
  uint16_t port_ = 0;
  int fd_;
  std::function<void(int fd)> on_connection_;
  std::thread thread_;
};

// Reads one request (its headers, then the body its Content-Length announces) through
// `read_some(buf, size)`, which returns the bytes read or <= 0 once the connection ended.
// Returns false if it ended first. Bytes past the request stay in `in` for the next one.
template <typename ReadSome>
bool read_request(std::string& in, ReadSome read_some) {
  char buf[4096];
  size_t need = std::string::npos;
  for (;;) {
    const auto end = in.find("\r\n\r\n");
    if (need == std::string::npos && end != std::string::npos) {
      const auto cl = in.find("Content-Length: ");
      need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16)));
    }
    if (need != std::string::npos && in.size() >= need) {
      in.erase(0, need);
      return true;
    }
    const long n = read_some(buf, sizeof buf);
    if (n <= 0) return false;
    in.append(buf, static_cast<size_t>(n));
  }
}

// A keep-alive 200 with the JSON body {}.
inline const std::string kOkJson =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

}  // namespace sb::test
