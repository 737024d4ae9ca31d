// SMPP connector implementation: sessions (connect, bind, enquire_link, reconnect) on one asio
// thread, blocking submits from the dispatcher's threads, receipts and MO on a worker thread.
#include "providers/smpp/smpp_connector.h"

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/thread_name.h"
#include "providers/webhook_util.h"

namespace sb::providers::smpp {

// Named rather than anonymous: SmppConnector::Impl (external linkage) holds these types.
namespace detail {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;
using Stream = ssl::stream<tcp::socket>;

// One submit_sm waiting for its response. Guarded by Impl::mu_.
struct Pending {
  // Its sender waits on this alone (under the connector's mutex): a response wakes one thread,
  // not every sender.
  std::condition_variable cv;
  bool done = false;
  bool lost = false;  // the session died before the response
  uint32_t status = 0;
  std::string message_id;
  Steady::time_point sent_at;
};

enum class Role { kTransceiver, kTransmitter, kReceiver };

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kTransceiver:
      return "transceiver";
    case Role::kTransmitter:
      return "transmitter";
    case Role::kReceiver:
      return "receiver";
  }
  return "?";
}

uint32_t bind_command(Role r) {
  switch (r) {
    case Role::kTransceiver:
      return wire::command::kBindTransceiver;
    case Role::kTransmitter:
      return wire::command::kBindTransmitter;
    case Role::kReceiver:
      return wire::command::kBindReceiver;
  }
  return wire::command::kBindTransceiver;
}

bool is_bind_resp(uint32_t id) {
  return id == wire::response_id(wire::command::kBindTransceiver) ||
         id == wire::response_id(wire::command::kBindTransmitter) ||
         id == wire::response_id(wire::command::kBindReceiver);
}

bool bind_refused_for_good(uint32_t s) {
  return s == wire::status::kBindFail || s == wire::status::kInvPaswd ||
         s == wire::status::kInvSysId;
}

int64_t ms_between(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration_cast<Ms>(b - a).count();
}

// One TCP (or TLS) connection bound in one role. Fields marked (mu) are shared with the send
// threads and change only under Impl::mu_; the others belong to the io thread.
struct Link {
  enum class State { kIdle, kConnecting, kBinding, kBound, kUnbinding };

  Link(asio::io_context& io, int session, Role role)
      : session(session), role(role), resolver(io), timer(io) {}

  const int session;  // 1-based, for logs
  const Role role;
  bool can_submit() const { return role != Role::kReceiver; }

  // (mu)
  bool bound = false;
  uint64_t gen = 0;  // bumped at every close: stale handlers and posted writes compare it
  uint32_t next_seq = 1;
  std::map<uint32_t, std::shared_ptr<Pending>> inflight;
  Steady::time_point paused_until{};
  int64_t throttle_ms = 0;  // the current throttling pause, 0 when not throttled
  State state = State::kIdle;

  // io thread
  std::shared_ptr<Stream> stream;
  tcp::resolver resolver;
  asio::steady_timer timer;  // the reconnect delay while idle, the tick otherwise
  std::string rbuf;
  std::array<char, 16 * 1024> chunk{};
  std::deque<std::string> wq;
  bool writing = false;
  bool close_after_write = false;
  int failures = 0;  // consecutive failed connects/binds, for the back-off
  uint32_t bind_seq = 0, enquire_seq = 0, unbind_seq = 0;
  bool enquire_outstanding = false;
  Steady::time_point started, enquire_sent, unbind_sent, last_rx, partial_since;

  uint32_t alloc_seq() {  // (mu)
    const uint32_t s = next_seq;
    next_seq = next_seq >= 0x7FFFFFFF ? 1 : next_seq + 1;
    return s;
  }
};

// Multi-part messages refused part-way: what was accepted, so that a retry sends only the rest.
struct Partial {
  uint16_t reference = 0;
  std::vector<std::string> accepted;  // per part: the SMSC's id, "" when not accepted
  Steady::time_point at;
};

// Lets the sink's done() callbacks, which may run after the connector is gone, find it or not.
struct Liveness {
  std::mutex mu;
  SmppConnector::Impl* impl = nullptr;
};

}  // namespace detail

using namespace detail;  // NOLINT(google-build-using-namespace): this file's own helpers

struct SmppConnector::Impl {
  Impl(SmppConfig c, const Clock& clock)
      : cfg(std::move(c)), clock(clock), ssl_ctx(ssl::context::tls_client) {
    const int per_session = cfg.bind == BindMode::kTransceiver ? 1 : 2;
    for (int s = 1; s <= cfg.binds; ++s) {
      for (int k = 0; k < per_session; ++k) {
        const Role r =
            per_session == 1 ? Role::kTransceiver : (k == 0 ? Role::kTransmitter : Role::kReceiver);
        links.push_back(std::make_unique<Link>(io, s, r));
      }
    }
    tokens = std::max(1.0, cfg.throughput);
    refilled = Steady::now();
    if (cfg.tls) {
      boost::system::error_code ec;
      if (cfg.tls_verify) {
        ssl_ctx.set_verify_mode(ssl::verify_peer);
        if (cfg.tls_ca_file.empty()) {
          ssl_ctx.set_default_verify_paths(ec);
        } else {
          ssl_ctx.load_verify_file(cfg.tls_ca_file, ec);
        }
        if (ec) tls_setup_error = ec.message();
      } else {
        ssl_ctx.set_verify_mode(ssl::verify_none);
      }
    }
    liveness->impl = this;
  }

