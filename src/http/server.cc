// Beast listener and sessions, after Beast's example/advanced/server structure.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <charconv>
#include <deque>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/form.h"
#include "core/log_context.h"
#include "core/metrics.h"
#include "core/thread_name.h"
#include "core/utf8.h"
#include "http/request_id.h"

namespace sb::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

namespace {

// A path fit for logs: /webhooks/<connector>/<segment> may carry a secret (VoiceMeUp).
std::string loggable_path(const std::string& path) {
  if (path.rfind("/webhooks/", 0) != 0) return path;
  const auto slash = path.find('/', 10);
  return slash == std::string::npos ? path : path.substr(0, slash) + "/[redacted]";
}

// The WebSocket's byte stream under Beast's websocket::stream: every write goes through one
// buffer, with at most one socket write in flight. Beast's own writes (the handshake's response,
// pongs, pings, the close frame) arrive through async_write_some, which copies them and completes
// at once; the session appends its text frames directly (append_text), as many as have queued up,
// so a burst of events to one client is one syscall instead of one per frame. Bytes leave in the
// order they were written, so Beast's frames never split ours.
class FrameStream {
 public:
  using executor_type = beast::tcp_stream::executor_type;

  explicit FrameStream(beast::tcp_stream stream) : next_(std::move(stream)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  beast::tcp_stream& next_layer() noexcept { return next_; }

  // `owner` is kept alive while a socket write is in flight; `sent` is called (on the stream's
  // executor) when one completes, with the number of text frames it carried.
  void bind(std::weak_ptr<void> owner, std::function<void(beast::error_code, size_t)> sent) {
    owner_ = std::move(owner);
    sent_ = std::move(sent);
  }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return next_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return net::async_initiate<Handler, void(beast::error_code, std::size_t)>(
        [this](auto&& h, const ConstBuffers& b) {
          std::size_t n = 0;
          if (!error_) {
            for (auto it = net::buffer_sequence_begin(b); it != net::buffer_sequence_end(b);
                 ++it) {
              const net::const_buffer cb(*it);
              pending_.append(static_cast<const char*>(cb.data()), cb.size());
              n += cb.size();
            }
            flush();
          }
          net::post(get_executor(), beast::bind_front_handler(std::move(h), error_, n));
        },
        handler, buffers);
  }

  // Appends one text frame holding `text`: FIN set, unmasked (a server's), no extension (the
  // server never negotiates permessage-deflate).
  void append_text(std::string_view text) {
    const uint64_t size = text.size();
    char head[10];
    size_t n = 2;
    head[0] = static_cast<char>(0x81);
    if (size < 126) {
      head[1] = static_cast<char>(size);
    } else if (size <= 0xffff) {
      head[1] = 126;
      head[2] = static_cast<char>(size >> 8);
      head[3] = static_cast<char>(size & 0xff);
      n = 4;
    } else {
      head[1] = 127;
      for (int i = 0; i < 8; ++i) head[2 + i] = static_cast<char>(size >> (56 - 8 * i));
      n = 10;
    }
    pending_.append(head, n).append(text);
    ++pending_frames_;
  }

  bool writing() const { return writing_; }

  // Starts writing what is pending, unless a write is in flight (its completion goes on).
  void flush() {
    if (writing_ || pending_.empty() || error_) return;
    writing_ = true;
    sending_.swap(pending_);
    pending_.clear();
    sending_frames_ = std::exchange(pending_frames_, 0);
    net::async_write(next_, net::buffer(sending_),
                     [this, keep = owner_.lock()](beast::error_code ec, std::size_t) {
                       writing_ = false;
                       sending_.clear();
                       size_t frames = std::exchange(sending_frames_, 0);
                       if (ec) {
                         error_ = ec;
                         pending_.clear();
                         frames += std::exchange(pending_frames_, 0);
                       } else {
                         flush();
                       }
                       if (sent_) sent_(ec, frames);
                       if (!writing_ && sending_.capacity() > kKeepBytes) {
                         // Idle again after a burst: a quiet connection keeps no big buffers.
                         std::string().swap(sending_);
                         if (pending_.empty()) std::string().swap(pending_);
                       }
                       if (!writing_ && !idle_.empty()) {
                         auto waiting = std::move(idle_);
                         idle_.clear();
                         for (auto& f : waiting) f();
                       }
                     });
  }

  // Calls `f` once everything written so far has reached the socket (or failed).
  void when_idle(std::function<void()> f) {
    if (!writing_) return f();
    idle_.push_back(std::move(f));
  }

