// The SMPP connector against an in-process fake SMSC (Boost.Asio on 127.0.0.1:0, sb::smpp for the
// wire): binds, submits (encodings, long messages, throttling, refusals, lost sessions),
// enquire_link both ways, receipts and inbound messages, plus its pure settings/status rules.
#include "providers/smpp/smpp_connector.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "providers/registry.h"
#include "providers/smpp/smpp_config.h"
#include "smpp/pdu.h"
#include "smpp/text.h"
#include "support/tls_identity.h"

namespace sb::providers::smpp {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kWait = 5s;  // the most any condition may take before a test fails

// ---- the fake SMSC ------------------------------------------------------------------------------

struct Received {
  int conn = 0;
  wire::Pdu pdu;
};

// An SMSC on one thread, scriptable per test: what it answers binds and submits, whether it
// answers enquire_link; everything it receives is recorded for the test to wait on.
class FakeSmsc {
 public:
  // Returns the response to a submit_sm (nullopt: never answer it). `n` counts submits from 1.
  using SubmitScript = std::function<std::optional<wire::Pdu>(const wire::Pdu&, int n)>;

  FakeSmsc() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeSmsc() {
    asio::post(io_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      for (auto& [_, c] : conns_) c->sock.close(ec);
    });
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // Scripts (set before the connector starts, or under lock via set()).
  void set_bind_status(uint32_t s) {
    std::lock_guard lk(mu_);
    bind_status_ = s;
  }
  void set_submit_script(SubmitScript s) {
    std::lock_guard lk(mu_);
    submit_script_ = std::move(s);
  }
  void set_answer_enquire(bool b) {
    std::lock_guard lk(mu_);
    answer_enquire_ = b;
  }

  // Sends `pdu` (or raw bytes) on connection `conn` (the latest when 0).
  void send(const wire::Pdu& pdu, int conn = 0) { send_raw(wire::encode(pdu), conn); }
  void send_raw(std::string bytes, int conn = 0) {
    asio::post(io_, [this, bytes = std::move(bytes), conn] {
      int target = conn;
      if (target == 0) {
        for (auto& [id, c] : conns_) target = std::max(target, id);
      }
      auto it = conns_.find(target);
      if (it == conns_.end()) return;
      boost::system::error_code ec;
      asio::write(it->second->sock, asio::buffer(bytes), ec);
    });
  }
  // Closes every connection without a word (a network failure).
  void drop_all() {
    asio::post(io_, [this] {
      boost::system::error_code ec;
      for (auto& [_, c] : conns_) c->sock.close(ec);
      conns_.clear();
    });
  }

