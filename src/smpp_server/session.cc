// One ESME connection: framing and decoding, binds (checked off the io thread, failures slowed
// down), submits through the engine answered once durable, concatenated submits joined, the
// bind's throughput, keep-alive and every read bounded in time.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "smpp_server/deliveries.h"
#include "smpp_server/hub.h"
#include "smpp_server/submit_status.h"

namespace sb::smpp_server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr const char* kOurSystemId = "Switchboard";
constexpr uint8_t kInterfaceVersion = 0x34;

const char* bind_kind(uint32_t command_id) {
  switch (command_id) {
    case smpp::command::kBindReceiver:
      return "receiver";
    case smpp::command::kBindTransmitter:
      return "transmitter";
    default:
      return "transceiver";
  }
}

}  // namespace

Session::Session(Hub& hub, tcp::socket socket, bool tls)
    : hub_(hub),
      strand_(asio::make_strand(hub.io)),
      // A TLS session's socket lives inside its stream; socket_ then stays unopened.
      socket_(tls ? tcp::socket(hub.io) : std::move(socket)),
      tls_(tls ? std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket), *hub.tls)
               : nullptr),
      ticker_(strand_) {
  boost::system::error_code ec;
  const auto ep = this->socket().remote_endpoint(ec);
  remote_ = ec ? std::string("?") : ep.address().to_string();
  opened_at_ = last_pdu_at_ = tokens_at_ = steady_clock::now();
}

tcp::socket& Session::socket() { return tls_ ? tls_->next_layer() : socket_; }

void Session::start() {
  on_strand([this] {
    hub_.track(shared_from_this());
    tick();  // the bind timeout also bounds a handshake that never ends
    if (!tls_) return read();
    tls_->async_handshake(asio::ssl::stream_base::server,
                          asio::bind_executor(strand_, [this, self = shared_from_this()](
                                                           const boost::system::error_code& ec) {
                            if (state_ == State::kClosed) return;
                            if (ec) return do_close("TLS handshake failed: " + ec.message());
                            read();
                          }));
  });
}

void Session::close(const std::string& why) {
  on_strand([this, why] { do_close(why); });
}

void Session::shutdown_now() {
  boost::system::error_code ec;
  socket().close(ec);
  state_ = State::kClosed;
}

void Session::send_request(smpp::Pdu pdu, ResponseDone done) {
  on_strand([this, pdu = std::move(pdu), done = std::move(done)]() mutable {
    if (state_ != State::kBound) return done(0, false);
    pdu.sequence = next_sequence();
    pending_[pdu.sequence] = {std::move(done),
                              steady_clock::now() + seconds(hub_.options.response_timeout_s)};
    send(pdu);
  });
}

uint32_t Session::next_sequence() {
  const uint32_t s = next_sequence_;
  next_sequence_ = next_sequence_ >= 0x7FFFFFFF ? 1 : next_sequence_ + 1;
  return s;
}

void Session::read() {
  auto done = asio::bind_executor(
      strand_, [this, self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
        if (state_ == State::kClosed) return;
        if (ec) return do_close(ec == asio::error::eof ? "closed by the peer" : ec.message());
        in_.append(chunk_.data(), n);
        on_bytes();
      });
  if (tls_) {
    tls_->async_read_some(asio::buffer(chunk_), std::move(done));
  } else {
    socket_.async_read_some(asio::buffer(chunk_), std::move(done));
  }
}

void Session::on_bytes() {
  while (state_ != State::kClosed) {
    const auto length = smpp::frame_length(in_);
    if (!length) break;
    // Checked before waiting for the octets: a huge command_length must not make us buffer it.
    if (*length < smpp::kHeaderSize || *length > hub_.options.max_pdu_size) {
      spdlog::warn("smpp: {} ({}) sent a command_length of {} (allowed {}-{}): closing",
                   system_id_.empty() ? "-" : system_id_, remote_, *length, smpp::kHeaderSize,
                   hub_.options.max_pdu_size);
      return do_close("bad command_length");
    }
    if (in_.size() < *length) break;
    const std::string bytes = in_.substr(0, *length);
    in_.erase(0, *length);
    on_pdu(bytes);
  }
  if (state_ != State::kClosed) read();
}

