// The SMPP server against the real binary, through a small blocking ESME written on sb_smpp's
// encoder and decoder: binds (wrong and right password), durable submits with their receipts,
// concatenated submits joined, throttling, malformed and unknown PDUs, MO messages, and a receipt
// held until the app's receiver binds.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <map>
#include <regex>
#include <thread>

#include "smpp/pdu.h"
#include "smpp/text.h"
#include "support/gateway.h"
#include "support/node_peer.h"
#include "support/tls_identity.h"

namespace sb::test {
namespace {

using namespace std::chrono_literals;
using smpp::Pdu;

// A blocking ESME over one TCP connection. It answers the server's enquire_link by itself and
// keeps deliver_sm that arrive while it waits for something else.
class Esme {
 public:
  explicit Esme(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      throw std::runtime_error("cannot connect to the SMPP server");
    }
  }
  ~Esme() { ::close(fd_); }

  uint32_t next_sequence() { return sequence_++; }

  void send_raw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      off += static_cast<size_t>(n);
    }
  }
  // Sends `p` with a fresh sequence number (returned).
  uint32_t send(Pdu p) {
    p.sequence = next_sequence();
    send_raw(smpp::encode(p));
    return p.sequence;
  }

  // The next PDU from the server, or nullopt after `timeout` (or when the server closed).
  std::optional<Pdu> read(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto len = smpp::frame_length(in_); len && in_.size() >= *len) {
        auto d = smpp::decode(std::string_view(in_).substr(0, *len));
        in_.erase(0, *len);
        if (!d.pdu) throw std::runtime_error("undecodable PDU from the server: " + d.error.message);
        if (d.pdu->command_id == smpp::command::kEnquireLink) {
          send_raw(smpp::encode(smpp::response_to(*d.pdu)));
          continue;
        }
        return d.pdu;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      in_.append(buf, static_cast<size_t>(n));
    }
  }

  // The response to `sequence` (other responses and deliver_sm that come meanwhile are kept:
  // responses come in the order their work finishes, not the order of the requests).
  Pdu response(uint32_t sequence, std::chrono::milliseconds timeout = 10s) {
    if (auto it = responses_.find(sequence); it != responses_.end()) {
      Pdu p = it->second;
      responses_.erase(it);
      return p;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto p = read(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!p) break;
      if (p->command_id == smpp::command::kDeliverSm) {
        delivered_.push_back(*p);
        continue;
      }
      if (p->sequence == sequence) return *p;
      responses_[p->sequence] = *p;
    }
    throw std::runtime_error("no response to sequence " + std::to_string(sequence));
  }
  Pdu call(const Pdu& p, std::chrono::milliseconds timeout = 10s) {
    return response(send(p), timeout);
  }

  // The next deliver_sm the server sends (not answered: the caller does).
  std::optional<Pdu> next_deliver(std::chrono::milliseconds timeout = 20s) {
    if (!delivered_.empty()) {
      Pdu p = delivered_.front();
      delivered_.pop_front();
      return p;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto p = read(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!p) return std::nullopt;
      if (p->command_id == smpp::command::kDeliverSm) return p;
    }
    return std::nullopt;
  }
  void answer(const Pdu& deliver, uint32_t status = smpp::status::kOk) {
    send_raw(smpp::encode(smpp::response_to(deliver, status)));
  }

  Pdu bind(uint32_t command_id, const std::string& system_id, const std::string& password) {
    Pdu p;
    p.command_id = command_id;
    p.system_id = system_id;
    p.password = password;
    p.system_type = "test";
    return call(p);
  }
  void unbind() {
    Pdu p;
    p.command_id = smpp::command::kUnbind;
    auto r = call(p);
    EXPECT_EQ(r.command_id, smpp::response_id(smpp::command::kUnbind));
  }

 private:
  int fd_ = -1;
  uint32_t sequence_ = 1;
  std::string in_;
  std::deque<Pdu> delivered_;
  std::map<uint32_t, Pdu> responses_;
};