  // Waits until `pred` (called under the lock with everything received) holds.
  bool wait(const std::function<bool(const std::vector<Received>&)>& pred) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, kWait, [&] { return pred(received_); });
  }
  std::vector<Received> received() const {
    std::lock_guard lk(mu_);
    return received_;
  }
  std::vector<wire::Pdu> of(uint32_t command_id) const {
    std::lock_guard lk(mu_);
    std::vector<wire::Pdu> out;
    for (const auto& r : received_) {
      if (r.pdu.command_id == command_id) out.push_back(r.pdu);
    }
    return out;
  }
  // Waits for at least `n` PDUs with `command_id`.
  bool wait_for(uint32_t command_id, size_t n = 1) {
    return wait([&](const std::vector<Received>& all) {
      return static_cast<size_t>(std::count_if(all.begin(), all.end(), [&](const Received& r) {
               return r.pdu.command_id == command_id;
             })) >= n;
    });
  }
  // The first response with `command_id` and `sequence`, waited for.
  std::optional<wire::Pdu> response(uint32_t command_id, uint32_t sequence) {
    std::optional<wire::Pdu> found;
    wait([&](const std::vector<Received>& all) {
      for (const auto& r : all) {
        if (r.pdu.command_id == command_id && r.pdu.sequence == sequence) {
          found = r.pdu;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  int connections() const {
    std::lock_guard lk(mu_);
    return accepted_;
  }

 private:
  struct Conn {
    explicit Conn(asio::io_context& io) : sock(io) {}
    tcp::socket sock;
    std::string buf;
    std::array<char, 4096> chunk{};
    int id = 0;
  };

  void accept() {
    auto c = std::make_shared<Conn>(io_);
    acceptor_.async_accept(c->sock, [this, c](const boost::system::error_code& ec) {
      if (ec) return;
      {
        std::lock_guard lk(mu_);
        c->id = ++accepted_;
      }
      boost::system::error_code ignored;
      c->sock.set_option(tcp::no_delay(true), ignored);
      conns_[c->id] = c;
      read(c);
      accept();
    });
  }

  void read(const std::shared_ptr<Conn>& c) {
    c->sock.async_read_some(asio::buffer(c->chunk),
                            [this, c](const boost::system::error_code& ec, size_t n) {
                              if (ec) return;
                              c->buf.append(c->chunk.data(), n);
                              while (auto len = wire::frame_length(c->buf)) {
                                if (c->buf.size() < *len) break;
                                auto d = wire::decode(std::string_view(c->buf).substr(0, *len));
                                c->buf.erase(0, *len);
                                if (d.pdu) handle(*c, *d.pdu);
                              }
                              read(c);
                            });
  }

  void write(Conn& c, const wire::Pdu& p) {
    boost::system::error_code ec;
    asio::write(c.sock, asio::buffer(wire::encode(p)), ec);
  }

  void handle(Conn& c, const wire::Pdu& p) {
    namespace cmd = wire::command;
    std::optional<wire::Pdu> reply;
    {
      std::lock_guard lk(mu_);
      received_.push_back({c.id, p});
      switch (p.command_id) {
        case cmd::kBindTransceiver:
        case cmd::kBindTransmitter:
        case cmd::kBindReceiver:
          reply = wire::response_to(p, bind_status_);
          reply->system_id = "fakesmsc";
          break;
        case cmd::kSubmitSm:
          ++submits_;
          if (submit_script_) {
            reply = submit_script_(p, submits_);
          } else {
            reply = wire::response_to(p);
            reply->message_id = "ID" + std::to_string(submits_);
          }
          break;
        case cmd::kEnquireLink:
          if (answer_enquire_) reply = wire::response_to(p);
          break;
        case cmd::kUnbind:
          reply = wire::response_to(p);
          break;
        default:
          break;
      }
    }
    cv_.notify_all();
    if (reply) write(c, *reply);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::map<int, std::shared_ptr<Conn>> conns_;  // fake thread only
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
  int accepted_ = 0;
  int submits_ = 0;
  uint32_t bind_status_ = wire::status::kOk;
  SubmitScript submit_script_;
  bool answer_enquire_ = true;
};

// ---- a TLS SMSC --------------------------------------------------------------------------------

// A blocking SMSC over TLS on its own thread: answers binds, submits (id "TLS<n>"), enquire_link
// and unbind; counts the handshakes that failed (a client refusing its certificate).
class TlsSmsc {
 public:
  explicit TlsSmsc(const test::TlsIdentity& id)
      : ctx_(asio::ssl::context::tls_server),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    SSL_CTX_use_certificate(ctx_.native_handle(), id.cert);
    SSL_CTX_use_PrivateKey(ctx_.native_handle(), id.key);
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsSmsc() {
    stop_ = true;
    // Wakes the blocking accept / read (closing from another thread is not safe in asio).
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (int fd = conn_fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  bool wait(const std::function<bool(int binds, int failed_handshakes)>& pred) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, kWait, [&] { return pred(binds_, failed_handshakes_); });
  }

 private:
  void serve() {
    while (!stop_) {
      asio::ssl::stream<tcp::socket> s(io_, ctx_);
      boost::system::error_code ec;
      acceptor_.accept(s.next_layer(), ec);
      if (ec || stop_) return;
      conn_fd_ = s.next_layer().native_handle();
      s.handshake(asio::ssl::stream_base::server, ec);
      if (ec) {
        std::lock_guard lk(mu_);
        ++failed_handshakes_;
        cv_.notify_all();
        conn_fd_ = -1;
        continue;
      }
      int submits = 0;
      while (!stop_) {
        std::string head(4, '\0');
        if (asio::read(s, asio::buffer(head), ec) != 4 || ec) break;
        const uint32_t len = *wire::frame_length(head);
        if (len < 16 || len > 4096) break;
        std::string rest(len - 4, '\0');
        if (asio::read(s, asio::buffer(rest), ec) != rest.size() || ec) break;
        auto d = wire::decode(head + rest);
        if (!d.pdu) break;
        std::optional<wire::Pdu> reply;
        switch (d.pdu->command_id) {
          case wire::command::kBindTransceiver: {
            std::lock_guard lk(mu_);
            ++binds_;
            cv_.notify_all();
            reply = wire::response_to(*d.pdu);
            break;
          }
          case wire::command::kSubmitSm:
            reply = wire::response_to(*d.pdu);
            reply->message_id = "TLS" + std::to_string(++submits);
            break;
          case wire::command::kEnquireLink:
          case wire::command::kUnbind:
            reply = wire::response_to(*d.pdu);
            break;
          default:
            break;
        }
        if (reply) asio::write(s, asio::buffer(wire::encode(*reply)), ec);
      }
      conn_fd_ = -1;
    }
  }

  asio::io_context io_;
  asio::ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::atomic<int> conn_fd_{-1};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  int binds_ = 0;
  int failed_handshakes_ = 0;
};

// ---- sinks -------------------------------------------------------------------------------------

class RecordingStatusSink final : public StatusSink {
 public:
  std::vector<bool> on_status(const std::vector<StatusReport>& r) override { return keep(r); }
  std::vector<bool> keep_status(const std::vector<StatusReport>& r) override { return keep(r); }
  void set_answer(bool b) {
    std::lock_guard lk(mu_);
    answer_ = b;
  }
  bool wait(size_t n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, kWait, [&] { return reports_.size() >= n; });
  }
  std::vector<StatusReport> reports() const {
    std::lock_guard lk(mu_);
    return reports_;
  }

 private:
  std::vector<bool> keep(const std::vector<StatusReport>& r) {
    std::lock_guard lk(mu_);
    reports_.insert(reports_.end(), r.begin(), r.end());
    cv_.notify_all();
    return std::vector<bool>(r.size(), answer_);
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<StatusReport> reports_;
  bool answer_ = true;
};

class RecordingInboundSink final : public InboundSink {
 public:
  ~RecordingInboundSink() override {
    for (auto& t : threads_) t.join();
  }
  void on_inbound(const std::string& connector, WebhookEvent event, std::string payload,
                  std::function<void(bool)> done) override {
    std::lock_guard lk(mu_);
    connectors_.push_back(connector);
    events_.push_back(std::move(event));
    payloads_.push_back(std::move(payload));
    cv_.notify_all();
    // As the contract says: done() on a thread of the sink's, never inside on_inbound.
    threads_.emplace_back([done = std::move(done), ok = answer_] { done(ok); });
  }
  bool wait(size_t n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, kWait, [&] { return events_.size() >= n; });
  }
  std::vector<WebhookEvent> events() const {
    std::lock_guard lk(mu_);
    return events_;
  }
  std::vector<std::string> payloads() const {
    std::lock_guard lk(mu_);
    return payloads_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> connectors_;
  std::vector<WebhookEvent> events_;
  std::vector<std::string> payloads_;
  std::vector<std::thread> threads_;
  bool answer_ = true;
};

// ---- fixture -----------------------------------------------------------------------------------

ConnectorSettings settings(uint16_t port, std::map<std::string, std::string> extra = {}) {
  ConnectorSettings s;
  s.id = "smpp1";
  s.provider = "smpp";
  s.timeout_ms = 3000;
  s.values = {{"host", "127.0.0.1"},
              {"port", std::to_string(port)},
              {"system_id", "switchboard"},
              {"password", "s3cret"}};
  for (auto& [k, v] : extra) s.values[k] = v;
  return s;
}

Message message(std::string body, std::string id = "msg_1") {
  Message m;
  m.id = std::move(id);
  m.from = "+15550001111";
  m.to = "+15557654321";
  m.body = std::move(body);
  return m;
}

class SmppTest : public ::testing::Test {
 protected:
  // Builds the connector from settings (plus `extra`), with every interval short.
  void start(std::map<std::string, std::string> extra = {},
             const std::function<void(SmppConfig&)>& tweak = nullptr) {
    auto c = parse_config(settings(smsc_.port(), std::move(extra)));
    ASSERT_TRUE(c) << c.error().message;
    c->enquire_link_ms = 10'000;
    c->response_timeout_ms = 2'000;
    c->reconnect_min_ms = 10;
    c->reconnect_max_ms = 50;
    c->throttle_min_ms = 10;
    c->throttle_max_ms = 50;
    c->unbind_wait_ms = 300;
    if (tweak) tweak(*c);
    conn_ = std::make_unique<SmppConnector>(*c, clock_);
    conn_->set_inbound_sink(inbound_);
    conn_->start(status_);
  }
  void start_bound(std::map<std::string, std::string> extra = {},
                   const std::function<void(SmppConfig&)>& tweak = nullptr) {
    start(std::move(extra), tweak);
    ASSERT_TRUE(conn_->wait_bound(1, 5000));
  }
  // A deliver_sm from the SMSC.
  static wire::Pdu deliver(uint32_t seq, std::string short_message, uint8_t esm = 0,
                           uint8_t dc = 0) {
    wire::Pdu p;
    p.command_id = wire::command::kDeliverSm;
    p.sequence = seq;
    p.source = {wire::ton::kInternational, wire::npi::kIsdn, "15557654321"};
    p.dest = {wire::ton::kInternational, wire::npi::kIsdn, "15550001111"};
    p.esm_class = esm;
    p.data_coding = dc;
    p.short_message = std::move(short_message);
    return p;
  }
  static wire::Pdu ok_resp(const wire::Pdu& req, std::string id) {
    auto r = wire::response_to(req);
    r.message_id = std::move(id);
    return r;
  }

  ManualClock clock_;
  FakeSmsc smsc_;
  RecordingStatusSink status_;
  RecordingInboundSink inbound_;
  std::unique_ptr<SmppConnector> conn_;  // last: stopped before the sinks and the fake go
};

// ---- binding ------------------------------------------------------------------------------------

TEST_F(SmppTest, BindsAsTransceiverAndIsHealthy) {
  start_bound();
  auto binds = smsc_.of(wire::command::kBindTransceiver);
  ASSERT_EQ(binds.size(), 1u);
  EXPECT_EQ(binds[0].system_id, "switchboard");
  EXPECT_EQ(binds[0].password, "s3cret");
  EXPECT_EQ(binds[0].interface_version, 0x34);
  EXPECT_TRUE(conn_->health_check());
  EXPECT_EQ(conn_->capabilities().own_inbound, true);
  EXPECT_EQ(conn_->provider(), "smpp");
}

TEST_F(SmppTest, TransmitterReceiverBindsAPair) {
  start_bound({{"bind", "transmitter_receiver"}});
  ASSERT_TRUE(smsc_.wait_for(wire::command::kBindReceiver));
  EXPECT_EQ(smsc_.of(wire::command::kBindTransmitter).size(), 1u);
  EXPECT_EQ(smsc_.of(wire::command::kBindTransceiver).size(), 0u);
  EXPECT_EQ(conn_->bound_sessions(), 1);  // the pair is one session that can submit
  auto r = conn_->send(message("pair"), "k");
  ASSERT_TRUE(r) << r.error().message;
}

TEST_F(SmppTest, WrongPasswordLeavesItUnboundAndRetries) {
  smsc_.set_bind_status(wire::status::kInvPaswd);
  start();
  ASSERT_TRUE(smsc_.wait_for(wire::command::kBindTransceiver, 3));  // retried
  EXPECT_EQ(conn_->bound_sessions(), 0);
  auto h = conn_->health_check();
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().kind, FailureKind::kTransient);
  EXPECT_EQ(h.error().code, "smpp_not_bound");
  EXPECT_NE(h.error().message.find(wire::status_name(wire::status::kInvPaswd)), std::string::npos);
  EXPECT_EQ(h.error().message.find("s3cret"), std::string::npos);
  // Then the operator fixes it at the carrier: the next retry binds.
  smsc_.set_bind_status(wire::status::kOk);
  ASSERT_TRUE(conn_->wait_bound(1, 5000));
  EXPECT_TRUE(conn_->health_check());
}

TEST_F(SmppTest, NoSessionWithinTheDeadlineIsNotBound) {
  smsc_.set_bind_status(wire::status::kBindFail);
  start({}, [](SmppConfig& c) { c.send_timeout_ms = 100; });
  auto r = conn_->send(message("x"), "k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, FailureKind::kTransient);
  EXPECT_EQ(r.error().code, "smpp_not_bound");
}

TEST_F(SmppTest, StopUnbindsPolitely) {
  start_bound();
  conn_->stop();
  EXPECT_EQ(smsc_.of(wire::command::kUnbind).size(), 1u);
  EXPECT_FALSE(conn_->health_check());
}

TEST_F(SmppTest, SmscUnbindIsAnsweredThenRebound) {
  start_bound();
  wire::Pdu u;
  u.command_id = wire::command::kUnbind;
  u.sequence = 900;
  smsc_.send(u);
  auto resp = smsc_.response(wire::response_id(wire::command::kUnbind), 900);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->command_status, wire::status::kOk);
  ASSERT_TRUE(smsc_.wait_for(wire::command::kBindTransceiver, 2));
  ASSERT_TRUE(conn_->wait_bound(1, 5000));
}

// ---- enquire_link -------------------------------------------------------------------------------

TEST_F(SmppTest, AnswersTheSmscsEnquireLink) {
  start_bound();
  wire::Pdu e;
  e.command_id = wire::command::kEnquireLink;
  e.sequence = 77;
  smsc_.send(e);
  auto resp = smsc_.response(wire::response_id(wire::command::kEnquireLink), 77);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->command_status, wire::status::kOk);
}

TEST_F(SmppTest, SendsEnquireLinkWhenIdle) {
  start_bound({}, [](SmppConfig& c) { c.enquire_link_ms = 40; });
  ASSERT_TRUE(smsc_.wait_for(wire::command::kEnquireLink, 2));
  EXPECT_EQ(smsc_.connections(), 1);  // answered: the session is kept
}

TEST_F(SmppTest, UnansweredEnquireLinkMarksTheLinkDeadAndRebinds) {
  smsc_.set_answer_enquire(false);
  start_bound({}, [](SmppConfig& c) {
    c.enquire_link_ms = 30;
    c.response_timeout_ms = 100;
  });
  ASSERT_TRUE(smsc_.wait_for(wire::command::kEnquireLink));
  ASSERT_TRUE(smsc_.wait_for(wire::command::kBindTransceiver, 2));
  EXPECT_GE(smsc_.connections(), 2);
}

// ---- submits ------------------------------------------------------------------------------------

TEST_F(SmppTest, Gsm7BodyIsUnpackedSeptetsWithDataCoding0) {
  start_bound();
  auto r = conn_->send(message("Hello {world} @"), "k1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->provider_message_id, "ID1");
  auto subs = smsc_.of(wire::command::kSubmitSm);
  ASSERT_EQ(subs.size(), 1u);
  const auto& p = subs[0];
  EXPECT_EQ(p.data_coding, 0x00);
  EXPECT_EQ(p.short_message, *wire::encode_gsm7("Hello {world} @"));
  EXPECT_EQ(p.short_message[0], 'H');
  EXPECT_EQ(p.short_message.back(), '\0');  // '@' is septet 0x00, unpacked
  EXPECT_EQ(p.esm_class, 0);
  EXPECT_EQ(p.registered_delivery, 1);
  EXPECT_EQ(p.source, (wire::Address{1, 1, "15550001111"}));
  EXPECT_EQ(p.dest, (wire::Address{1, 1, "15557654321"}));
}

TEST_F(SmppTest, AddressOverridesAndAlphanumericSender) {
  start_bound({{"dest_ton", "2"}, {"dest_npi", "0"}});
  Message m = message("hi");
  m.from = "ACME";
  ASSERT_TRUE(conn_->send(m, "k"));
  auto p = smsc_.of(wire::command::kSubmitSm).at(0);
  EXPECT_EQ(p.source, (wire::Address{5, 0, "ACME"}));
  EXPECT_EQ(p.dest.ton, 2);
  EXPECT_EQ(p.dest.npi, 0);
}

TEST_F(SmppTest, Latin1SettingSendsDataCoding3) {
  start_bound({{"data_coding", "latin1"}});
  ASSERT_TRUE(conn_->send(message("caf\xC3\xA9 ok"), "k"));
  auto p = smsc_.of(wire::command::kSubmitSm).at(0);
  EXPECT_EQ(p.data_coding, 0x03);
  EXPECT_EQ(p.short_message, "caf\xE9 ok");
}

TEST_F(SmppTest, EmojiGoesAsUcs2WithSurrogates) {
  start_bound();
  ASSERT_TRUE(conn_->send(message("Hi \xF0\x9F\x98\x80"), "k"));  // U+1F600
  auto p = smsc_.of(wire::command::kSubmitSm).at(0);
  EXPECT_EQ(p.data_coding, 0x08);
  EXPECT_EQ(p.short_message, std::string("\0H\0i\0 \xD8\x3D\xDE\x00", 10));
}

// 300 GSM-7 characters: 2 parts of 153 + 147.
std::string long_body() {
  std::string s;
  for (int i = 0; i < 300; ++i) s += static_cast<char>('a' + i % 26);
  return s;
}

TEST_F(SmppTest, LongBodyGoesAsUdhParts) {
  start_bound();
  auto r = conn_->send(message(long_body()), "k");
  ASSERT_TRUE(r) << r.error().message;
  auto subs = smsc_.of(wire::command::kSubmitSm);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(r->provider_message_id, "ID2");  // the last part's id: the one with the receipt
  std::string text;
  std::optional<uint16_t> ref;
  for (size_t i = 0; i < 2; ++i) {
    const auto& p = subs[i];
    EXPECT_EQ(p.esm_class & 0x40, 0x40);
    EXPECT_EQ(p.data_coding, 0);
    auto c = wire::concat_of(p);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->total, 2);
    EXPECT_EQ(c->seq, i + 1);
    if (ref) {
      EXPECT_EQ(c->reference, *ref);
    }
    ref = c->reference;
    EXPECT_EQ(p.registered_delivery, i == 1 ? 1 : 0);
    EXPECT_EQ(p.short_message.size(), 6 + (i == 0 ? 153u : 147u));
    text += wire::payload_of(p);
  }
  EXPECT_EQ(text, long_body());
}

TEST_F(SmppTest, LongBodyAsSarTlvs) {
  start_bound({{"long_messages", "sar"}});
  ASSERT_TRUE(conn_->send(message(long_body()), "k"));
  auto subs = smsc_.of(wire::command::kSubmitSm);
  ASSERT_EQ(subs.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& p = subs[i];
    EXPECT_EQ(p.esm_class & 0x40, 0);
    EXPECT_EQ(p.tlv_int(wire::tag::kSarTotalSegments), 2u);
    EXPECT_EQ(p.tlv_int(wire::tag::kSarSegmentSeqnum), i + 1);
    EXPECT_EQ(p.tlv_int(wire::tag::kSarMsgRefNum), subs[0].tlv_int(wire::tag::kSarMsgRefNum));
    EXPECT_EQ(p.registered_delivery, i == 1 ? 1 : 0);
  }
  EXPECT_EQ(subs[0].short_message + subs[1].short_message, long_body());
}

TEST_F(SmppTest, LongBodyAsOneMessagePayload) {
  start_bound({{"long_messages", "payload"}});
  ASSERT_TRUE(conn_->send(message(long_body()), "k"));
  auto subs = smsc_.of(wire::command::kSubmitSm);
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_TRUE(subs[0].short_message.empty());
  ASSERT_NE(subs[0].tlv(wire::tag::kMessagePayload), nullptr);
  EXPECT_EQ(subs[0].tlv(wire::tag::kMessagePayload)->value, long_body());
  EXPECT_EQ(subs[0].registered_delivery, 1);
}

TEST_F(SmppTest, ThrottledOnceThenAcceptedIsOneSuccess) {
  smsc_.set_submit_script([](const wire::Pdu& p, int n) -> std::optional<wire::Pdu> {
    if (n == 1) return wire::response_to(p, wire::status::kThrottled);
    return ok_resp(p, "ACCEPTED");
  });
  start_bound();
  auto r = conn_->send(message("hello"), "k");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->provider_message_id, "ACCEPTED");
  auto subs = smsc_.of(wire::command::kSubmitSm);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0].short_message, subs[1].short_message);
}