void Session::on_pdu(std::string_view bytes) {
  last_pdu_at_ = steady_clock::now();
  auto decoded = smpp::decode(bytes);
  if (!decoded.pdu) {
    const auto& e = decoded.error;
    if (smpp::is_response(e.command_id)) {
      // A response we cannot read still answers its request: as a refusal.
      if (auto it = pending_.find(e.sequence); it != pending_.end()) {
        auto done = std::move(it->second.done);
        pending_.erase(it);
        done(e.command_status, true);
      }
      spdlog::info("smpp: {} ({}) sent an unreadable {}: {}", system_id_, remote_,
                   smpp::command_name(e.command_id), e.message);
      return;
    }
    spdlog::info("smpp: {} ({}) sent an unreadable {} (sequence {}): {}; generic_nack {}",
                 system_id_.empty() ? "-" : system_id_, remote_, smpp::command_name(e.command_id),
                 e.sequence, e.message, smpp::status_name(e.command_status));
    return send(smpp::generic_nack(e.sequence, e.command_status));
  }
  const smpp::Pdu& p = *decoded.pdu;
  if (smpp::is_response(p.command_id)) {
    if (p.command_id == smpp::response_id(smpp::command::kEnquireLink)) {
      enquire_outstanding_ = false;
    }
    if (auto it = pending_.find(p.sequence); it != pending_.end()) {
      auto done = std::move(it->second.done);
      pending_.erase(it);
      done(p.command_status, true);
    }
    if (p.command_id == smpp::response_id(smpp::command::kUnbind)) {
      do_close("unbind answered");
    }
    return;
  }
  on_request(p);
}

void Session::on_request(const smpp::Pdu& p) {
  switch (p.command_id) {
    case smpp::command::kBindReceiver:
    case smpp::command::kBindTransmitter:
    case smpp::command::kBindTransceiver:
      return on_bind(p);
    case smpp::command::kEnquireLink:
      return send(smpp::response_to(p));
    default:
      break;
  }
  if (state_ != State::kBound) {
    spdlog::info("smpp: {} before bind from {}: ESME_RINVBNDSTS", smpp::command_name(p.command_id),
                 remote_);
    return send(smpp::response_to(p, smpp::status::kInvBndSts));
  }
  switch (p.command_id) {
    case smpp::command::kUnbind:
      send(smpp::response_to(p));
      close_after_flush_ = true;
      if (!write_busy_ && out_.empty()) do_close("unbound");
      return;
    case smpp::command::kSubmitSm:
    case smpp::command::kDataSm:
      return on_submit(p);
    default:
      // query_sm, cancel_sm, replace_sm, submit_multi, ...: not offered.
      spdlog::info("smpp: {} sent {}, which is not supported: generic_nack ESME_RINVCMDID",
                   system_id_, smpp::command_name(p.command_id));
      return send(smpp::generic_nack(p.sequence, smpp::status::kInvCmdId));
  }
}

void Session::on_bind(const smpp::Pdu& p) {
  if (state_ == State::kBound || state_ == State::kBinding) {
    return send(smpp::response_to(p, smpp::status::kAlyBnd));
  }
  state_ = State::kBinding;
  // Argon2id takes tens of milliseconds of CPU: never on an io thread.
  asio::post(hub_.workers, [this, self = shared_from_this(), p] {
    auto account = hub_.accounts.smpp_authenticate(p.system_id, p.password);
    on_strand([this, p, account = std::move(account)] { on_bound(p, account); });
  });
}