  SmppConfig cfg;
  const Clock& clock;
  ssl::context ssl_ctx;
  // Declared before the links: their sockets and timers must go before the io_context.
  asio::io_context io;
  std::string tls_setup_error;
  std::vector<std::unique_ptr<Link>> links;
  std::thread io_thread;
  std::mt19937_64 rng{std::random_device{}()};  // io thread: reconnect jitter

  mutable std::mutex mu;
  std::condition_variable cv;  // any change a sender may wait for
  // A window slot came free: one sender waiting for room is woken per slot.
  std::condition_variable room_cv;
  bool started = false;
  bool stopping = false;
  double tokens = 1;
  Steady::time_point refilled;
  ReceiptIdIndex ids;
  std::unordered_map<std::string, Partial> partials;
  uint16_t next_reference = static_cast<uint16_t>(crypto::random_u64() & 0xFF);
  std::string last_refusal;  // the latest bind refusal, for health_check

  StatusSink* status_sink = nullptr;
  InboundSink* inbound_sink = nullptr;
  std::shared_ptr<Liveness> liveness = std::make_shared<Liveness>();

  // The receipt / MO worker: never block the io thread on the database.
  std::mutex work_mu;
  std::condition_variable work_cv;
  std::deque<std::function<void()>> work;
  bool work_stop = false;
  std::thread worker;
  // Receipts read by the worker's current jobs, kept together after them (worker thread only).
  struct StagedReceipt {
    Link* link;
    uint64_t gen;
    wire::Pdu request;
    StatusReport report;
  };
  std::vector<StagedReceipt> staged;

  // ---------------------------------------------------------------- logging
  std::string where(const Link& l) const {
    return "smpp " + cfg.id + " session " + std::to_string(l.session) + " (" +
           std::string(role_name(l.role)) + ", " + cfg.host + ":" + std::to_string(cfg.port) + ")";
  }
  log::Fields fields() const { return {.connector = cfg.id}; }

  // ---------------------------------------------------------------- io thread: lifecycle
  void schedule_connect(Link& l, int64_t delay_ms) {
    l.timer.expires_after(Ms(delay_ms));
    const uint64_t gen = l.gen;
    l.timer.async_wait([this, &l, gen](const boost::system::error_code& ec) {
      if (ec || gen != l.gen || l.state != Link::State::kIdle || is_stopping()) return;
      connect(l);
    });
  }

  bool is_stopping() const {
    std::lock_guard lk(mu);
    return stopping;
  }

  void set_state(Link& l, Link::State s) {
    std::lock_guard lk(mu);
    l.state = s;
  }

  void connect(Link& l) {
    set_state(l, Link::State::kConnecting);
    l.started = Steady::now();
    l.stream = std::make_shared<Stream>(io, ssl_ctx);
    start_tick(l);
    const uint64_t gen = l.gen;
    l.resolver.async_resolve(
        cfg.host, std::to_string(cfg.port),
        [this, &l, gen, s = l.stream](const boost::system::error_code& ec,
                                      tcp::resolver::results_type results) {
          if (gen != l.gen) return;
          if (ec) return fail(l, "cannot resolve " + cfg.host + ": " + ec.message());
          asio::async_connect(
              s->next_layer(), results,
              [this, &l, gen, s](const boost::system::error_code& ec2, const tcp::endpoint&) {
                if (gen != l.gen) return;
                if (ec2) return fail(l, "cannot connect: " + ec2.message());
                // PDUs are small and answered one by one: Nagle would hold each response
                // back for the peer's delayed ACK.
                boost::system::error_code ignored;
                s->next_layer().set_option(tcp::no_delay(true), ignored);
                if (cfg.tls) return handshake(l);
                send_bind(l);
              });
        });
  }

  void handshake(Link& l) {
    if (!tls_setup_error.empty()) {
      return fail(l, "TLS trust store not usable: " + tls_setup_error);
    }
    auto s = l.stream;
    if (!SSL_set_tlsext_host_name(s->native_handle(), cfg.host.c_str())) {
      return fail(l, "TLS: cannot set the server name");
    }
    if (cfg.tls_verify) s->set_verify_callback(ssl::host_name_verification(cfg.host));
    const uint64_t gen = l.gen;
    s->async_handshake(ssl::stream_base::client,
                       [this, &l, gen, s](const boost::system::error_code& ec) {
                         if (gen != l.gen) return;
                         if (ec) return fail(l, "TLS handshake failed: " + ec.message());
                         send_bind(l);
                       });
  }

  void send_bind(Link& l) {
    wire::Pdu p;
    p.command_id = bind_command(l.role);
    p.system_id = cfg.system_id;
    p.password = cfg.password;
    p.system_type = cfg.system_type;
    p.interface_version = 0x34;
    {
      std::lock_guard lk(mu);
      l.state = Link::State::kBinding;
      p.sequence = l.bind_seq = l.alloc_seq();
    }
    l.last_rx = Steady::now();
    write(l, wire::encode(p));
    read(l);
  }