TEST_F(SmppTest, ThrottledPastTheDeadlineIsRateLimited) {
  smsc_.set_submit_script([](const wire::Pdu& p, int) -> std::optional<wire::Pdu> {
    return wire::response_to(p, wire::status::kMsgQFul);
  });
  start_bound({}, [](SmppConfig& c) { c.send_timeout_ms = 150; });
  auto r = conn_->send(message("hello"), "k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, FailureKind::kRateLimited);
  EXPECT_EQ(r.error().code, wire::status_name(wire::status::kMsgQFul));
  ASSERT_TRUE(r.error().retry_after_ms);
  EXPECT_GT(*r.error().retry_after_ms, 0);
}

TEST_F(SmppTest, PermanentStatusIsPermanentWithItsName) {
  smsc_.set_submit_script([](const wire::Pdu& p, int) -> std::optional<wire::Pdu> {
    return wire::response_to(p, wire::status::kInvDstAdr);
  });
  start_bound();
  auto r = conn_->send(message("hello"), "k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, FailureKind::kPermanent);
  EXPECT_EQ(r.error().code, wire::status_name(wire::status::kInvDstAdr));
  EXPECT_EQ(smsc_.of(wire::command::kSubmitSm).size(), 1u);  // never re-submitted
}

TEST_F(SmppTest, RetryOfAPartlyAcceptedMessageSendsOnlyTheRest) {
  smsc_.set_submit_script([](const wire::Pdu& p, int n) -> std::optional<wire::Pdu> {
    if (n == 2) return wire::response_to(p, wire::status::kSysErr);
    return ok_resp(p, "P" + std::to_string(n));
  });
  start_bound();
  auto r1 = conn_->send(message(long_body()), "msg_1");
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().kind, FailureKind::kTransient);
  EXPECT_EQ(conn_->remembered_partials(), 1u);
  auto r2 = conn_->send(message(long_body()), "msg_1");
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(r2->provider_message_id, "P3");
  auto subs = smsc_.of(wire::command::kSubmitSm);
  ASSERT_EQ(subs.size(), 3u);
  EXPECT_EQ(wire::concat_of(subs[2])->seq, 2);  // only the part that failed
  EXPECT_EQ(wire::concat_of(subs[2])->reference, wire::concat_of(subs[0])->reference);
  EXPECT_EQ(conn_->remembered_partials(), 0u);
}

TEST_F(SmppTest, DroppedConnectionFailsEverySubmitInFlightThenRebinds) {
  std::atomic<bool> answer{false};
  smsc_.set_submit_script([&](const wire::Pdu& p, int n) -> std::optional<wire::Pdu> {
    if (!answer) return std::nullopt;  // hold: the window fills
    return ok_resp(p, "LATER" + std::to_string(n));
  });
  start_bound({{"window", "3"}});
  std::vector<std::optional<SendResult>> results(3);
  std::vector<std::thread> senders;
  for (int i = 0; i < 3; ++i) {
    senders.emplace_back([&, i] {
      results[i] = conn_->send(message("m" + std::to_string(i)), "k" + std::to_string(i));
    });
  }
  ASSERT_TRUE(smsc_.wait_for(wire::command::kSubmitSm, 3));
  answer = true;
  smsc_.drop_all();
  for (auto& t : senders) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r);
    ASSERT_FALSE(*r);
    EXPECT_EQ(r->error().kind, FailureKind::kTransient);
    EXPECT_EQ(r->error().code, "smpp_connection_lost");
    EXPECT_NE(r->error().message.find("may or may not"), std::string::npos);
  }
  ASSERT_TRUE(smsc_.wait_for(wire::command::kBindTransceiver, 2));
  auto again = conn_->send(message("after"), "k9");
  ASSERT_TRUE(again) << again.error().message;
}