void Session::on_bound(const smpp::Pdu& p, const Result<std::string>& account) {
  if (state_ == State::kClosed) return;
  if (!account) {
    milliseconds delay{0};
    if (account.error().code == "unauthorized") {
      delay = hub_.bind_failed(remote_);
      spdlog::warn(
          "smpp: bind_{} as '{}' from {} refused: wrong system_id or password (answer "
          "held {} ms)",
          bind_kind(p.command_id), p.system_id, remote_, delay.count());
    } else {
      spdlog::error("smpp: bind_{} as '{}' from {} failed: {} ({})", bind_kind(p.command_id),
                    p.system_id, remote_, account.error().code, account.error().message);
    }
    // Still kBinding while the answer is held: a pipelined bind gets ESME_RALYBND, not a
    // password check of its own.
    auto timer = std::make_shared<asio::steady_timer>(strand_, delay);
    timer->async_wait(asio::bind_executor(
        strand_, [this, self = shared_from_this(), timer, p](const boost::system::error_code&) {
          if (state_ == State::kClosed) return;
          state_ = State::kOpen;
          send(smpp::response_to(p, smpp::status::kBindFail));
        }));
    return;
  }
  state_ = State::kBound;
  system_id_ = p.system_id;
  account_ = *account;
  transmitter_ = p.command_id != smpp::command::kBindReceiver;
  receiver_ = p.command_id != smpp::command::kBindTransmitter;
  tokens_ = static_cast<double>(hub_.options.bind_throughput);
  tokens_at_ = steady_clock::now();
  spdlog::info("smpp: {} bound as a {} (account {}) from {}", system_id_, bind_kind(p.command_id),
               account_, remote_);
  if (!receiver_) return answer_bind(p);
  hub_.courier(system_id_, account_)->add(shared_from_this(), [this, self = shared_from_this(), p] {
    on_strand([this, p] { answer_bind(p); });
  });
}

void Session::answer_bind(const smpp::Pdu& p) {
  smpp::Pdu resp = smpp::response_to(p);
  resp.system_id = kOurSystemId;
  resp.set_tlv_int(smpp::tag::kScInterfaceVersion, kInterfaceVersion, 1);
  send(resp);
}

bool Session::take_token() {
  const double rate = static_cast<double>(hub_.options.bind_throughput);
  if (rate <= 0) return true;
  const auto now = steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - tokens_at_).count();
  tokens_at_ = now;
  // A second's worth of burst: a bind that was quiet may send `rate` at once.
  tokens_ = std::min(rate, tokens_ + elapsed * rate);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void Session::on_submit(const smpp::Pdu& p) {
  if (!transmitter_) {
    spdlog::info("smpp: {} sent {} on a receiver bind: ESME_RINVBNDSTS", system_id_,
                 smpp::command_name(p.command_id));
    return send(smpp::response_to(p, smpp::status::kInvBndSts));
  }
  if (!take_token()) {
    spdlog::info("smpp: {} is over its {} submits/s: ESME_RTHROTTLED", system_id_,
                 hub_.options.bind_throughput);
    return send(smpp::response_to(p, smpp::status::kThrottled));
  }
  Part part{smpp::payload_of(p), smpp::alphabet_of(p.data_coding)};
  if (part.alphabet == smpp::Alphabet::kBinary) {
    spdlog::info(
        "smpp: {} submitted binary data (data_coding 0x{:02x}), which SMS text cannot "
        "carry: ESME_RSUBMITFAIL",
        system_id_, p.data_coding);
    return answer_submit(p, smpp::status::kSubmitFail, "");
  }
  if (auto c = smpp::concat_of(p); c && c->total > 1) {
    return on_concat_part(p, *c, std::move(part));
  }
  submit(p, smpp::decode_text(part.octets, part.alphabet),
         [this, p](uint32_t status, const std::string& id) { answer_submit(p, status, id); });
}