Pdu submit_sm(const std::string& from, const std::string& to, const std::string& text,
              uint8_t registered_delivery = 0) {
  Pdu p;
  p.command_id = smpp::command::kSubmitSm;
  p.source = smpp::address_for(from);
  p.dest = smpp::address_for(to);
  p.registered_delivery = registered_delivery;
  p.data_coding = smpp::dcs::kSmscDefault;
  p.short_message = *smpp::encode_gsm7(text);
  return p;
}

// Writes `v` big-endian at `at` (a header field of a hand-made PDU).
void put_u32(std::string& bytes, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
}

std::string tlv_string(const Pdu& p, uint16_t tag) {
  const smpp::Tlv* t = p.tlv(tag);
  if (!t) return "";
  return t->value.substr(0, t->value.find('\0'));
}

// A gateway with the SMPP server on, an API key and SMPP credentials of account acme.
struct SmppGateway {
  explicit SmppGateway(const std::string& smpp_toml = {})
      : gw(Backend::kSqlite, "[smpp]\nlisten = \"127.0.0.1:0\"\nenquire_link_s = 5\n" + smpp_toml) {
    key = gw.create_key("acme");
    auto r = run_command({switchboard_bin(), "smpp-credentials", "--account", "acme", "--json",
                          "--config", gw.config_path()});
    if (r.exit_code != 0) throw std::runtime_error("smpp-credentials failed: " + r.out);
    auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
    system_id = j["system_id"];
    password = j["password"];
    gw.start();
    std::smatch m;
    const std::regex re("smpp: listening on [0-9.]+:([0-9]+)");
    wait_until(
        [&] {
          log = gw.server_log();
          return std::regex_search(log, m, re);
        },
        10s);
    if (m.empty()) throw std::runtime_error("no 'smpp: listening on' line in the log");
    port = std::stoi(m[1]);
  }
  std::unique_ptr<Esme> bound(uint32_t command_id) {
    auto e = std::make_unique<Esme>(port);
    auto r = e->bind(command_id, system_id, password);
    if (r.command_status != smpp::status::kOk) {
      throw std::runtime_error("bind refused: " + smpp::status_name(r.command_status));
    }
    return e;
  }

  TestGateway gw;
  std::string key;
  std::string system_id;
  std::string password;
  std::string log;
  int port = 0;
};

TEST(SmppServerTest, AWrongPasswordIsRefusedAndTheRightOneBinds) {
  SmppGateway g;
  {
    Esme e(g.port);
    auto r = e.bind(smpp::command::kBindTransceiver, g.system_id, "wrong");
    EXPECT_EQ(r.command_id, smpp::response_id(smpp::command::kBindTransceiver));
    EXPECT_EQ(r.command_status, smpp::status::kBindFail);
  }
  Esme e(g.port);
  auto r = e.bind(smpp::command::kBindTransceiver, g.system_id, g.password);
  EXPECT_EQ(r.command_status, smpp::status::kOk);
  EXPECT_EQ(r.system_id, "Switchboard");
  EXPECT_EQ(r.tlv_int(smpp::tag::kScInterfaceVersion), 0x34u);
  // Bound already.
  auto again = e.bind(smpp::command::kBindTransmitter, g.system_id, g.password);
  EXPECT_EQ(again.command_status, smpp::status::kAlyBnd);
  EXPECT_NE(g.gw.server_log().find("wrong system_id or password"), std::string::npos);
  e.unbind();
}