  void on_bound(Link& l, const wire::Pdu& resp) {
    {
      std::lock_guard lk(mu);
      l.state = Link::State::kBound;
      l.bound = true;
      l.throttle_ms = 0;
      l.paused_until = {};
      last_refusal.clear();
    }
    cv.notify_all();
    room_cv.notify_all();
    l.failures = 0;
    l.last_rx = Steady::now();
    log::info(fields(), "{}: bound as system_id {}{}", where(l), cfg.system_id,
              resp.system_id.empty() ? "" : " (SMSC " + resp.system_id + ")");
  }

  // Closes the connection, fails its submits in flight and reconnects after `delay_ms` (the
  // back-off when unset). Every failure of a session ends here. `quiet`: the caller has logged.
  void fail(Link& l, const std::string& why, std::optional<int64_t> delay_ms = std::nullopt,
            bool quiet = false) {
    close(l);
    bool stop_now = false;
    {
      std::lock_guard lk(mu);
      stop_now = stopping;
    }
    if (stop_now) {
      if (!quiet) log::info(fields(), "{}: closed ({})", where(l), why);
      return;
    }
    ++l.failures;
    int64_t delay = delay_ms.value_or(backoff_ms(l.failures));
    if (!quiet) log::warn(fields(), "{}: {}; reconnecting in {} ms", where(l), why, delay);
    schedule_connect(l, delay);
  }

  int64_t backoff_ms(int failures) {
    const int shift = std::min(failures - 1, 30);
    const double base = std::min<double>(
        static_cast<double>(cfg.reconnect_max_ms),
        static_cast<double>(cfg.reconnect_min_ms) * static_cast<double>(int64_t{1} << shift));
    // Full-range jitter above half: sessions of many gateways do not reconnect in step.
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    return std::max<int64_t>(1, static_cast<int64_t>(base * jitter(rng)));
  }

  void close(Link& l) {
    boost::system::error_code ignored;
    if (l.stream) {
      l.stream->next_layer().shutdown(tcp::socket::shutdown_both, ignored);
      l.stream->next_layer().close(ignored);
      l.stream.reset();
    }
    l.resolver.cancel();
    l.timer.cancel();
    std::map<uint32_t, std::shared_ptr<Pending>> lost;
    {
      std::lock_guard lk(mu);
      const bool was_bound = l.bound;
      l.bound = false;
      ++l.gen;
      l.state = Link::State::kIdle;
      lost.swap(l.inflight);
      for (auto& [seq, p] : lost) {
        p->done = true;
        p->lost = true;
      }
      (void)was_bound;
    }
    for (auto& [seq, p] : lost) p->cv.notify_one();
    cv.notify_all();
    room_cv.notify_all();
    l.rbuf.clear();
    l.wq.clear();
    l.writing = false;
    l.close_after_write = false;
    l.enquire_outstanding = false;
  }

  // ---------------------------------------------------------------- io thread: timers
  int64_t tick_ms() const {
    const int64_t shortest = std::min(cfg.enquire_link_ms, cfg.response_timeout_ms);
    return std::clamp<int64_t>(shortest / 4, 5, 1000);
  }

  void start_tick(Link& l) {
    l.timer.expires_after(Ms(tick_ms()));
    const uint64_t gen = l.gen;
    l.timer.async_wait([this, &l, gen](const boost::system::error_code& ec) {
      if (ec || gen != l.gen || l.state == Link::State::kIdle) return;
      tick(l);
      if (gen == l.gen && l.state != Link::State::kIdle) start_tick(l);
    });
  }

  void tick(Link& l) {
    const auto now = Steady::now();
    const int64_t timeout = cfg.response_timeout_ms;
    switch (l.state) {
      case Link::State::kIdle:
        return;
      case Link::State::kConnecting:
      case Link::State::kBinding:
        if (ms_between(l.started, now) > timeout) {
          fail(l, "no bind_resp within " + std::to_string(timeout) + " ms");
        }
        return;
      case Link::State::kUnbinding:
        if (ms_between(l.unbind_sent, now) > cfg.unbind_wait_ms) {
          fail(l, "no unbind_resp within " + std::to_string(cfg.unbind_wait_ms) + " ms");
        }
        return;
      case Link::State::kBound:
        break;
    }
    if (l.enquire_outstanding && ms_between(l.enquire_sent, now) > timeout) {
      return fail(l, "enquire_link unanswered for " + std::to_string(timeout) + " ms: link dead");
    }
    std::optional<Steady::time_point> oldest;
    {
      std::lock_guard lk(mu);
      for (const auto& [seq, p] : l.inflight) {
        if (!oldest || p->sent_at < *oldest) oldest = p->sent_at;
      }
    }
    if (oldest && ms_between(*oldest, now) > timeout) {
      return fail(l, "submit_sm unanswered for " + std::to_string(timeout) + " ms: link dead");
    }
    if (!l.rbuf.empty() && ms_between(l.partial_since, now) > timeout) {
      return fail(l, "an incomplete PDU waited " + std::to_string(timeout) + " ms for the rest");
    }
    if (!l.enquire_outstanding && ms_between(l.last_rx, now) >= cfg.enquire_link_ms) {
      wire::Pdu p;
      p.command_id = wire::command::kEnquireLink;
      {
        std::lock_guard lk(mu);
        p.sequence = l.enquire_seq = l.alloc_seq();
      }
      l.enquire_outstanding = true;
      l.enquire_sent = now;
      write(l, wire::encode(p));
    }
  }

