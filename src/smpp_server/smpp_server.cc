// The listener, its threads and the state sessions share; start and an orderly stop.
#include "smpp_server/smpp_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/thread_name.h"
#include "smpp_server/hub.h"

namespace sb::smpp_server {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::shared_ptr<Courier> Hub::courier(const std::string& system_id, const std::string& account) {
  std::lock_guard lk(mu_);
  auto& c = couriers_[system_id];
  if (!c) c = std::make_shared<Courier>(*this, system_id, account);
  return c;
}

std::chrono::milliseconds Hub::bind_failed(const std::string& remote) {
  constexpr auto kForgetAfter = std::chrono::minutes(1);
  constexpr milliseconds kFirst{200};
  constexpr milliseconds kMost{5'000};
  const auto now = steady_clock::now();
  std::lock_guard lk(mu_);
  // Forget addresses that have been quiet, so the map cannot grow without bound.
  std::erase_if(failures_, [&](const auto& kv) { return now - kv.second.last > kForgetAfter; });
  auto& f = failures_[remote];
  f.count = std::min(f.count + 1, 16);
  f.last = now;
  return std::min(kMost, kFirst * (1 << (f.count - 1)));
}

void Hub::track(const std::shared_ptr<Session>& s) {
  std::lock_guard lk(mu_);
  sessions_[s.get()] = s;
}

void Hub::untrack(const Session* s) {
  std::lock_guard lk(mu_);
  sessions_.erase(s);
}

std::vector<std::shared_ptr<Session>> Hub::sessions() {
  std::lock_guard lk(mu_);
  std::vector<std::shared_ptr<Session>> out;
  for (auto& [_, w] : sessions_) {
    if (auto s = w.lock()) out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::shared_ptr<Courier>> Hub::all_couriers() {
  std::lock_guard lk(mu_);
  std::vector<std::shared_ptr<Courier>> out;
  for (auto& [_, c] : couriers_) out.push_back(c);
  return out;
}

void Hub::accept(tcp::acceptor& on, bool tls_sessions) {
  on.async_accept(
      [this, &on, tls_sessions](const boost::system::error_code& ec, tcp::socket socket) {
        if (stopping) return;
        if (ec) {
          spdlog::warn("smpp: accept failed: {}", ec.message());
        } else {
          std::make_shared<Session>(*this, std::move(socket), tls_sessions)->start();
        }
        accept(on, tls_sessions);
      });
}

namespace {

// Binds `acceptor` to host:port (an address, or a name such as localhost: its first address).
void listen_on(asio::io_context& io, tcp::acceptor& acceptor, const std::string& host,
               unsigned short port) {
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const auto found = resolver.resolve(host, std::to_string(port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || found.empty()) {
    throw std::runtime_error("smpp: cannot resolve the listen address '" + host + "'");
  }
  const tcp::endpoint ep = found.begin()->endpoint();
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("smpp: cannot listen on " + host + ":" + std::to_string(port) + ": " +
                             ec.message());
  }
}

}  // namespace

SmppServer::SmppServer(SmppServerOptions options, engine::MessageService& messages,
                       engine::AccountService& accounts, engine::EventStream& events)
    : hub_(std::make_shared<Hub>(std::move(options), messages, accounts, events)) {}

SmppServer::~SmppServer() { stop(); }

void SmppServer::start() {
  Hub& h = *hub_;
  if (h.options.tls) {
    // TLS 1.2 and later only; the certificate and key are read once, at start.
    h.tls.emplace(asio::ssl::context::tls_server);
    h.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    h.tls->use_certificate_chain_file(h.options.tls_cert_file, ec);
    if (ec) {
      throw std::runtime_error("smpp: cannot read the TLS certificate " + h.options.tls_cert_file +
                               ": " + ec.message());
    }
    h.tls->use_private_key_file(h.options.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      throw std::runtime_error("smpp: cannot read the TLS key " + h.options.tls_key_file + ": " +
                               ec.message());
    }
    listen_on(h.io, h.tls_acceptor, h.options.tls_host, h.options.tls_port);
    h.accept(h.tls_acceptor, true);
  }
  if (h.options.plain) {
    listen_on(h.io, h.acceptor, h.options.host, h.options.port);
    h.accept(h.acceptor, false);
  }
  const int n = std::clamp(h.options.io_threads, 1, 2);
  for (int i = 0; i < n; ++i) {
    h.threads.emplace_back([&h] {
      set_thread_name("sb-smpp");
      for (;;) {
        try {
          h.io.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("smpp: unexpected error on an io thread: {}", e.what());
        }
      }
    });
  }
}

void SmppServer::stop() {
  Hub& h = *hub_;
  if (h.stopping.exchange(true)) return;
  if (h.threads.empty()) return;  // never started
  // Sessions say goodbye where they can; whatever is not written within a moment is dropped
  // (an unanswered submit is the ESME's to retry, as with any SMSC going away).
  for (auto& s : h.sessions()) s->close("the server is stopping");
  asio::post(h.io, [&h] {
    boost::system::error_code ec;
    h.acceptor.close(ec);
    h.tls_acceptor.close(ec);
  });
  std::this_thread::sleep_for(milliseconds(100));
  h.io.stop();
  for (auto& t : h.threads) t.join();
  h.threads.clear();
  // Password checks and cursor saves under way finish; none start after this.
  h.workers.join();
  for (auto& s : h.sessions()) s->shutdown_now();
  for (auto& c : h.all_couriers()) c->stop();
}

unsigned short SmppServer::port() const {
  boost::system::error_code ec;
  const auto ep = hub_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

unsigned short SmppServer::tls_port() const {
  boost::system::error_code ec;
  const auto ep = hub_->tls_acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace sb::smpp_server
