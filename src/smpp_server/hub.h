// The SMPP server's parts and how they meet (internal to smpp_server): the Hub holds what every
// session shares (engine operations, io context, worker pool, couriers, bind slow-down); a
// Session is one ESME's TCP connection; a Courier delivers one system_id's events to its bound
// receivers. Each Session and Courier runs on its own strand; they talk by posting to each other.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/account_service.h"
#include "engine/event_stream.h"
#include "engine/message_service.h"
#include "smpp/pdu.h"
#include "smpp/text.h"
#include "smpp_server/smpp_server.h"

namespace sb::smpp_server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

class Session;
class Courier;

class Hub {
 public:
  Hub(SmppServerOptions o, engine::MessageService& m, engine::AccountService& a,
      engine::EventStream& e)
      : options(std::move(o)),
        messages(m),
        accounts(a),
        events(e),
        workers(static_cast<size_t>(std::max(1, options.workers))),
        acceptor(io),
        tls_acceptor(io) {}
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  const SmppServerOptions options;
  engine::MessageService& messages;
  engine::AccountService& accounts;
  engine::EventStream& events;
  // Declared before io: io's queued handlers hold couriers whose store strand lives in the pool,
  // so io is destroyed first.
  asio::thread_pool workers;  // password checks and store reads: never on an io thread
  asio::io_context io;
  tcp::acceptor acceptor;
  tcp::acceptor tls_acceptor;
  std::optional<asio::ssl::context> tls;  // the server's certificate and key (TLS listener on)
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};

  // The courier of `system_id` (made on first use; kept, with its cursor, for the process).
  std::shared_ptr<Courier> courier(const std::string& system_id, const std::string& account);
  // Wrong credentials from `remote`: how long to hold the failing bind_resp (200 ms, doubling per
  // failure from that address within the last minute, at most 5 s).
  std::chrono::milliseconds bind_failed(const std::string& remote);

  void track(const std::shared_ptr<Session>& s);
  void untrack(const Session* s);
  std::vector<std::shared_ptr<Session>> sessions();
  std::vector<std::shared_ptr<Courier>> all_couriers();

  // Accepts connections on `on` for ever (TLS ones when `tls_sessions`).
  void accept(tcp::acceptor& on, bool tls_sessions);

 private:
  struct Failures {
    int count = 0;
    SteadyTime last;
  };
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Courier>> couriers_;
  std::map<std::string, Failures> failures_;
  std::map<const Session*, std::weak_ptr<Session>> sessions_;
};