 private:
  static constexpr size_t kKeepBytes = 128 << 10;
  beast::tcp_stream next_;
  std::string pending_;  // written, not yet handed to the socket
  std::string sending_;  // the socket write in flight
  size_t pending_frames_ = 0;
  size_t sending_frames_ = 0;
  bool writing_ = false;
  beast::error_code error_;  // a failed write: every later one fails the same way
  std::weak_ptr<void> owner_;
  std::function<void(beast::error_code, size_t)> sent_;
  std::vector<std::function<void()>> idle_;
};

// Closing the connection (Beast's close handshake, or its answer to the peer's) waits for the
// bytes already written, its close frame among them.
[[maybe_unused]] void teardown(beast::role_type role, FrameStream& s, beast::error_code& ec) {
  using beast::websocket::teardown;
  teardown(role, s.next_layer(), ec);
}

template <class Handler>
void async_teardown(beast::role_type role, FrameStream& s, Handler&& handler) {
  auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
  s.when_idle([role, &s, h] {
    using beast::websocket::async_teardown;
    async_teardown(role, s.next_layer(), std::move(*h));
  });
}

// switchboard_http_requests_total and the duration histogram, by route pattern (never the raw
// path) and a bounded method.
struct HttpMetrics {
  metrics::Family<metrics::Counter>& requests = metrics::registry().counter(
      "switchboard_http_requests_total", "HTTP requests by method, route pattern and status code.",
      {"method", "route", "code"});
  metrics::Family<metrics::Histogram>& seconds = metrics::registry().histogram(
      "switchboard_http_request_duration_seconds",
      "Time from a request's arrival to its response being handed to the connection.",
      {"method", "route"}, metrics::exponential_buckets(0.0005, 2, 16));

  static std::string_view method_label(std::string_view m) {
    for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
      if (m == known) return known;
    }
    return "other";
  }

  void record(const Request& req, int status, std::chrono::steady_clock::time_point started) {
    const std::string_view method = method_label(req.method);
    const std::string_view route = req.route.empty() ? std::string_view("unmatched") : req.route;
    char code[8];
    const auto end = std::to_chars(code, code + sizeof code, status).ptr;
    requests.with({method, route, std::string_view(code, static_cast<size_t>(end - code))}).inc();
    seconds.with({method, route})
        .observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
};

HttpMetrics& http_metrics() {
  static HttpMetrics m;
  return m;
}

}  // namespace

struct Server::Impl {
  // Declared before the io_context so they outlive it: handlers it destroys on the way out hold
  // sessions, whose destructors deregister here.
  class Session;
  class WsSession;
  std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::unordered_map<WsSession*, std::weak_ptr<WsSession>> ws_sessions;  // under sessions_mu

  ServerOptions opt;
  const Router& router;
  net::io_context ioc;
  net::thread_pool handlers;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  bool stopped = false;

  Impl(ServerOptions o, const Router& r)
      : opt(std::move(o)), router(r), ioc(o.io_threads), handlers(o.handler_threads) {}

  // A WebSocket connection after the upgrade: one read loop (to see pings, pongs and the close;
  // data frames from the client are ignored), and a bounded queue of text frames written in
  // order. Beast's suggested server timeouts: the handshake and close are bounded, and an idle
  // connection is pinged (through proxies) and dropped when the peer stops answering.
  class WsSession : public std::enable_shared_from_this<WsSession>, public WebSocketConnection {
   public:
    WsSession(Impl& server, beast::tcp_stream stream, std::shared_ptr<WebSocketUpgrade> upgrade,
              std::string remote)
        : s_(server), ws_(std::move(stream)), upgrade_(std::move(upgrade)),
          remote_(std::move(remote)) {}
    ~WsSession() override {
      std::lock_guard lk(s_.sessions_mu);
      s_.ws_sessions.erase(this);
      s_.sessions_cv.notify_all();
    }