  // ---------------------------------------------------------------- io thread: reading
  void read(Link& l) {
    auto s = l.stream;
    if (!s) return;
    const uint64_t gen = l.gen;
    auto on_read = [this, &l, gen, s](const boost::system::error_code& ec, size_t n) {
      if (gen != l.gen) return;
      if (ec) {
        return fail(l, ec == asio::error::eof ? "the SMSC closed the connection"
                                              : "read failed: " + ec.message());
      }
      const bool was_empty = l.rbuf.empty();
      l.rbuf.append(l.chunk.data(), n);
      if (was_empty) l.partial_since = Steady::now();
      if (!drain(l) || gen != l.gen) return;
      read(l);
    };
    if (cfg.tls) {
      s->async_read_some(asio::buffer(l.chunk), on_read);
    } else {
      s->next_layer().async_read_some(asio::buffer(l.chunk), on_read);
    }
  }

  // Handles every whole PDU in the buffer; false when the session was closed meanwhile.
  bool drain(Link& l) {
    const uint64_t gen = l.gen;
    while (true) {
      const std::optional<uint32_t> len = wire::frame_length(l.rbuf);
      if (!len) break;
      if (*len < wire::kHeaderSize || *len > cfg.max_pdu_size) {
        fail(l, "the SMSC sent a PDU of command_length " + std::to_string(*len) + " (allowed 16.." +
                    std::to_string(cfg.max_pdu_size) + ")");
        return false;
      }
      if (l.rbuf.size() < *len) break;
      const std::string bytes = l.rbuf.substr(0, *len);
      l.rbuf.erase(0, *len);
      l.partial_since = Steady::now();
      handle_bytes(l, bytes);
      if (gen != l.gen) return false;
    }
    return true;
  }

  void handle_bytes(Link& l, const std::string& bytes) {
    l.last_rx = Steady::now();
    wire::DecodeResult r = wire::decode(bytes);
    if (!r.pdu) {
      log::warn(fields(), "{}: undecodable {} (seq {}): {}; answered generic_nack {}", where(l),
                wire::command_name(r.error.command_id), r.error.sequence, r.error.message,
                wire::status_name(r.error.command_status));
      if (r.error.command_id != wire::command::kGenericNack) {
        write(l, wire::encode(wire::generic_nack(r.error.sequence, r.error.command_status)));
      }
      return;
    }
    handle_pdu(l, *r.pdu);
  }

  void handle_pdu(Link& l, const wire::Pdu& p) {
    namespace cmd = wire::command;
    const uint32_t id = p.command_id;
    if (is_bind_resp(id) ||
        (id == cmd::kGenericNack && l.state == Link::State::kBinding && p.sequence == l.bind_seq)) {
      if (l.state != Link::State::kBinding || p.sequence != l.bind_seq) return;
      if (p.command_status == wire::status::kOk && id != cmd::kGenericNack) return on_bound(l, p);
      const std::string name = wire::status_name(p.command_status);
      {
        std::lock_guard lk(mu);
        last_refusal = "bind refused with " + name;
      }
      if (bind_refused_for_good(p.command_status)) {
        log::error(fields(),
                   "{}: the SMSC refused the bind as system_id {} with {}: check system_id, "
                   "password and system_type with the carrier; retrying every {} ms",
                   where(l), cfg.system_id, name, cfg.reconnect_max_ms);
        return fail(l, "bind refused (" + name + ")", cfg.reconnect_max_ms, true);
      }
      return fail(l, "bind refused (" + name + ")");
    }
    switch (id) {
      case cmd::kEnquireLink:
        return write(l, wire::encode(wire::response_to(p)));
      case wire::response_id(cmd::kEnquireLink):
        if (p.sequence == l.enquire_seq) l.enquire_outstanding = false;
        return;
      case cmd::kUnbind:
        log::info(fields(), "{}: the SMSC unbound; answering and reconnecting", where(l));
        {
          std::lock_guard lk(mu);
          l.bound = false;  // no new submits on a session being closed
        }
        l.close_after_write = true;
        return write(l, wire::encode(wire::response_to(p)));
      case wire::response_id(cmd::kUnbind):
        if (l.state == Link::State::kUnbinding) {
          log::info(fields(), "{}: unbound", where(l));
          fail(l, "unbound", std::nullopt, true);
        }
        return;
      case cmd::kGenericNack:
        if (l.enquire_outstanding && p.sequence == l.enquire_seq) {
          l.enquire_outstanding = false;  // answered, if only to say it is not supported
          return;
        }
        return on_submit_resp(l, p);
      case wire::response_id(cmd::kSubmitSm):
        return on_submit_resp(l, p);
      case cmd::kDeliverSm:
      case cmd::kDataSm:
        return on_deliver(l, p);
      case cmd::kAlertNotification:
        return;  // no response is defined
      default:
        break;
    }
    if (!wire::is_response(id)) {
      log::warn(fields(), "{}: unexpected {} from the SMSC; answered generic_nack", where(l),
                wire::command_name(id));
      write(l, wire::encode(wire::generic_nack(p.sequence, wire::status::kInvCmdId)));
    }
  }