TEST_F(SmppTest, MediaIsRefusedPermanently) {
  start_bound();
  Message m = message("pic");
  m.media_urls = {"https://example.com/a.jpg"};
  auto r = conn_->send(m, "k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, FailureKind::kPermanent);
  EXPECT_EQ(smsc_.of(wire::command::kSubmitSm).size(), 0u);
}

TEST_F(SmppTest, ThroughputLimitSpacesSubmits) {
  start_bound({{"throughput", "20"}});
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 25; ++i) {
    const std::string key = std::to_string(i);  // (gcc 12's -Wrestrict misreads "k" + ...)
    ASSERT_TRUE(conn_->send(message("x"), key));
  }
  // 20 in the first second's bucket, then 5 more at 20/s: at least ~250 ms.
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 200ms);
}

// ---- receipts -----------------------------------------------------------------------------------

TEST_F(SmppTest, DecimalReceiptIdFindsTheHexRespId) {
  smsc_.set_submit_script(
      [](const wire::Pdu& p, int) -> std::optional<wire::Pdu> { return ok_resp(p, "1A2B3C"); });
  start_bound();
  ASSERT_TRUE(conn_->send(message("hello"), "k"));
  // 0x1A2B3C = 1715004
  smsc_.send(deliver(500,
                     "id:1715004 sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 "
                     "stat:DELIVRD err:000 text:hello",
                     wire::esm::kDeliveryReceipt));
  ASSERT_TRUE(status_.wait(1));
  auto rep = status_.reports().at(0);
  EXPECT_EQ(rep.connector, "smpp1");
  EXPECT_EQ(rep.provider_message_id, "1A2B3C");
  EXPECT_EQ(rep.status, Status::kDelivered);
  EXPECT_EQ(rep.provider_status, "DELIVRD");
  EXPECT_EQ(rep.at, clock_.now_ms());
  auto resp = smsc_.response(wire::response_id(wire::command::kDeliverSm), 500);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->command_status, wire::status::kOk);
}