    void start(bhttp::request<bhttp::string_body> req) {
      {
        std::lock_guard lk(s_.sessions_mu);
        s_.ws_sessions.emplace(this, weak_from_this());
      }
      ws_.next_layer().bind(weak_from_this(), [this](beast::error_code ec, size_t frames) {
        sent(ec, frames);
      });
      beast::get_lowest_layer(ws_).expires_never();
      auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
      timeouts.idle_timeout = std::chrono::seconds(60);  // a ping after 30 s of silence
      ws_.set_option(timeouts);
      ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(bhttp::field::server, "switchboard");
      }));
      ws_.read_message_max(64 * 1024);
      ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
        if (ec) {
          spdlog::info("http: websocket handshake with {} failed: {}", self->remote_,
                        ec.message());
          return;
        }
        self->on_close_ = self->upgrade_->on_open(self);
        self->read();
      });
    }

    bool send(std::shared_ptr<const std::string> text) override {
      if (queued_.fetch_add(1) >= upgrade_->max_queue) {
        queued_.fetch_sub(1);
        return false;
      }
      bool post;
      {
        std::lock_guard lk(incoming_mu_);
        incoming_.push_back(std::move(text));
        post = !taking_;
        taking_ = true;
      }
      // One hop to the connection's strand for all the frames queued meanwhile.
      if (post) net::post(ws_.get_executor(), [self = shared_from_this()] { self->take(); });
      return true;
    }

    void close(int code, std::string reason) override {
      net::post(ws_.get_executor(), [self = shared_from_this(), code, r = std::move(reason)] {
        self->close_ = websocket::close_reason(static_cast<websocket::close_code>(code), r);
        if (self->out_.empty() && !self->taking_now()) self->write_close();
      });
    }

   private:
    void read() {
      ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->in_.clear();
        if (ec) return self->closed();
        self->read();
      });
    }

    bool taking_now() {
      std::lock_guard lk(incoming_mu_);
      return taking_;
    }

    void take() {
      {
        std::lock_guard lk(incoming_mu_);
        for (auto& t : incoming_) out_.push_back(std::move(t));
        incoming_.clear();
        taking_ = false;
      }
      write();
      if (out_.empty() && close_) write_close();
    }

    // Hands the queued frames (up to kWriteBytes of them) to the stream as one write, unless one
    // is in flight: its completion (sent) writes the next.
    void write() {
      auto& stream = ws_.next_layer();
      if (out_.empty() || writing_close_ || stream.writing()) return;
      if (!ws_.is_open()) return;  // the peer is closing: nothing goes after Beast's answer
      size_t bytes = 0;
      while (!out_.empty() && bytes < kWriteBytes) {
        stream.append_text(*out_.front());
        bytes += out_.front()->size();
        out_.pop_front();
      }
      stream.flush();
    }

    void sent(beast::error_code ec, size_t frames) {
      queued_.fetch_sub(frames);
      if (ec) return closed();
      if (!out_.empty()) return write();
      if (close_) write_close();
    }

    void write_close() {
      if (writing_close_ || !ws_.is_open()) return;
      writing_close_ = true;
      ws_.async_close(*close_, [self = shared_from_this()](beast::error_code) { self->closed(); });
    }

    void closed() {
      if (done_) return;
      done_ = true;
      if (on_close_) on_close_();
      on_close_ = nullptr;
    }

    Impl& s_;
    static constexpr size_t kWriteBytes = 64 << 10;
    websocket::stream<FrameStream> ws_;
    std::shared_ptr<WebSocketUpgrade> upgrade_;
    std::string remote_;
    beast::flat_buffer in_;
    std::mutex incoming_mu_;
    std::vector<std::shared_ptr<const std::string>> incoming_;  // from send, under incoming_mu_
    bool taking_ = false;  // a take() is posted (under incoming_mu_)
    std::deque<std::shared_ptr<const std::string>> out_;  // on the connection's strand
    std::atomic<size_t> queued_{0};  // frames sent and not yet written to the socket
    std::optional<websocket::close_reason> close_;
    bool writing_close_ = false;
    bool done_ = false;
    std::function<void()> on_close_;
  };

  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(Impl& server, tcp::socket socket) : s_(server), stream_(std::move(socket)) {
      beast::error_code ec;
      auto ep = stream_.socket().remote_endpoint(ec);
      if (!ec) {
        remote_ = ep.address().to_string();
        remote_port_ = ep.port();
      }
    }
    ~Session() {
      std::lock_guard lk(s_.sessions_mu);
      s_.sessions.erase(this);
      s_.sessions_cv.notify_all();
    }

    void start() {
      {
        std::lock_guard lk(s_.sessions_mu);
        s_.sessions.emplace(this, weak_from_this());
      }
      net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
    }

    // Called on shutdown: idle connections close now, busy ones after their response.
    void shutdown() {
      net::post(stream_.get_executor(), [self = shared_from_this()] {
        self->closing_ = true;
        if (!self->busy_) self->close();
      });
    }

   private:
    void read() {
      if (closing_ || s_.stopping) return close();
      parser_.emplace();
      // The body's limit is known once the head names the route (on_header); until then the
      // parser must not refuse a Content-Length on its own. (Not boost::none: Boost 1.74 compares
      // the length with the optional, and every length is greater than none.)
      parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
      parser_->header_limit(static_cast<std::uint32_t>(s_.opt.max_header_bytes));
      body_cap_ = s_.opt.max_body_bytes;
      spool_path_.clear();
      busy_ = false;
      // One deadline covers waiting for and reading a whole request (slow clients included).
      stream_.expires_after(std::chrono::milliseconds(s_.opt.read_timeout_ms));
      bhttp::async_read_header(stream_, buffer_, *parser_,
                               [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 self->on_header(ec);
                               });
    }

    // The head is in: the route decides where the body goes (memory, or a spool file for
    // uploads) and how large it may be; a Content-Length over that is refused before any of the
    // body is read.
    void on_header(beast::error_code ec) {
      if (ec) return on_read(ec);
      const auto& h = parser_->get();
      std::optional<size_t> spool_cap;
      if (s_.opt.spool_body) {
        const std::string_view target(h.target().data(), h.target().size());
        const std::string_view method(h.method_string().data(), h.method_string().size());
        spool_cap = s_.opt.spool_body(method, target.substr(0, target.find('?')));
      }
      body_cap_ = spool_cap.value_or(s_.opt.max_body_bytes);
      if (const auto length = parser_->content_length(); length && *length > body_cap_) {
        return on_read(bhttp::error::body_limit);
      }
      parser_->body_limit(body_cap_);
      if (spool_cap) {
        if (!open_spool()) {
          return on_read(beast::error_code(boost::system::errc::io_error,
                                           boost::system::generic_category()));
        }
        stream_.expires_after(std::chrono::milliseconds(s_.opt.spool_timeout_ms));
      }
      // A client that waits for "100 Continue" before sending a large body (curl does) gets it
      // now: the body is acceptable so far.
      if (beast::iequals(h[bhttp::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                                 [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                   if (ec) return self->on_read(ec);
                                   self->read_body();
                                 });
      }
      read_body();
    }

    void read_body() {
      auto done = [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->on_read(ec);
      };
      if (spool_parser_) {
        bhttp::async_read(stream_, buffer_, *spool_parser_, std::move(done));
      } else {
        bhttp::async_read(stream_, buffer_, *parser_, std::move(done));
      }
    }

    // Moves the parser onto a file body in the spool directory.
    bool open_spool() {
      std::string dir = s_.opt.spool_dir;
      if (dir.empty()) {
        std::error_code fec;
        dir = std::filesystem::temp_directory_path(fec).string();
        if (fec) dir = "/tmp";
      }
      std::string path = dir + "/switchboard-upload-XXXXXX";
      const int fd = ::mkstemp(path.data());
      if (fd < 0) {
        spdlog::error("http: cannot create an upload file in {}: {}", dir, std::strerror(errno));
        return false;
      }
      ::close(fd);
      spool_path_ = path;
      spool_parser_.emplace(std::move(*parser_));
      parser_.reset();
      spool_parser_->body_limit(body_cap_);
      beast::error_code ec;
      spool_parser_->get().body().open(path.c_str(), beast::file_mode::write, ec);
      if (ec) {
        spdlog::error("http: cannot open upload file {}: {}", path, ec.message());
        return false;
      }
      return true;
    }

    void drop_spool() {
      spool_parser_.reset();
      if (!spool_path_.empty()) std::remove(spool_path_.c_str());
      spool_path_.clear();
    }

    void on_read(beast::error_code ec) {
      const bool spooling = spool_parser_.has_value();
      if (ec) drop_spool();
      if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
          ec == beast::error::timeout || ec == net::error::operation_aborted ||
          ec == net::error::connection_reset) {
        return close();
      }
      if (ec) {
        Error err;
        if (ec == bhttp::error::body_limit) {
          err = Error::make("payload_too_large",
                            "request body exceeds " + std::to_string(body_cap_) + " bytes");
        } else if (ec == bhttp::error::header_limit) {
          err = Error::make("headers_too_large", "request headers exceed " +
                                                     std::to_string(s_.opt.max_header_bytes) +
                                                     " bytes");
        } else if (ec.category() == boost::system::generic_category() ||
                   (spooling && ec.category() == boost::system::system_category())) {
          // The spool file could not be made or written (a full disk): not the client's fault.
          spdlog::warn("http: upload from {} not spooled: {}", remote_, ec.message());
          err = Error::make("storage_unavailable", "the upload could not be stored; retry later");
        } else {
          err = Error::make("bad_request", "malformed HTTP request: " + ec.message());
        }
        spdlog::info("http: {} from {}: {}", err.code, remote_, ec.message());
        keep_alive_ = false;
        busy_ = true;
        return write(Response::error(err), false);
      }
      busy_ = true;
      const auto started = std::chrono::steady_clock::now();
      auto req = std::make_shared<Request>();
      if (spool_parser_) {
        auto& msg = spool_parser_->get();
        fill_request(*req, msg);
        msg.body().close();
        req->body_file = spool_path_;
        // The file goes when the last holder of the request does.
        req->body_file_owner = std::shared_ptr<void>(
            new std::string(spool_path_), [](void* p) {
              auto* path = static_cast<std::string*>(p);
              std::remove(path->c_str());
              delete path;
            });
        spool_parser_.reset();
        spool_path_.clear();
        upgrade_req_.reset();
      } else {
        auto& msg = parser_->get();
        fill_request(*req, msg);
        req->body = std::move(msg.body());
        // A WebSocket upgrade keeps its request for the handshake, should the handler accept it.
        if (websocket::is_upgrade(msg)) {
          upgrade_req_ = parser_->release();
        } else {
          upgrade_req_.reset();
        }
        parser_.reset();
      }

      auto self = shared_from_this();
      Reply reply = [self, req, started](Response r) {
        http_metrics().record(*req, r.upgrade ? 101 : r.status, started);
        r.headers.emplace_back("X-Request-Id", req->request_id);
        net::post(self->stream_.get_executor(),
                  [self, r = std::move(r)]() mutable { self->write(std::move(r), self->keep_alive_); });
      };
      // Handlers that may block run on the handler pool; a throwing handler is a 500 with a log
      // line, never a dead connection.
      auto guarded = [req, reply](const std::function<void()>& run) {
        const log::Scope scope({.request_id = req->request_id});
        try {
          run();
        } catch (const std::exception& e) {
          spdlog::error("http: handler for {} {} threw: {}", req->method, loggable_path(req->path),
                        e.what());
          reply(Response::error(Error::make("internal_error", "internal error")));
        }
      };
      const Offload offload = [this, guarded](std::function<void()> task) {
        net::post(s_.handlers, [guarded, task = std::move(task)] { guarded(task); });
      };
      guarded([&] { s_.router.dispatch(req, reply, offload); });
    }

    // The head is written by hand into a buffer the session keeps (one response at a time per
    // connection): Beast's serializer showed as ~10 % of a network thread's CPU in bench/run.sh.
    // The body goes out as a second buffer, never copied.
    void write(Response r, bool keep_alive) {
      if (r.upgrade) {
        if (upgrade_req_ && !closing_ && !s_.stopping) {
          // The connection becomes a WebSocket: the stream moves to its session, and this
          // HTTP session ends here.
          auto ws = std::make_shared<WsSession>(s_, std::move(stream_), std::move(r.upgrade),
                                                remote_);
          ws->start(std::move(*upgrade_req_));
          upgrade_req_.reset();
          return;
        }
        r = Response::error(Error::make(
            "upgrade_required", "this endpoint speaks WebSocket: send an Upgrade request"));
        r.headers.emplace_back("Upgrade", "websocket");
      }
      if (upgrade_req_) keep_alive = false;  // a refused upgrade: no second request on it
      upgrade_req_.reset();
      if (closing_ || s_.stopping) keep_alive = false;
      head_buf_.clear();
      append_head(head_buf_, r, keep_alive);
      body_buf_ = std::move(r.body);
      std::array<net::const_buffer, 2> out{net::buffer(head_buf_),
                                           net::buffer(body_buf_.data(), head_ ? 0 : body_buf_.size())};
      stream_.expires_after(std::chrono::milliseconds(s_.opt.write_timeout_ms));
      net::async_write(stream_, out,
                       [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                         self->body_buf_ = std::string();  // a media body can be megabytes
                         if (ec || !keep_alive) return self->close();
                         self->read();
                       });
    }

    // Status line and headers. Header names and values come from our own code, but a CR or LF
    // in one would split the response, so they are dropped.
    static void append_head(std::string& out, const Response& r, bool keep_alive) {
      const auto clean = [&out](std::string_view v) {
        for (char c : v) {
          if (c != '\r' && c != '\n') out.push_back(c);
        }
      };
      const auto field = [&](std::string_view name, std::string_view value) {
        clean(name);
        out.append(": ");
        clean(value);
        out.append("\r\n");
      };
      out.append("HTTP/1.1 ").append(std::to_string(r.status)).push_back(' ');
      const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
      out.append(reason.data(), reason.size()).append("\r\n");
      field("Server", "switchboard");
      field("Content-Type", r.content_type);
      for (const auto& [k, v] : r.headers) field(k, v);
      // 1xx, 204 and 304 carry no body and no length (RFC 9110 8.6); for HEAD the length is the
      // GET's.
      const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
      if (!bodiless) field("Content-Length", std::to_string(r.body.size()));
      if (!keep_alive) field("Connection", "close");
      out.append("\r\n");
    }

    template <typename Message>
    void fill_request(Request& req, Message& msg) {
      keep_alive_ = msg.keep_alive();
      head_ = msg.method() == bhttp::verb::head;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      req.remote_address = remote_;
      req.remote_port = remote_port_;
      const auto q = req.target.find('?');
      req.path = url_decode(std::string_view(req.target).substr(0, q), false);
      if (q != std::string::npos) {
        req.query = form_decode(std::string_view(req.target).substr(q + 1));
      }
      for (const auto& f : msg) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers.emplace_back(std::move(name), std::string(f.value()));
      }
      req.request_id = request_id_for(req.header("x-request-id"));
    }

    void close() {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      stream_.socket().close(ec);
    }

    Impl& s_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::optional<bhttp::request_parser<bhttp::file_body>> spool_parser_;  // an upload's
    std::string spool_path_;
    size_t body_cap_ = 0;  // the request's body limit, once its head is read
    std::optional<bhttp::request<bhttp::string_body>> upgrade_req_;
    std::string head_buf_;  // the response being written: head
    std::string body_buf_;  // and body
    std::string remote_;
    uint16_t remote_port_ = 0;
    bool keep_alive_ = true;
    bool head_ = false;
    bool busy_ = false;
    bool closing_ = false;
  };

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket sock) {
      if (stopping) return;
      if (!ec) {
        sock.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(*this, std::move(sock))->start();
      } else if (ec != net::error::operation_aborted) {
        spdlog::warn("http: accept failed: {}", ec.message());
      }
      accept();
    });
  }
};

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() { stop(); }