// One ESME connection. Public functions may be called from any thread: they post to its strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `tls`: the connection speaks TLS (handshake first, then SMPP inside it).
  Session(Hub& hub, tcp::socket socket, bool tls);

  void start();
  // Closes the connection (pending requests are reported unanswered).
  void close(const std::string& why);
  // Sends a request (deliver_sm); `done(status, answered)` runs once on the session's strand:
  // with the resp's command_status, or answered=false after response_timeout_s, when the
  // session closes, or when it was already closed.
  using ResponseDone = std::function<void(uint32_t status, bool answered)>;
  void send_request(smpp::Pdu pdu, ResponseDone done);
  std::string remote() const { return remote_; }
  // On shutdown, once no io thread runs: closes the socket where it stands.
  void shutdown_now();

 private:
  enum class State { kOpen, kBinding, kBound, kClosed };
  struct Pending {
    ResponseDone done;
    SteadyTime deadline;
  };
  // Parts of one concatenated submit, per (source, dest, reference, total).
  struct Part {
    std::string octets;
    smpp::Alphabet alphabet = smpp::Alphabet::kGsm7;
  };
  struct Group {
    enum class Phase { kCollecting, kStoring, kDone } phase = Phase::kCollecting;
    smpp::Pdu first;  // addresses and registered_delivery of the message
    std::map<uint8_t, Part> parts;
    std::vector<smpp::Pdu> waiting;  // requests answered once the message is durable
    uint32_t status = smpp::status::kOk;
    std::string message_id;
    std::unique_ptr<asio::steady_timer> timer;
  };
  using GroupKey = std::tuple<std::string, std::string, uint16_t, uint8_t>;

  void read();
  // The TCP socket under the session, TLS or not.
  tcp::socket& socket();
  void on_bytes();
  void on_pdu(std::string_view bytes);
  void on_request(const smpp::Pdu& p);
  void on_bind(const smpp::Pdu& p);
  void on_bound(const smpp::Pdu& p, const Result<std::string>& account);
  void answer_bind(const smpp::Pdu& p);
  void on_submit(const smpp::Pdu& p);
  void on_concat_part(const smpp::Pdu& p, const smpp::Concat& c, Part part);
  void store_group(const GroupKey& key);
  // Builds and sends one message; `answer(status, message_id)` runs on the strand once it is
  // durable or refused.
  void submit(const smpp::Pdu& first, std::string body,
              std::function<void(uint32_t, const std::string&)> answer);
  void answer_submit(const smpp::Pdu& request, uint32_t status, const std::string& message_id);
  bool take_token();
  uint32_t next_sequence();
  void send(const smpp::Pdu& p);
  void write();
  void tick();
  void do_close(const std::string& why);
  template <typename F>
  void on_strand(F&& f) {
    asio::post(strand_, [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
  }

  Hub& hub_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::socket socket_;                                   // plain sessions
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;  // TLS sessions
  asio::steady_timer ticker_;
  std::string remote_;
  State state_ = State::kOpen;
  bool transmitter_ = false;
  bool receiver_ = false;
  std::string system_id_;
  std::string account_;
  std::string in_;
  std::array<char, 16 * 1024> chunk_{};
  std::string out_;      // encoded PDUs waiting for the write under way
  std::string writing_;  // the write under way
  bool write_busy_ = false;
  bool close_after_flush_ = false;  // unbound: close once the unbind_resp is written
  SteadyTime write_started_;
  SteadyTime opened_at_;
  SteadyTime last_pdu_at_;  // the last whole PDU read: silence is measured from it
  SteadyTime enquire_sent_at_;
  bool enquire_outstanding_ = false;
  uint32_t next_sequence_ = 1;
  std::map<uint32_t, Pending> pending_;
  double tokens_ = 0;
  SteadyTime tokens_at_;
  std::map<GroupKey, std::shared_ptr<Group>> groups_;
};

// Delivers one system_id's events (MO messages, receipts) to its bound receivers: subscribed to
// the account's event stream from the saved cursor while a receiver is bound, deliver_sm sent
// round robin under each bind's window, failed ones retried in order, the cursor advanced over
// the prefix of events fully handled and saved at most once a second and when the last receiver
// leaves. At least once: after a crash, up to the last second's events are sent again.
class Courier : public std::enable_shared_from_this<Courier> {
 public:
  Courier(Hub& hub, std::string system_id, std::string account);

  // A receiver bound: `ready` runs once this courier listens to the account's events, so the
  // bind is answered only when nothing from then on can be missed.
  void add(std::shared_ptr<Session> s, std::function<void()> ready);
  void remove(const Session* s);
  // On shutdown (no io thread runs any more): unsubscribes and saves the cursor.
  void stop();

 private:
  class Sink;
  enum class Phase { kIdle, kLoading, kActive };
  enum class EntryState { kReady, kInFlight, kDone };
  struct Entry {
    std::string cursor;  // the event's id
    std::optional<smpp::Pdu> pdu;
    std::string what;  // for log lines: "receipt of msg_...", "MO msg_..."
    EntryState state = EntryState::kReady;
    int attempts = 0;  // unanswered or refused sends so far
    int refusals = 0;  // of which a non-OK resp
    SteadyTime not_before;
    const Session* via = nullptr;
  };
  struct Receiver {
    std::weak_ptr<Session> session;
    const Session* key = nullptr;
    int64_t in_flight = 0;
  };

  void activate();
  void loaded(uint64_t activation, const Result<std::string>& cursor);
  void deactivate();
  void subscribe(std::optional<engine::EventCursor> after);
  void on_frames();  // the sink has frames: prepare them (off the strand, in order)
  std::vector<Entry> prepare(std::vector<std::shared_ptr<const std::string>> frames) const;
  void prepared(uint64_t activation, std::vector<Entry> entries);
  void on_end(const Sink* sink, int code, const std::string& reason);
  void maybe_resubscribe();
  Receiver* pick();
  void pump();
  void on_result(uint64_t activation, uint64_t entry, const Session* via, uint32_t status,
                 bool answered);
  void settle();  // drops the done prefix, advances the cursor, saves it when due
  void save(bool now);
  void arm(SteadyTime at);
  template <typename F>
  void on_strand(F&& f) {
    asio::post(strand_, [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
  }

  Hub& hub_;
  const std::string system_id_;
  const std::string account_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::strand<asio::thread_pool::executor_type> db_;  // this courier's store calls, in order
  asio::steady_timer timer_;
  SteadyTime timer_at_ = SteadyTime::max();
  Phase phase_ = Phase::kIdle;
  uint64_t activation_ = 0;  // bumped when the last receiver leaves: late callbacks are ignored
  // Events taken from the stream and not yet handled (the sink refuses more past queue_limit).
  std::shared_ptr<std::atomic<size_t>> backlog_ = std::make_shared<std::atomic<size_t>>(0);
  std::vector<Receiver> receivers_;
  std::vector<std::function<void()>> waiting_;  // binds to answer once subscribed
  size_t next_receiver_ = 0;
  std::shared_ptr<Sink> sink_;
  std::optional<uint64_t> subscription_;
  bool preparing_ = false;
  bool resubscribe_ = false;           // the stream cut us off (too slow): resubscribe once drained
  std::optional<std::string> cursor_;  // the handled prefix ("" : none yet; nullopt: not loaded)
  std::string accepted_;               // the last event taken from the stream
  std::string saved_;
  SteadyTime saved_at_;
  std::map<uint64_t, Entry> entries_;
  uint64_t next_entry_ = 1;
};

}  // namespace sb::smpp_server