TEST_F(SmppTest, ReceiptWithoutSubAndDlvrdFields) {
  start_bound();
  smsc_.send(deliver(501, "id:ABC123 stat:UNDELIV err:012", wire::esm::kDeliveryReceipt));
  ASSERT_TRUE(status_.wait(1));
  auto rep = status_.reports().at(0);
  EXPECT_EQ(rep.provider_message_id, "ABC123");
  EXPECT_EQ(rep.status, Status::kUndelivered);
  EXPECT_EQ(rep.provider_status, "UNDELIV");
  EXPECT_EQ(rep.error_code, "012");
}

TEST_F(SmppTest, EnrouteReceiptIsSent) {
  start_bound();
  smsc_.send(deliver(502, "id:77 sub:001 dlvrd:000 stat:ENROUTE err:000",
                     wire::esm::kIntermediateNotification));
  ASSERT_TRUE(status_.wait(1));
  EXPECT_EQ(status_.reports().at(0).status, Status::kSent);
}

TEST_F(SmppTest, RejectedReceiptIsFailedAndTlvReceiptIsRead) {
  start_bound();
  wire::Pdu p = deliver(503, "", wire::esm::kDeliveryReceipt);
  p.set_tlv(wire::tag::kReceiptedMessageId, std::string("XYZ\0", 4));
  p.set_tlv_int(wire::tag::kMessageState, static_cast<uint32_t>(wire::MessageState::kRejected), 1);
  smsc_.send(p);
  ASSERT_TRUE(status_.wait(1));
  EXPECT_EQ(status_.reports().at(0).provider_message_id, "XYZ");
  EXPECT_EQ(status_.reports().at(0).status, Status::kFailed);
}