void Server::start() {
  auto& im = *impl_;
  beast::error_code ec;
  const auto addr = net::ip::make_address(im.opt.host, ec);
  if (ec) throw std::runtime_error("invalid listen address '" + im.opt.host + "'");
  tcp::endpoint ep{addr, im.opt.port};
  im.acceptor.open(ep.protocol(), ec);
  if (!ec) im.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor.bind(ep, ec);
  if (!ec) im.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + im.opt.host + ":" +
                             std::to_string(im.opt.port) + ": " + ec.message());
  }
  im.accept();
  for (int i = 0; i < im.opt.io_threads; ++i) {
    im.threads.emplace_back([&im] {
      set_thread_name("sb-http-io");
      im.ioc.run();
    });
  }
}

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::stop() {
  auto& im = *impl_;
  if (im.stopped) return;
  im.stopped = true;
  im.stopping = true;
  net::post(im.acceptor.get_executor(), [&im] {
    beast::error_code ec;
    im.acceptor.close(ec);
  });
  {
    std::vector<std::shared_ptr<Impl::Session>> live;
    {
      std::lock_guard lk(im.sessions_mu);
      for (auto& [_, w] : im.sessions) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->shutdown();
    std::vector<std::shared_ptr<Impl::WsSession>> ws;
    {
      std::lock_guard lk(im.sessions_mu);
      for (auto& [_, w] : im.ws_sessions) {
        if (auto s = w.lock()) ws.push_back(std::move(s));
      }
    }
    for (auto& s : ws) s->close(1001, "the gateway is shutting down");
  }
  {
    std::unique_lock lk(im.sessions_mu);
    im.sessions_cv.wait_for(lk, std::chrono::milliseconds(im.opt.shutdown_grace_ms),
                            [&] { return im.sessions.empty() && im.ws_sessions.empty(); });
  }
  im.handlers.join();
  im.ioc.stop();
  for (auto& t : im.threads) t.join();
}

}  // namespace sb::http