TEST(SmppServerTest, ASubmitIsDurableAndItsReceiptReachesTheTransceiver) {
  SmppGateway g;
  auto e = g.bound(smpp::command::kBindTransceiver);
  auto r = e->call(submit_sm("+12025550100", "+12025550123", "Hello from SMPP @ 10:00", 1));
  ASSERT_EQ(r.command_status, smpp::status::kOk) << smpp::status_name(r.command_status);
  ASSERT_EQ(r.message_id.rfind("msg_", 0), 0u) << r.message_id;
  const std::string id = r.message_id;
  auto m = g.gw.get("/v1/messages/" + id, g.key);
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.json["body"], "Hello from SMPP @ 10:00");
  EXPECT_EQ(m.json["to"], "+12025550123");
  EXPECT_EQ(m.json["from"], "+12025550100");
  EXPECT_EQ(m.json["metadata"]["smpp_system_id"], g.system_id);

  auto d = e->next_deliver();
  ASSERT_TRUE(d) << "no receipt";
  EXPECT_EQ(d->esm_class & smpp::esm::kMessageTypeMask, smpp::esm::kDeliveryReceipt);
  EXPECT_EQ(tlv_string(*d, smpp::tag::kReceiptedMessageId), id);
  EXPECT_EQ(d->tlv_int(smpp::tag::kMessageState),
            static_cast<uint32_t>(smpp::MessageState::kDelivered));
  auto text = smpp::parse_receipt_text(smpp::decode_text(d->short_message, smpp::Alphabet::kGsm7));
  EXPECT_EQ(text.stat, "DELIVRD");
  EXPECT_EQ(text.id, id);
  EXPECT_EQ(text.dlvrd, "001");
  EXPECT_EQ(d->source.addr, "12025550123");  // the receipt comes from the recipient
  e->answer(*d);
  EXPECT_EQ(g.gw.get("/v1/messages/" + id, g.key).json["status"], "delivered");
  e->unbind();
}

TEST(SmppServerTest, TwoUdhPartsBecomeOneMessageAnsweredWithOneId) {
  SmppGateway g;
  auto e = g.bound(smpp::command::kBindTransmitter);
  const std::string a = "The first half of a long message, ";
  const std::string b = "and the second half.";
  uint32_t seqs[2];
  for (int i = 0; i < 2; ++i) {
    Pdu p = submit_sm("+12025550100", "+12025550123", "");
    p.esm_class = smpp::esm::kUdhi;
    p.short_message = smpp::concat_udh({0x42, 2, static_cast<uint8_t>(i + 1)}) +
                      *smpp::encode_gsm7(i == 0 ? a : b);
    seqs[i] = e->send(p);
  }
  auto r1 = e->response(seqs[0]);
  auto r2 = e->response(seqs[1]);
  ASSERT_EQ(r1.command_status, smpp::status::kOk);
  ASSERT_EQ(r2.command_status, smpp::status::kOk);
  EXPECT_EQ(r1.message_id, r2.message_id);
  auto m = g.gw.get("/v1/messages/" + r1.message_id, g.key);
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.json["body"], a + b);
  auto list = g.gw.get("/v1/messages?direction=outbound", g.key);
  EXPECT_EQ(list.json["data"].size(), 1u) << list.body;
}