void Session::on_concat_part(const smpp::Pdu& p, const smpp::Concat& c, Part part) {
  const GroupKey key{p.source.addr, p.dest.addr, c.reference, c.total};
  auto it = groups_.find(key);
  if (it != groups_.end() && it->second->phase == Group::Phase::kDone) {
    const auto& g = *it->second;
    if (auto same = g.parts.find(c.seq);
        same != g.parts.end() && same->second.octets == part.octets) {
      return answer_submit(p, g.status, g.message_id);  // a repeat of a part already answered
    }
    groups_.erase(it);  // the reference came round again: a new message
    it = groups_.end();
  }
  if (it == groups_.end()) {
    auto g = std::make_shared<Group>();
    g->first = p;
    g->timer =
        std::make_unique<asio::steady_timer>(strand_, milliseconds(hub_.options.concat_timeout_ms));
    g->timer->async_wait(asio::bind_executor(
        strand_,
        [this, self = shared_from_this(), key, raw = g.get()](const boost::system::error_code& ec) {
          if (ec || state_ == State::kClosed) return;
          auto found = groups_.find(key);
          if (found == groups_.end() || found->second.get() != raw) return;
          if (raw->phase == Group::Phase::kCollecting) store_group(key);
        }));
    it = groups_.emplace(key, std::move(g)).first;
  }
  Group& g = *it->second;
  g.waiting.push_back(p);  // answered with the group's result, a repeated part too
  if (g.phase != Group::Phase::kCollecting) return;
  if (c.seq == 1) g.first = p;
  g.parts.emplace(c.seq, std::move(part));
  if (g.parts.size() == c.total) store_group(key);
}

void Session::store_group(const GroupKey& key) {
  auto g = groups_.at(key);
  g->phase = Group::Phase::kStoring;
  g->timer->cancel();
  const size_t total = std::get<3>(key);
  if (g->parts.size() < total) {
    spdlog::info("smpp: {}: concatenated message {} has {} of {} parts after {} ms; storing those",
                 system_id_, std::get<2>(key), g->parts.size(), total,
                 hub_.options.concat_timeout_ms);
  }
  // Joined as octets when the parts share an alphabet: a GSM-7 escape or a UCS-2 surrogate pair
  // may be split across parts.
  const bool one_alphabet = std::all_of(g->parts.begin(), g->parts.end(), [&](const auto& kv) {
    return kv.second.alphabet == g->parts.begin()->second.alphabet;
  });
  std::string body;
  if (one_alphabet) {
    std::string octets;
    for (const auto& [_, part] : g->parts) octets += part.octets;
    body = smpp::decode_text(octets, g->parts.begin()->second.alphabet);
  } else {
    for (const auto& [_, part] : g->parts) body += smpp::decode_text(part.octets, part.alphabet);
  }
  submit(g->first, std::move(body), [this, key, g](uint32_t status, const std::string& id) {
    g->phase = Group::Phase::kDone;
    g->status = status;
    g->message_id = id;
    for (const auto& w : g->waiting) answer_submit(w, status, id);
    g->waiting.clear();
    if (state_ == State::kClosed) return;
    // Kept a while to answer a repeated part with the same id, then forgotten.
    g->timer->expires_after(milliseconds(hub_.options.concat_timeout_ms));
    g->timer->async_wait(asio::bind_executor(
        strand_,
        [this, self = shared_from_this(), key, raw = g.get()](const boost::system::error_code& ec) {
          if (ec) return;
          auto found = groups_.find(key);
          if (found != groups_.end() && found->second.get() == raw) groups_.erase(found);
        }));
  });
}

void Session::submit(const smpp::Pdu& first, std::string body,
                     std::function<void(uint32_t, const std::string&)> answer) {
  engine::SendRequest req;
  req.to = smpp::number_from(first.dest);
  // An empty source: the engine picks the account's sender.
  if (!first.source.addr.empty()) req.from = smpp::number_from(first.source);
  req.body = std::move(body);
  if ((first.registered_delivery & 0x03) != 0) {
    // How the receipt finds its way back to this system_id's receivers (Courier).
    req.metadata[kMetaSystemId] = system_id_;
    req.metadata[kMetaRegisteredDelivery] = std::to_string(first.registered_delivery);
  }
  const std::string to = req.to;
  hub_.messages.send(
      account_, req,
      [this, self = shared_from_this(), answer = std::move(answer), to](auto r) mutable {
        uint32_t status = smpp::status::kOk;
        std::string id;
        if (!r) {
          status = submit_status_for(r.error());
          spdlog::info("smpp: submit from {} to {} refused: {} ({}): {}", system_id_, to,
                       r.error().code, r.error().message, smpp::status_name(status));
        } else {
          id = r->message.id;
          spdlog::debug("smpp: message {} submitted by {}", id, system_id_);
        }
        on_strand([answer = std::move(answer), status, id = std::move(id)] { answer(status, id); });
      });
}