  void on_submit_resp(Link& l, const wire::Pdu& p) {
    bool rebind = false;
    std::shared_ptr<Pending> woken;
    {
      std::lock_guard lk(mu);
      auto it = l.inflight.find(p.sequence);
      if (it == l.inflight.end()) return;  // a response after its sender gave up: nothing to do
      woken = it->second;
      Pending& pending = *it->second;
      pending.done = true;
      pending.status = p.command_id == wire::command::kGenericNack && p.command_status == 0
                           ? wire::status::kSysErr
                           : p.command_status;
      pending.message_id = p.message_id;
      l.inflight.erase(it);
      if (pending.status == wire::status::kOk) {
        l.throttle_ms = 0;
        if (!p.message_id.empty()) ids.add(p.message_id);
      } else if (is_throttle(pending.status)) {
        // The whole session pauses: the SMSC throttles the bind, not one message.
        l.throttle_ms = l.throttle_ms == 0 ? cfg.throttle_min_ms
                                           : std::min(cfg.throttle_max_ms, l.throttle_ms * 2);
        l.paused_until = Steady::now() + Ms(l.throttle_ms);
      } else if (needs_rebind(pending.status)) {
        rebind = true;
      }
    }
    woken->cv.notify_one();
    room_cv.notify_one();  // its slot is free
    if (rebind) {
      fail(l, "submit_sm answered " + wire::status_name(p.command_status) + ": rebinding");
    } else if (is_throttle(woken->status)) {
      cv.notify_all();  // senders waiting for a token or a pause recompute their wake-up
    }
  }

  // ---------------------------------------------------------------- io thread: writing
  void write(Link& l, std::string bytes) {
    if (!l.stream) return;
    l.wq.push_back(std::move(bytes));
    if (!l.writing) write_next(l);
  }

  void write_next(Link& l) {
    l.writing = true;
    auto s = l.stream;
    const uint64_t gen = l.gen;
    auto done = [this, &l, gen, s](const boost::system::error_code& ec, size_t) {
      if (gen != l.gen) return;
      if (ec) return fail(l, "write failed: " + ec.message());
      l.wq.pop_front();
      if (!l.wq.empty()) return write_next(l);
      l.writing = false;
      if (l.close_after_write) fail(l, "unbound by the SMSC", cfg.reconnect_min_ms);
    };
    if (cfg.tls) {
      asio::async_write(*s, asio::buffer(l.wq.front()), done);
    } else {
      asio::async_write(s->next_layer(), asio::buffer(l.wq.front()), done);
    }
  }

  // A response built elsewhere (the worker), written if its session still lives.
  void post_write(Link& l, uint64_t gen, std::string bytes) {
    asio::post(io, [this, &l, gen, bytes = std::move(bytes)]() mutable {
      if (gen != l.gen || !l.stream) return;
      write(l, std::move(bytes));
    });
  }

  // ---------------------------------------------------------------- receipts and MO
  void on_deliver(Link& l, const wire::Pdu& p) {
    const uint64_t gen = l.gen;
    enqueue([this, &l, gen, p] { deliver(l, gen, p); });
  }

  void enqueue(std::function<void()> job) {
    {
      std::lock_guard lk(work_mu);
      work.push_back(std::move(job));
    }
    work_cv.notify_one();
  }

  void run_worker() {
    set_thread_name("smpp-worker");
    while (true) {
      decltype(work) jobs;
      {
        std::unique_lock lk(work_mu);
        work_cv.wait(lk, [&] { return work_stop || !work.empty(); });
        if (work.empty()) return;
        jobs.swap(work);
      }
      for (auto& job : jobs) job();
      keep_receipts();
    }
  }

  // Worker thread: the receipts the last jobs staged, stored in one durable write (one commit
  // for every receipt that arrived meanwhile, as the outbox does for sends), then answered.
  void keep_receipts() {
    if (staged.empty()) return;
    std::vector<StatusReport> reports;
    reports.reserve(staged.size());
    for (const auto& r : staged) reports.push_back(r.report);
    std::vector<bool> stored(reports.size(), false);
    if (status_sink) {
      try {
        stored = status_sink->keep_status(reports);
        stored.resize(reports.size(), false);
      } catch (const std::exception& e) {
        log::error(fields(), "{}: keeping {} receipt(s) failed: {}", cfg.id, reports.size(),
                   e.what());
      }
    }
    for (size_t i = 0; i < staged.size(); ++i) {
      const StagedReceipt& r = staged[i];
      if (!stored[i]) {
        log::warn(fields(),
                  "{}: receipt for {} ({}) not stored; answered ESME_RX_T_APPN so the "
                  "SMSC retries it",
                  where(*r.link), r.report.provider_message_id, r.report.provider_status);
      }
      answer(*r.link, r.gen, r.request, stored[i] ? wire::status::kOk : wire::status::kXTAppn);
    }
    staged.clear();
  }

  void answer(Link& l, uint64_t gen, const wire::Pdu& request, uint32_t status) {
    post_write(l, gen, wire::encode(wire::response_to(request, status)));
  }

  // Worker thread: a receipt goes to keep_status, anything else to the inbound sink; the SMSC
  // hears OK only once it is durably ours, so it redelivers what we could not keep.
  void deliver(Link& l, uint64_t gen, const wire::Pdu& p) {
    if (auto receipt = wire::receipt_of(p)) return deliver_receipt(l, gen, p, *receipt);
    deliver_mo(l, gen, p);
  }