TEST_F(SmppTest, ReceiptNotKeptIsRefusedSoTheSmscRetries) {
  status_.set_answer(false);
  start_bound();
  smsc_.send(deliver(504, "id:1 stat:DELIVRD", wire::esm::kDeliveryReceipt));
  auto resp = smsc_.response(wire::response_id(wire::command::kDeliverSm), 504);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->command_status, wire::status::kXTAppn);
}

// ---- inbound messages ---------------------------------------------------------------------------

TEST_F(SmppTest, MoGsm7GoesToTheInboundSink) {
  start_bound();
  smsc_.send(deliver(600, *wire::encode_gsm7("Hello @ you")));
  ASSERT_TRUE(inbound_.wait(1));
  auto ev = inbound_.events().at(0);
  EXPECT_EQ(ev.kind, WebhookEvent::Kind::kInbound);
  EXPECT_FALSE(ev.dedupe_key.empty());
  EXPECT_EQ(ev.event_type, "deliver_sm");
  EXPECT_EQ(ev.inbound.from, "+15557654321");
  EXPECT_EQ(ev.inbound.to, "+15550001111");
  EXPECT_EQ(ev.inbound.body, "Hello @ you");
  EXPECT_EQ(ev.inbound.received_at, clock_.now_ms());
  EXPECT_FALSE(ev.part);
  EXPECT_NE(inbound_.payloads().at(0).find("short_message_hex"), std::string::npos);
  auto resp = smsc_.response(wire::response_id(wire::command::kDeliverSm), 600);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->command_status, wire::status::kOk);
}

TEST_F(SmppTest, MoUcs2IsDecoded) {
  start_bound();
  smsc_.send(deliver(601, wire::encode_ucs2("\xD0\x9F\xD1\x80\xD0\xB8 \xF0\x9F\x98\x80"), 0,
                     wire::dcs::kUcs2));
  ASSERT_TRUE(inbound_.wait(1));
  EXPECT_EQ(inbound_.events().at(0).inbound.body, "\xD0\x9F\xD1\x80\xD0\xB8 \xF0\x9F\x98\x80");
}

TEST_F(SmppTest, MoUdhPartCarriesItsGroup) {
  start_bound();
  smsc_.send(
      deliver(602, wire::concat_udh({42, 3, 2}) + *wire::encode_gsm7("middle"), wire::esm::kUdhi));
  ASSERT_TRUE(inbound_.wait(1));
  auto ev = inbound_.events().at(0);
  ASSERT_TRUE(ev.part);
  EXPECT_EQ(ev.part->key, "+15557654321:+15550001111:42:3");
  EXPECT_EQ(ev.part->seq, 2);
  EXPECT_EQ(ev.part->total, 3);
  EXPECT_EQ(ev.inbound.body, "middle");
  // Every PDU is its own event: the engine's part buffer drops a repeated part.
  smsc_.send(
      deliver(603, wire::concat_udh({42, 3, 2}) + *wire::encode_gsm7("middle"), wire::esm::kUdhi));
  ASSERT_TRUE(inbound_.wait(2));
  EXPECT_NE(inbound_.events().at(1).dedupe_key, ev.dedupe_key);
}