TEST(SmppServerTest, SubmitsOverTheBindThroughputAreThrottledAndNotStored) {
  SmppGateway g("bind_throughput = 2\n");
  auto e = g.bound(smpp::command::kBindTransmitter);
  std::vector<uint32_t> seqs;
  for (int i = 0; i < 5; ++i) {
    std::string text = "number ";
    text += std::to_string(i);
    seqs.push_back(e->send(submit_sm("+12025550100", "+12025550123", text)));
  }
  int ok = 0, throttled = 0;
  for (auto s : seqs) {
    auto r = e->response(s);
    if (r.command_status == smpp::status::kOk) ++ok;
    if (r.command_status == smpp::status::kThrottled) ++throttled;
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(throttled, 1);
  EXPECT_EQ(ok + throttled, 5);
  auto list = g.gw.get("/v1/messages?direction=outbound", g.key);
  EXPECT_EQ(static_cast<int>(list.json["data"].size()), ok) << list.body;
}

TEST(SmppServerTest, MalformedAndUnknownPdusAreNackedAndTheSessionGoesOn) {
  SmppGateway g;
  {
    // Before bind: refused as such.
    Esme early(g.port);
    auto r = early.call(submit_sm("+12025550100", "+12025550123", "too early"));
    EXPECT_EQ(r.command_status, smpp::status::kInvBndSts);
  }
  auto e = g.bound(smpp::command::kBindTransceiver);
  // A submit_sm whose sm_length runs past the end of the PDU.
  std::string bytes = smpp::encode(submit_sm("+12025550100", "+12025550123", "hello"));
  bytes.resize(bytes.size() - 3);
  const uint32_t seq = e->next_sequence();
  put_u32(bytes, 0, static_cast<uint32_t>(bytes.size()));
  put_u32(bytes, 12, seq);
  e->send_raw(bytes);
  auto nack = e->response(seq);
  EXPECT_EQ(nack.command_id, smpp::command::kGenericNack);
  EXPECT_NE(nack.command_status, smpp::status::kOk);

  // An unknown command id.
  std::string unknown(16, '\0');
  const uint32_t useq = e->next_sequence();
  put_u32(unknown, 0, 16);
  put_u32(unknown, 4, 0x00000099);
  put_u32(unknown, 12, useq);
  e->send_raw(unknown);
  auto nack2 = e->response(useq);
  EXPECT_EQ(nack2.command_id, smpp::command::kGenericNack);
  EXPECT_EQ(nack2.command_status, smpp::status::kInvCmdId);

  Pdu ping;
  ping.command_id = smpp::command::kEnquireLink;
  auto pong = e->call(ping);
  EXPECT_EQ(pong.command_id, smpp::response_id(smpp::command::kEnquireLink));
  EXPECT_EQ(pong.command_status, smpp::status::kOk);
  // Nothing of the broken submit was stored.
  EXPECT_EQ(g.gw.get("/v1/messages", g.key).json["data"].size(), 0u);
}

TEST(SmppServerTest, AnInboundMessageReachesTheBoundReceiver) {
  SmppGateway g;
  auto e = g.bound(smpp::command::kBindReceiver);
  auto in = g.gw.post_json(
      "/v1/sim/inbound", g.key,
      {{"from", "+12025550124"}, {"to", "+12025550100"}, {"body", "Hi there, Switchboard!"}});
  ASSERT_EQ(in.status, 201) << in.body;
  auto d = e->next_deliver();
  ASSERT_TRUE(d) << "no MO deliver_sm";
  EXPECT_EQ(d->esm_class, 0);
  EXPECT_EQ(d->data_coding, smpp::dcs::kSmscDefault);
  EXPECT_EQ(d->source.addr, "12025550124");
  EXPECT_EQ(d->source.ton, smpp::ton::kInternational);
  EXPECT_EQ(d->dest.addr, "12025550100");
  EXPECT_EQ(smpp::decode_text(smpp::payload_of(*d), smpp::Alphabet::kGsm7),
            "Hi there, Switchboard!");
  e->answer(*d);
  // A receiver bind may not submit.
  auto r = e->call(submit_sm("+12025550100", "+12025550123", "no"));
  EXPECT_EQ(r.command_status, smpp::status::kInvBndSts);
  e->unbind();
}

TEST(SmppServerTest, AReceiptWaitsUntilTheReceiverBinds) {
  SmppGateway g;
  {
    // The system_id's receivers have been bound before: deliveries resume where they left.
    auto rx = g.bound(smpp::command::kBindReceiver);
    auto in = g.gw.post_json("/v1/sim/inbound", g.key,
                             {{"from", "+12025550124"}, {"to", "+12025550100"}, {"body", "ping"}});
    ASSERT_EQ(in.status, 201) << in.body;
    auto d = rx->next_deliver();
    ASSERT_TRUE(d);
    rx->answer(*d);
    // Let the courier see the answer (and the conversation event) before the unbind.
    std::this_thread::sleep_for(500ms);
    rx->unbind();
  }
  std::string id;
  {
    auto tx = g.bound(smpp::command::kBindTransmitter);
    auto r = tx->call(submit_sm("+12025550100", "+12025550123", "receipt later", 1));
    ASSERT_EQ(r.command_status, smpp::status::kOk);
    id = r.message_id;
    tx->unbind();
  }
  ASSERT_EQ(g.gw.wait_for_status(id, g.key, "delivered")["status"], "delivered");
  auto rx = g.bound(smpp::command::kBindReceiver);
  std::optional<Pdu> receipt;
  for (int i = 0; i < 5 && !receipt; ++i) {
    auto d = rx->next_deliver();
    ASSERT_TRUE(d) << "no receipt after the bind";
    rx->answer(*d);
    if ((d->esm_class & smpp::esm::kMessageTypeMask) == smpp::esm::kDeliveryReceipt) receipt = d;
  }
  ASSERT_TRUE(receipt);
  EXPECT_EQ(tlv_string(*receipt, smpp::tag::kReceiptedMessageId), id);
  // Stopping with a receiver bound closes it and leaves cleanly.
  EXPECT_EQ(g.gw.terminate(), 0);
  EXPECT_FALSE(rx->read(2s));
}

TEST(SmppServerTest, AnIncompleteConcatenatedSubmitIsStoredAfterTheTimeout) {
  SmppGateway g("concat_timeout_ms = 300\n");
  auto e = g.bound(smpp::command::kBindTransmitter);
  Pdu p = submit_sm("+12025550100", "+12025550123", "");
  p.esm_class = smpp::esm::kUdhi;
  p.short_message = smpp::concat_udh({7, 3, 1}) + *smpp::encode_gsm7("only the first part");
  auto r = e->call(p);
  ASSERT_EQ(r.command_status, smpp::status::kOk);
  // The same part again: answered with the same message.
  auto again = e->call(p);
  EXPECT_EQ(again.command_status, smpp::status::kOk);
  EXPECT_EQ(again.message_id, r.message_id);
  auto m = g.gw.get("/v1/messages/" + r.message_id, g.key);
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.json["body"], "only the first part");
}