  void deliver_receipt(Link& l, uint64_t gen, const wire::Pdu& p, const wire::Receipt& r) {
    if (r.message_id.empty()) {
      // Nothing could ever match it; refusing would only make the SMSC repeat it forever.
      log::warn(fields(), "{}: a receipt without a message id (stat {}) was dropped", where(l),
                r.stat);
      return answer(l, gen, p, wire::status::kOk);
    }
    StatusReport report;
    report.connector = cfg.id;
    {
      std::lock_guard lk(mu);
      report.provider_message_id = receipt_id_for(r.message_id, cfg.receipt_id_format, ids);
    }
    report.status = status_of_receipt(r).value_or(Status::kSent);
    report.at = clock.now_ms();
    report.provider_status = r.stat;
    report.error_code = r.error_code;
    report.recipient = wire::number_from(p.source);  // receipts come from the recipient
    staged.push_back({&l, gen, p, std::move(report)});
  }

  static std::string audit(const wire::Pdu& p) {
    nlohmann::json j = {
        {"command", wire::command_name(p.command_id)},
        {"sequence", p.sequence},
        {"source", {{"ton", p.source.ton}, {"npi", p.source.npi}, {"addr", p.source.addr}}},
        {"dest", {{"ton", p.dest.ton}, {"npi", p.dest.npi}, {"addr", p.dest.addr}}},
        {"esm_class", p.esm_class},
        {"data_coding", p.data_coding},
        {"short_message_hex", crypto::hex(p.short_message)},
    };
    nlohmann::json tlvs = nlohmann::json::array();
    for (const auto& t : p.tlvs) tlvs.push_back({{"tag", t.tag}, {"hex", crypto::hex(t.value)}});
    j["tlvs"] = std::move(tlvs);
    return j.dump();
  }

  void deliver_mo(Link& l, uint64_t gen, const wire::Pdu& p) {
    if (!inbound_sink) {
      log::warn(fields(), "{}: inbound message refused (ESME_RX_T_APPN): no inbound sink",
                where(l));
      return answer(l, gen, p, wire::status::kXTAppn);
    }
    WebhookEvent ev;
    ev.kind = WebhookEvent::Kind::kInbound;
    const TimeMs now = clock.now_ms();
    ev.dedupe_key = new_id("smpp", now);  // SMPP MO carries no id; duplicates are parts, ignored
    ev.event_type = wire::command_name(p.command_id);
    ev.inbound.from = wire::number_from(p.source);
    ev.inbound.to = wire::number_from(p.dest);
    ev.inbound.body = wire::decode_text(wire::payload_of(p),
                                        wire::alphabet_of(p.data_coding, cfg.default_alphabet));
    ev.inbound.received_at = now;
    ev.inbound.segments = 1;
    if (auto c = wire::concat_of(p)) {
      ev.part = MessagePart{.key = ev.inbound.from + ":" + ev.inbound.to + ":" +
                                   std::to_string(c->reference) + ":" + std::to_string(c->total),
                            .seq = c->seq,
                            .total = c->total};
      ev.inbound.segments = c->total;
    }
    std::weak_ptr<Liveness> alive = liveness;
    Link* lp = &l;
    auto done = [alive, lp, gen, p](bool stored) {
      auto live = alive.lock();
      if (!live) return;
      std::lock_guard lk(live->mu);
      if (!live->impl) return;
      live->impl->answer(*lp, gen, p, stored ? wire::status::kOk : wire::status::kXTAppn);
    };
    try {
      inbound_sink->on_inbound(cfg.id, std::move(ev), audit(p), std::move(done));
    } catch (const std::exception& e) {
      log::error(fields(), "{}: handing in an inbound message failed: {}", where(l), e.what());
      answer(l, gen, p, wire::status::kXTAppn);
    }
  }

  // ---------------------------------------------------------------- send threads
  void refill(Steady::time_point now) {
    if (cfg.throughput <= 0) return;
    const double s = std::chrono::duration<double>(now - refilled).count();
    tokens = std::min(std::max(1.0, cfg.throughput), tokens + s * cfg.throughput);
    refilled = now;
  }