TEST_F(SmppTest, MoWithoutASinkIsRefusedTemporarily) {
  auto c = parse_config(settings(smsc_.port()));
  ASSERT_TRUE(c);
  c->reconnect_min_ms = 10;
  SmppConnector conn(*c, clock_);  // no set_inbound_sink
  conn.start(status_);
  ASSERT_TRUE(conn.wait_bound(1, 5000));
  smsc_.send(deliver(604, "hi"));
  auto resp = smsc_.response(wire::response_id(wire::command::kDeliverSm), 604);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->command_status, wire::status::kXTAppn);
}

// ---- malformed input ----------------------------------------------------------------------------

TEST_F(SmppTest, MalformedPduGetsGenericNackAndTheSessionStays) {
  start_bound();
  // A deliver_sm whose service_type never ends (no NUL within the PDU).
  std::string bad;
  auto be32 = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) bad += static_cast<char>((v >> s) & 0xFF);
  };
  be32(24);
  be32(wire::command::kDeliverSm);
  be32(0);
  be32(700);
  bad += "ABCDEFGH";
  smsc_.send_raw(bad);
  auto nack = smsc_.response(wire::command::kGenericNack, 700);
  ASSERT_TRUE(nack);
  EXPECT_NE(nack->command_status, wire::status::kOk);
  // An unknown command gets ESME_RINVCMDID.
  std::string unknown;
  std::swap(bad, unknown);
  be32(16);
  be32(0x00000099);
  be32(0);
  be32(701);
  smsc_.send_raw(bad);
  auto nack2 = smsc_.response(wire::command::kGenericNack, 701);
  ASSERT_TRUE(nack2);
  EXPECT_EQ(nack2->command_status, wire::status::kInvCmdId);
  EXPECT_EQ(smsc_.connections(), 1);
  EXPECT_TRUE(conn_->send(message("still here"), "k"));
}

TEST_F(SmppTest, OversizedCommandLengthClosesTheSession) {
  start_bound();
  std::string huge;
  for (uint32_t v : {0x00100000u, wire::command::kDeliverSm, 0u, 1u}) {
    for (int s = 24; s >= 0; s -= 8) huge += static_cast<char>((v >> s) & 0xFF);
  }
  smsc_.send_raw(huge);
  ASSERT_TRUE(smsc_.wait_for(wire::command::kBindTransceiver, 2));
}

// ---- TLS ----------------------------------------------------------------------------------------

TEST(SmppTls, BindsAndSendsOverTlsWithTheCertificateVerified) {
  test::TlsIdentity id;
  TlsSmsc smsc(id);
  const std::string ca =
      (std::filesystem::temp_directory_path() / ("smpp-ca-" + std::to_string(::getpid()) + ".pem"))
          .string();
  id.write_cert(ca);
  auto c = parse_config(settings(smsc.port(), {{"tls", "true"}, {"tls_ca_file", ca}}));
  ASSERT_TRUE(c) << c.error().message;
  c->reconnect_min_ms = 10;
  c->reconnect_max_ms = 50;
  c->unbind_wait_ms = 300;
  ManualClock clock;
  RecordingStatusSink sink;
  SmppConnector conn(*c, clock);
  conn.start(sink);
  ASSERT_TRUE(conn.wait_bound(1, 5000));
  auto r = conn.send(message("over tls"), "k");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->provider_message_id, "TLS1");
  conn.stop();
  std::filesystem::remove(ca);
}

TEST(SmppTls, AnUntrustedCertificateIsRefusedByDefault) {
  test::TlsIdentity id;
  TlsSmsc smsc(id);
  auto c = parse_config(settings(smsc.port(), {{"tls", "true"}}));  // the system's trust store
  ASSERT_TRUE(c);
  c->reconnect_min_ms = 10;
  c->reconnect_max_ms = 50;
  ManualClock clock;
  RecordingStatusSink sink;
  SmppConnector conn(*c, clock);
  conn.start(sink);
  ASSERT_TRUE(smsc.wait([](int, int failed) { return failed >= 2; }));  // refused, retried
  EXPECT_TRUE(smsc.wait([](int binds, int) { return binds == 0; }));
  EXPECT_FALSE(conn.health_check());
}

// ---- registry and pure rules --------------------------------------------------------------------