TEST(SmppServerTest, EngineRefusalsMapToCommandStatuses) {
  SmppGateway g;
  auto e = g.bound(smpp::command::kBindTransmitter);
  // A sender that is not the account's.
  auto r = e->call(submit_sm("+12025550199", "+12025550123", "not mine"));
  EXPECT_EQ(r.command_status, smpp::status::kInvSrcAdr);
  // An empty source: the account's default sender.
  auto d = e->call(submit_sm("", "+12025550123", "default sender"));
  ASSERT_EQ(d.command_status, smpp::status::kOk);
  EXPECT_EQ(g.gw.get("/v1/messages/" + d.message_id, g.key).json["from"], "+12025550100");
  // A recipient that is not a number.
  auto bad = e->call(submit_sm("+12025550100", "12", "to nowhere"));
  EXPECT_EQ(bad.command_status, smpp::status::kInvDstAdr);
  EXPECT_NE(g.gw.server_log().find("ESME_RINVSRCADR"), std::string::npos);
}

// --- The same server with an independent client: the npm `smpp` package (tests/sdk/smpp_esme.js)

using nlohmann::json;

bool named(const json& e, const std::string& name) { return e.value("event", "") == name; }

// The npm ESME bound to `g` as `bind_type` (its bind_resp checked by the caller).
std::unique_ptr<NodePeer> npm_esme(const SmppGateway& g, const std::string& bind_type,
                                   const std::string& password) {
  return std::make_unique<NodePeer>(
      "smpp_esme.js", std::vector<std::string>{"127.0.0.1", std::to_string(g.port), g.system_id,
                                               password, bind_type});
}

TEST(SmppServerNpmClientTest, AWrongPasswordIsRefusedAndTheRightOneBinds) {
  SmppGateway g;
  auto wrong = npm_esme(g, "transceiver", "nope");
  EXPECT_EQ(wrong->wait_for_event("bind_resp", 20s)["command_status"], smpp::status::kBindFail);
  auto right = npm_esme(g, "transceiver", g.password);
  EXPECT_EQ(right->wait_for_event("bind_resp", 20s)["command_status"], smpp::status::kOk);
}