  // Submits one PDU and waits for its response; the SMSC's message id, or the failure.
  ProviderResult<std::string> submit(wire::Pdu pdu, Steady::time_point deadline, int part,
                                     int total, const std::string& message_id) {
    std::unique_lock lk(mu);
    std::optional<uint32_t> throttled;  // the last throttling status this submit got
    while (true) {
      if (stopping) {
        return failure(FailureKind::kTransient, "smpp_not_bound", "the connector is stopping");
      }
      const auto now = Steady::now();
      refill(now);
      Link* best = nullptr;
      bool any_bound = false, window_full = false;
      std::optional<Steady::time_point> pause_ends;
      for (auto& lp : links) {
        Link& l = *lp;
        if (!l.can_submit() || !l.bound || l.state != Link::State::kBound) continue;
        any_bound = true;
        if (l.paused_until > now) {
          pause_ends = pause_ends ? std::min(*pause_ends, l.paused_until) : l.paused_until;
          continue;
        }
        if (static_cast<int>(l.inflight.size()) >= cfg.window) {
          window_full = true;
          continue;
        }
        if (!best || l.inflight.size() < best->inflight.size()) best = &l;
      }
      const bool token = cfg.throughput <= 0 || tokens >= 1.0;
      if (best && token) {
        if (cfg.throughput > 0) tokens -= 1.0;
        auto pending = std::make_shared<Pending>();
        pending->sent_at = now;
        pdu.sequence = best->alloc_seq();
        best->inflight[pdu.sequence] = pending;
        post_write(*best, best->gen, wire::encode(pdu));
        if (!pending->cv.wait_until(lk, deadline, [&] { return pending->done; })) {
          log::warn({.message_id = message_id, .connector = cfg.id},
                    "message {}: no submit_sm_resp from {} within the send timeout", message_id,
                    cfg.id);
          return failure(FailureKind::kTransient, "smpp_timeout",
                         "no submit_sm_resp within " + std::to_string(cfg.send_timeout_ms) +
                             " ms: the SMSC may or may not have accepted the message");
        }
        if (pending->lost) {
          return failure(FailureKind::kTransient, "smpp_connection_lost",
                         "the SMPP session closed before submit_sm_resp: the SMSC may or may "
                         "not have accepted the message");
        }
        if (pending->status == wire::status::kOk) return pending->message_id;
        if (!is_throttle(pending->status)) {
          return submit_failure(pending->status, part, total);
        }
        throttled = pending->status;
        continue;  // not accepted: re-submit once the session's pause is over
      }
      if (now >= deadline) {
        if (!any_bound) {
          return failure(FailureKind::kTransient, "smpp_not_bound",
                         "no SMPP session bound to " + cfg.host + ":" + std::to_string(cfg.port) +
                             " within the send timeout" +
                             (last_refusal.empty() ? "" : " (" + last_refusal + ")"));
        }
        if (pause_ends || throttled) {
          const int64_t wait =
              pause_ends ? std::max<int64_t>(1, ms_between(now, *pause_ends)) : cfg.throttle_min_ms;
          return failure(FailureKind::kRateLimited,
                         wire::status_name(throttled.value_or(wire::status::kThrottled)),
                         "the SMSC is throttling submits", wait);
        }
        if (!token) {
          const auto wait = static_cast<int64_t>((1.0 - tokens) / cfg.throughput * 1000) + 1;
          return failure(FailureKind::kRateLimited, "smpp_throughput",
                         "the connector's throughput limit is reached", wait);
        }
        (void)window_full;
        return failure(FailureKind::kTransient, "smpp_window_full",
                       "every bound session has its window of " + std::to_string(cfg.window) +
                           " submits in flight");
      }
      auto wake = deadline;
      if (pause_ends) wake = std::min(wake, *pause_ends);
      if (best && !token) {
        const auto wait = std::chrono::duration<double>((1.0 - tokens) / cfg.throughput);
        wake = std::min(wake, now + std::chrono::duration_cast<Steady::duration>(wait));
      }
      // Room, a token, the pause's end, a bind or a close: whichever comes first.
      (window_full && !pause_ends ? room_cv : cv).wait_until(lk, wake);
    }
  }

  void prune_partials(Steady::time_point now) {  // (mu)
    for (auto it = partials.begin(); it != partials.end();) {
      if (ms_between(it->second.at, now) > cfg.partial_retention_ms) {
        it = partials.erase(it);
      } else {
        ++it;
      }
    }
  }

  SendResult send(const Message& m, const std::string& key) {
    const auto deadline = Steady::now() + Ms(cfg.send_timeout_ms);
    uint16_t reference = 0;
    std::vector<std::string> accepted;
    {
      std::lock_guard lk(mu);
      prune_partials(Steady::now());
      if (auto it = partials.find(key); it != partials.end()) {
        reference = it->second.reference;
        accepted = it->second.accepted;
      } else {
        reference = next_reference;
        next_reference = static_cast<uint16_t>((next_reference + 1) & 0xFF);  // 8-bit refs
      }
    }
    auto plan = plan_submits(cfg, m, reference);
    if (!plan) return plan.error();
    const int parts = static_cast<int>(plan->parts.size());
    if (static_cast<int>(accepted.size()) != parts) accepted.assign(parts, "");
    for (int i = 0; i < parts; ++i) {
      if (!accepted[i].empty()) continue;  // accepted by an earlier attempt
      auto r = submit(plan->parts[i], deadline, i + 1, plan->total, m.id);
      if (!r) {
        SendFailure f = r.error();
        const int done = static_cast<int>(
            std::count_if(accepted.begin(), accepted.end(), [](auto& a) { return !a.empty(); }));
        if (done > 0) {
          std::lock_guard lk(mu);
          partials[key] = Partial{reference, accepted, Steady::now()};
          f.message += " (" + std::to_string(done) + " of " + std::to_string(parts) +
                       " parts accepted; a retry sends only the rest)";
        }
        log::warn({.message_id = m.id, .connector = cfg.id},
                  "message {}: submit_sm part {} of {} via {} failed: {} {}", m.id, i + 1, parts,
                  cfg.id, f.code, f.message);
        return f;
      }
      accepted[i] = std::move(*r);
    }
    {
      std::lock_guard lk(mu);
      partials.erase(key);
    }
    return SendAccepted{accepted.back(), "submitted"};
  }