void Session::answer_submit(const smpp::Pdu& request, uint32_t status,
                            const std::string& message_id) {
  if (state_ == State::kClosed) return;
  smpp::Pdu resp = smpp::response_to(request, status);
  if (status == smpp::status::kOk) resp.message_id = message_id;
  send(resp);
}

void Session::send(const smpp::Pdu& p) {
  if (state_ == State::kClosed) return;
  out_ += smpp::encode(p);
  write();
}

void Session::write() {
  if (write_busy_ || out_.empty() || state_ == State::kClosed) return;
  writing_.swap(out_);
  out_.clear();
  write_busy_ = true;
  write_started_ = steady_clock::now();
  auto done = asio::bind_executor(
      strand_, [this, self = shared_from_this()](const boost::system::error_code& ec, size_t) {
        write_busy_ = false;
        writing_.clear();
        if (state_ == State::kClosed) return;
        if (ec) return do_close("write failed: " + ec.message());
        if (close_after_flush_ && out_.empty()) return do_close("unbound");
        write();
      });
  if (tls_) {
    asio::async_write(*tls_, asio::buffer(writing_), std::move(done));
  } else {
    asio::async_write(socket_, asio::buffer(writing_), std::move(done));
  }
}

void Session::tick() {
  if (state_ == State::kClosed) return;
  const auto now = steady_clock::now();
  const auto enquire = seconds(std::max<int64_t>(1, hub_.options.enquire_link_s));
  if (state_ != State::kBound && now - opened_at_ > seconds(hub_.options.bind_timeout_s)) {
    spdlog::info("smpp: {} did not bind within {} s: closing", remote_,
                 hub_.options.bind_timeout_s);
    return do_close("no bind");
  }
  if (state_ == State::kBound) {
    const auto silent = now - last_pdu_at_;
    if (silent > 3 * enquire) {
      spdlog::info("smpp: {} ({}) silent for {} s: closing", system_id_, remote_,
                   std::chrono::duration_cast<seconds>(silent).count());
      return do_close("silent");
    }
    if (silent >= enquire && (!enquire_outstanding_ || now - enquire_sent_at_ >= enquire)) {
      smpp::Pdu ping;
      ping.command_id = smpp::command::kEnquireLink;
      ping.sequence = next_sequence();
      enquire_outstanding_ = true;
      enquire_sent_at_ = now;
      send(ping);
    }
  }
  if (write_busy_ && now - write_started_ > 3 * enquire) {
    spdlog::info("smpp: {} ({}) has not read for {} s: closing", system_id_, remote_,
                 3 * enquire.count());
    return do_close("not reading");
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    auto done = std::move(it->second.done);
    it = pending_.erase(it);
    done(0, false);
  }
  ticker_.expires_after(seconds(1));
  ticker_.async_wait(asio::bind_executor(
      strand_, [this, self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) tick();
      }));
}

void Session::do_close(const std::string& why) {
  if (state_ == State::kClosed) return;
  const bool was_receiver = state_ == State::kBound && receiver_;
  state_ = State::kClosed;
  spdlog::info("smpp: session {} ({}) closed: {}", system_id_.empty() ? "-" : system_id_, remote_,
               why);
  boost::system::error_code ec;
  socket().shutdown(tcp::socket::shutdown_both, ec);
  socket().close(ec);
  ticker_.cancel();
  for (auto& [_, g] : groups_) g->timer->cancel();
  groups_.clear();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [_, p] : pending) p.done(0, false);
  if (was_receiver) hub_.courier(system_id_, account_)->remove(this);
  hub_.untrack(this);
}

}  // namespace sb::smpp_server