TEST(SmppServerNpmClientTest, ASubmitWithRegisteredDeliveryGetsItsReceipt) {
  SmppGateway g;
  auto esme = npm_esme(g, "transceiver", g.password);
  ASSERT_EQ(esme->wait_for_event("bind_resp", 20s)["command_status"], 0);
  esme->command({{"cmd", "submit"},
                 {"from", "+12025550100"},
                 {"to", "+12025550123"},
                 {"text", "Your code is 123456"},
                 {"registered_delivery", 1},
                 {"tag", "otp"}});
  const json resp = esme->wait_for(
      [](const json& e) { return named(e, "submit_sm_resp") && e["tag"] == "otp"; }, 20s);
  ASSERT_EQ(resp["command_status"], 0) << resp.dump();
  const std::string id = resp["message_id"];
  EXPECT_EQ(g.gw.get("/v1/messages/" + id, g.key).json["body"], "Your code is 123456");
  const json receipt = esme->wait_for(
      [](const json& e) { return named(e, "deliver_sm") && e.value("is_receipt", false); }, 20s);
  EXPECT_EQ(receipt["receipted_message_id"], id) << receipt.dump();
  EXPECT_EQ(receipt["message_state"], 2);
  EXPECT_EQ(receipt["receipt"]["id"], id);
  EXPECT_EQ(receipt["receipt"]["stat"], "DELIVRD");
  EXPECT_EQ(receipt["esm_class"], 4);
}

TEST(SmppServerNpmClientTest, AnInboundMessageGoesToTheBoundReceiver) {
  SmppGateway g;
  auto rx = npm_esme(g, "receiver", g.password);
  ASSERT_EQ(rx->wait_for_event("bind_resp", 20s)["command_status"], 0);
  auto in = g.gw.post_json(
      "/v1/sim/inbound", g.key,
      {{"from", "+12025550124"}, {"to", "+12025550100"}, {"body", "Héllo from a phone 👋"}});
  ASSERT_EQ(in.status, 201) << in.body;
  const json mo = rx->wait_for(
      [](const json& e) { return named(e, "deliver_sm") && !e.value("is_receipt", true); }, 20s);
  EXPECT_EQ(mo["text"], "Héllo from a phone 👋") << mo.dump();
  EXPECT_EQ(mo["source_addr"], "12025550124");
  EXPECT_EQ(mo["destination_addr"], "12025550100");
  EXPECT_EQ(mo["data_coding"], 8);
}

TEST(SmppServerNpmClientTest, AConcatenatedSubmitIsJoinedIntoOneMessage) {
  SmppGateway g;
  auto esme = npm_esme(g, "transmitter", g.password);
  ASSERT_EQ(esme->wait_for_event("bind_resp", 20s)["command_status"], 0);
  std::string text;
  for (int i = 0; i < 8; ++i) text += "A long reminder, sent as parts. ";  // 8 × 32 = 256
  for (const std::string split : {"udh", "sar"}) {
    esme->command({{"cmd", "submit"},
                   {"from", "+12025550100"},
                   {"to", "+12025550123"},
                   {"text", text},
                   {"split", split},
                   {"tag", split}});
    const json done = esme->wait_for(
        [&](const json& e) { return named(e, "submit_done") && e["tag"] == split; }, 20s);
    ASSERT_EQ(done["ok"], 2) << done.dump();
    const auto& ids = done["message_ids"];
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(ids[0], ids[1]) << "every part is answered with the one message's id";
    auto m = g.gw.get("/v1/messages/" + ids[0].get<std::string>(), g.key).json;
    EXPECT_EQ(m["body"], text);
    EXPECT_EQ(m["segments"], 2);
  }
}

TEST(SmppServerNpmClientTest, SubmitsOverTheBindThroughputAreAnsweredThrottled) {
  SmppGateway g("bind_throughput = 5\n");
  auto esme = npm_esme(g, "transmitter", g.password);
  ASSERT_EQ(esme->wait_for_event("bind_resp", 20s)["command_status"], 0);
  esme->command({{"cmd", "submit"},
                 {"from", "+12025550100"},
                 {"to", "+12025550123"},
                 {"text", "burst"},
                 {"count", 30},
                 {"window", 30},
                 {"tag", "burst"}});
  const json done = esme->wait_for(
      [](const json& e) { return named(e, "submit_done") && e["tag"] == "burst"; }, 20s);
  const int throttled = done["statuses"].value(std::to_string(smpp::status::kThrottled), 0);
  EXPECT_GT(throttled, 0) << done.dump();
  EXPECT_GT(done["ok"].get<int>(), 0) << done.dump();
  EXPECT_EQ(done["ok"].get<int>() + throttled, 30) << done.dump();
  // Nothing throttled was stored.
  auto list = g.gw.get("/v1/messages?limit=100", g.key).json["data"];
  EXPECT_EQ(static_cast<int>(list.size()), done["ok"].get<int>());
}