  // ---------------------------------------------------------------- start / stop
  void start(StatusSink& sink) {
    {
      std::lock_guard lk(mu);
      if (started || stopping) return;
      started = true;
      status_sink = &sink;
    }
    worker = std::thread([this] { run_worker(); });
    for (auto& l : links) asio::post(io, [this, lp = l.get()] { connect(*lp); });
    io_thread = std::thread([this] {
      set_thread_name("smpp-io");
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }

  bool all_idle() const {  // (mu)
    return std::all_of(links.begin(), links.end(),
                       [](const auto& l) { return l->state == Link::State::kIdle; });
  }

  void stop() {
    {
      std::lock_guard lk(mu);
      if (stopping) return;
      stopping = true;
    }
    cv.notify_all();
    room_cv.notify_all();
    if (io_thread.joinable()) {
      asio::post(io, [this] {
        for (auto& lp : links) {
          Link& l = *lp;
          if (l.state == Link::State::kBound) {
            wire::Pdu p;
            p.command_id = wire::command::kUnbind;
            {
              std::lock_guard lk(mu);
              l.bound = false;
              l.state = Link::State::kUnbinding;
              p.sequence = l.unbind_seq = l.alloc_seq();
            }
            l.unbind_sent = Steady::now();
            write(l, wire::encode(p));
          } else if (l.state != Link::State::kIdle) {
            fail(l, "stopping", std::nullopt, true);
          } else {
            l.timer.cancel();
          }
        }
        cv.notify_all();
        room_cv.notify_all();
      });
      {
        std::unique_lock lk(mu);
        cv.wait_for(lk, Ms(cfg.unbind_wait_ms + 100), [&] { return all_idle(); });
      }
      asio::post(io, [this] {
        for (auto& lp : links) {
          if (lp->state != Link::State::kIdle) fail(*lp, "stopping", std::nullopt, true);
          lp->timer.cancel();
        }
        io.stop();
      });
      io_thread.join();
    }
    // The io thread is gone: close what it left, failing any submit still waiting.
    for (auto& lp : links) close(*lp);
    {
      std::lock_guard lk(liveness->mu);
      liveness->impl = nullptr;
    }
    {
      std::lock_guard lk(work_mu);
      work_stop = true;
    }
    work_cv.notify_all();
    if (worker.joinable()) worker.join();
  }
};

SmppConnector::SmppConnector(SmppConfig config, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), clock)) {}

SmppConnector::~SmppConnector() { stop(); }

const std::string& SmppConnector::id() const { return impl_->cfg.id; }

SendResult SmppConnector::send(const Message& m, const std::string& idempotency_key) {
  return impl_->send(m, idempotency_key);
}

ProviderResult<void> SmppConnector::health_check() {
  std::lock_guard lk(impl_->mu);
  for (const auto& l : impl_->links) {
    if (l->can_submit() && l->bound) return {};
  }
  const auto& c = impl_->cfg;
  return failure(FailureKind::kTransient, "smpp_not_bound",
                 "no SMPP session is bound to " + c.host + ":" + std::to_string(c.port) +
                     (impl_->last_refusal.empty() ? "" : " (" + impl_->last_refusal + ")"));
}

void SmppConnector::set_inbound_sink(InboundSink& sink) {
  std::lock_guard lk(impl_->mu);
  impl_->inbound_sink = &sink;
}

void SmppConnector::start(StatusSink& sink) { impl_->start(sink); }

void SmppConnector::stop() { impl_->stop(); }

int SmppConnector::bound_sessions() const {
  std::lock_guard lk(impl_->mu);
  return static_cast<int>(std::count_if(impl_->links.begin(), impl_->links.end(),
                                        [](const auto& l) { return l->can_submit() && l->bound; }));
}

bool SmppConnector::wait_bound(int sessions, int64_t timeout_ms) {
  std::unique_lock lk(impl_->mu);
  return impl_->cv.wait_for(lk, Ms(timeout_ms), [&] {
    return std::count_if(impl_->links.begin(), impl_->links.end(),
                         [](const auto& l) { return l->can_submit() && l->bound; }) >= sessions;
  });
}

size_t SmppConnector::remembered_partials() const {
  std::lock_guard lk(impl_->mu);
  return impl_->partials.size();
}

namespace {

Result<void> verify_smpp_webhook(const WebhookSecrets&, const WebhookRequest&, TimeMs) {
  return webhook_util::unverified("SMPP connectors receive on their binds, not by webhook");
}

Result<WebhookEvent> parse_smpp_webhook(const WebhookRequest&, TimeMs) {
  return webhook_util::invalid("provider", "SMPP connectors receive no webhooks");
}

}  // namespace

Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& s, ConnectorDeps& deps) {
  auto c = parse_config(s);
  if (!c) return c.error();
  return std::unique_ptr<Connector>(std::make_unique<SmppConnector>(std::move(*c), deps.clock));
}

ProviderSpec provider_spec() {
  return {.name = "smpp",
          .required = {"host", "port", "system_id", "password"},
          .optional = {"tls",
                       "tls_verify",
                       "tls_ca_file",
                       "system_type",
                       "bind",
                       "binds",
                       "window",
                       "throughput",
                       "enquire_link_s",
                       "enquire_link_timeout_s",
                       "reconnect_min_ms",
                       "reconnect_max_ms",
                       "source_ton",
                       "source_npi",
                       "dest_ton",
                       "dest_npi",
                       "long_messages",
                       "data_coding",
                       "default_alphabet",
                       "registered_delivery",
                       "receipt_id_format"},
          .make = make_connector,
          .webhook = {verify_smpp_webhook, parse_smpp_webhook, nullptr},
          .capabilities = kCapabilities};
}

}  // namespace sb::providers::smpp