TEST(SmppConfig, DefaultsAndRequiredKeys) {
  auto c = parse_config(settings(2775));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 2775);
  EXPECT_FALSE(c->tls);
  EXPECT_EQ(c->bind, BindMode::kTransceiver);
  EXPECT_EQ(c->binds, 1);
  EXPECT_EQ(c->window, 10);
  EXPECT_EQ(c->throughput, 0);
  EXPECT_EQ(c->enquire_link_ms, 30'000);
  EXPECT_EQ(c->response_timeout_ms, 30'000);
  EXPECT_EQ(c->reconnect_min_ms, 1'000);
  EXPECT_EQ(c->reconnect_max_ms, 60'000);
  EXPECT_EQ(c->long_messages, wire::LongMessages::kUdh);
  EXPECT_EQ(c->data_coding, DataCodingPolicy::kGsm7);
  EXPECT_EQ(c->default_alphabet, wire::Alphabet::kGsm7);
  EXPECT_EQ(c->registered_delivery, 1);
  EXPECT_EQ(c->receipt_id_format, wire::IdFormat::kAuto);
  EXPECT_EQ(c->send_timeout_ms, 3000);

  auto s = settings(2775);
  s.values.erase("host");
  auto missing = parse_config(s);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "connectors[smpp1].host");

  for (auto [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"port", "70000"},
                                                        {"bind", "receiver"},
                                                        {"window", "0"},
                                                        {"long_messages", "x"},
                                                        {"data_coding", "ucs2"},
                                                        {"tls", "maybe"},
                                                        {"enquire_link_s", "0"},
                                                        {"receipt_id_format", "b"},
                                                        {"source_ton", "300"},
                                                        {"password", "waytoolongpassword"}}) {
    auto bad = parse_config(settings(2775, {{key, value}}));
    ASSERT_FALSE(bad) << key;
    EXPECT_EQ(bad.error().field, "connectors[smpp1]." + key);
    EXPECT_EQ(bad.error().message.find("waytoolongpassword"), std::string::npos);
  }
  auto frac = parse_config(settings(2775, {{"enquire_link_s", "0.5"}}));
  ASSERT_TRUE(frac);
  EXPECT_EQ(frac->enquire_link_ms, 500);
  EXPECT_EQ(frac->response_timeout_ms, 10'000);
}

TEST(SmppConfig, TheRegistryBuildsIt) {
  const ProviderSpec* spec = find_provider("smpp");
  ASSERT_NE(spec, nullptr);
  EXPECT_TRUE(spec->capabilities.own_inbound);
  EXPECT_FALSE(spec->capabilities.number_webhooks);
  EXPECT_TRUE(spec->capabilities.carrier_throughput);
  ManualClock clock;
  struct NoHttp : HttpClient {
    HttpResponse send(const HttpRequest&) override { return {}; }
  } http;
  ConnectorDeps deps{clock, http, ""};
  auto made = providers::make_connector(settings(2775), deps);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ((*made)->provider(), "smpp");
  EXPECT_TRUE((*made)->blocking_send());
  EXPECT_TRUE(is_unsupported((*made)->find_previous_send(message("x"))));
  auto unknown = providers::make_connector(settings(2775, {{"bogus", "1"}}), deps);
  ASSERT_FALSE(unknown);
}

TEST(SmppRules, StatusTable) {
  namespace st = wire::status;
  for (uint32_t s : {st::kInvDstAdr, st::kInvSrcAdr, st::kInvDstTon, st::kInvEsmClass, 0x104u,
                     st::kXPAppn, st::kXRAppn, st::kInvMsgLen}) {
    EXPECT_EQ(classify_status(s), FailureKind::kPermanent) << s;
  }
  for (uint32_t s : {st::kSysErr, st::kSubmitFail, st::kXTAppn, st::kDeliveryFailure,
                     st::kInvBndSts, st::kBindFail, 0x0400u}) {
    EXPECT_EQ(classify_status(s), FailureKind::kTransient) << s;
  }
  EXPECT_EQ(classify_status(st::kThrottled), FailureKind::kRateLimited);
  EXPECT_EQ(classify_status(st::kMsgQFul), FailureKind::kRateLimited);
  EXPECT_TRUE(submit_failure(st::kInvSrcAdr, 1, 1).sender_refused);
  EXPECT_EQ(submit_failure(st::kInvDstAdr, 1, 1).code, wire::status_name(st::kInvDstAdr));
}

TEST(SmppRules, ReceiptStates) {
  auto with = [](wire::MessageState s) {
    wire::Receipt r;
    r.state = s;
    return status_of_receipt(r);
  };
  EXPECT_EQ(with(wire::MessageState::kDelivered), Status::kDelivered);
  EXPECT_EQ(with(wire::MessageState::kUndeliverable), Status::kUndelivered);
  EXPECT_EQ(with(wire::MessageState::kExpired), Status::kUndelivered);
  EXPECT_EQ(with(wire::MessageState::kDeleted), Status::kUndelivered);
  EXPECT_EQ(with(wire::MessageState::kUnknown), Status::kUndelivered);
  EXPECT_EQ(with(wire::MessageState::kRejected), Status::kFailed);
  EXPECT_EQ(with(wire::MessageState::kEnroute), Status::kSent);
  EXPECT_EQ(with(wire::MessageState::kAccepted), Status::kSent);
}

TEST(SmppRules, ReceiptIdIndexMatchesOtherSpellings) {
  ReceiptIdIndex idx(3);
  idx.add("1A2B3C");
  idx.add("000123");
  EXPECT_EQ(idx.find("1715004"), "1A2B3C");  // decimal receipt, hex resp
  EXPECT_EQ(idx.find("1a2b3c"), "1A2B3C");   // case
  EXPECT_EQ(idx.find("1A2B3C"), "1A2B3C");
  EXPECT_EQ(idx.find("nope"), std::nullopt);
  idx.add("A");
  idx.add("B");  // capacity 3: the oldest is forgotten
  EXPECT_EQ(idx.find("1715004"), std::nullopt);
  EXPECT_EQ(receipt_id_for("1715004", wire::IdFormat::kAsIs, idx), "1715004");
}

TEST(SmppRules, Ucs2LongBodyIsSplitOnSurrogateBoundaries) {
  SmppConfig c;
  std::string body;
  for (int i = 0; i < 40; ++i) body += "\xF0\x9F\x98\x80";  // 80 UTF-16 units
  auto plan = plan_submits(c, message(body), 7);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->parts.size(), 2u);
  EXPECT_EQ(plan->data_coding, 0x08);
  for (const auto& p : plan->parts) {
    const std::string text = wire::payload_of(p);
    EXPECT_EQ(text.size() % 4, 0u);  // whole surrogate pairs only
    EXPECT_LE(text.size(), 134u);
  }
  // Latin-1 parts hold 134 octets.
  c.data_coding = DataCodingPolicy::kLatin1;
  std::string latin(300, 'x');
  latin += "\xC3\xA9";
  auto lp = plan_submits(c, message(latin), 8);
  ASSERT_TRUE(lp);
  EXPECT_EQ(lp->data_coding, 0x03);
  ASSERT_EQ(lp->parts.size(), 3u);
  EXPECT_EQ(wire::payload_of(lp->parts[0]).size(), 134u);
}

}  // namespace
}  // namespace sb::providers::smpp