TEST(SmppServerNpmClientTest, AMalformedPduIsNackedAndTheSessionGoesOn) {
  SmppGateway g;
  auto esme = npm_esme(g, "transceiver", g.password);
  ASSERT_EQ(esme->wait_for_event("bind_resp", 20s)["command_status"], 0);
  // A submit_sm whose sm_length (200) runs past the PDU's end.
  // Header (length patched below), then 16 empty or zero mandatory fields, sm_length 200, "Hello".
  std::string bad =
      "00000000"
      "00000004"
      "00000000"
      "00000063" +
      std::string(32, '0') +
      "c8"
      "48656c6c6f";
  // command_length: the real length.
  char len[24];
  std::snprintf(len, sizeof len, "%08x", static_cast<unsigned>(bad.size() / 2));
  bad.replace(0, 8, len);
  esme->command({{"cmd", "raw"}, {"hex", bad}});
  const json nack = esme->wait_for_event("generic_nack", 20s);
  EXPECT_NE(nack["command_status"], 0);
  EXPECT_EQ(nack["seq"], 0x63);
  esme->command({{"cmd", "enquire_link"}, {"tag", "alive"}});
  EXPECT_EQ(esme->wait_for_event("enquire_link_resp", 20s)["command_status"], 0);
  esme->command({{"cmd", "submit"},
                 {"from", "+12025550100"},
                 {"to", "+12025550123"},
                 {"text", "still bound"},
                 {"tag", "after"}});
  EXPECT_EQ(esme->wait_for(
                [](const json& e) { return named(e, "submit_sm_resp") && e["tag"] == "after"; },
                20s)["command_status"],
            0);
}

TEST(SmppServerNpmClientTest, OverTlsTheCertificateIsCheckedAndSubmitsAndReceiptsFlow) {
  TlsIdentity id;
  TempDir certs;
  id.write_cert(certs.file("cert.pem"));
  id.write_key(certs.file("key.pem"));
  SmppGateway g("tls_listen = \"127.0.0.1:0\"\ntls_cert_file = \"" + certs.file("cert.pem") +
                "\"\ntls_key_file = \"" + certs.file("key.pem") + "\"\n");
  std::smatch m;
  const std::regex re("smpp: listening for TLS on [0-9.]+:([0-9]+)");
  std::string log;
  ASSERT_TRUE(wait_until(
      [&] {
        log = g.gw.server_log();
        return std::regex_search(log, m, re);
      },
      10s))
      << log;
  const std::string tls_port = m[1];
  // The client checks the server's certificate against our CA (verification on).
  NodePeer esme("smpp_esme.js", {"127.0.0.1", tls_port, g.system_id, g.password, "transceiver",
                                 json{{"tls", true}, {"ca", certs.file("cert.pem")}}.dump()});
  ASSERT_EQ(esme.wait_for_event("bind_resp", 20s)["command_status"], 0);
  esme.command({{"cmd", "submit"},
                {"from", "+12025550100"},
                {"to", "+12025550123"},
                {"text", "sent over TLS"},
                {"registered_delivery", 1},
                {"tag", "tls"}});
  const json resp = esme.wait_for(
      [](const json& e) { return named(e, "submit_sm_resp") && e["tag"] == "tls"; }, 20s);
  ASSERT_EQ(resp["command_status"], 0) << resp.dump();
  const json receipt = esme.wait_for(
      [](const json& e) { return named(e, "deliver_sm") && e.value("is_receipt", false); }, 20s);
  EXPECT_EQ(receipt["receipted_message_id"], resp["message_id"]);
  // Plain SMPP on the TLS port gets no bind: the handshake fails and the session closes.
  NodePeer plain_on_tls("smpp_esme.js",
                        {"127.0.0.1", tls_port, g.system_id, g.password, "transceiver"});
  plain_on_tls.wait_for_event("disconnect", 20s);
  EXPECT_TRUE(plain_on_tls.events_named("bind_resp").empty());
}

}  // namespace
}  // namespace sb::test
