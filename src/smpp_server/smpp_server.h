// The SMPP server surface: apps bind to Switchboard as ESMEs (Switchboard is their SMSC), submit
// messages through the engine's MessageService, and get inbound messages and delivery receipts
// as deliver_sm from the account's event stream (docs/configuration.md, [smpp]).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/account_service.h"
#include "engine/event_stream.h"
#include "engine/message_service.h"
#include "smpp/pdu.h"

namespace sb::smpp_server {

struct SmppServerOptions {
  // Plain SMPP on host:port (when `plain`), SMPP over TLS on tls_host:tls_port (when `tls`).
  bool plain = true;
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0: any free port (port() tells which)
  bool tls = false;
  std::string tls_host = "127.0.0.1";
  unsigned short tls_port = 0;                       // 0: any free port (tls_port() tells which)
  std::string tls_cert_file;                         // PEM certificate chain
  std::string tls_key_file;                          // PEM private key
  uint32_t max_pdu_size = smpp::kDefaultMaxPduSize;  // a longer command_length closes the session
  int64_t bind_throughput = 500;  // submits per second per bind (token bucket); 0: unlimited
  int64_t window = 10;            // deliver_sm awaiting their resp, per bind
  int64_t enquire_link_s = 30;    // idle this long: we send enquire_link; 3x: the session closes
  int64_t bind_timeout_s = 10;    // a connection that has not bound by then is closed
  int64_t concat_timeout_ms = 10'000;  // an incomplete concatenated submit is stored after this
  int64_t response_timeout_s = 30;     // a deliver_sm without a resp by then is sent again
  int io_threads = 1;                  // 1-2
  int workers = 2;                     // password checks and store reads, off the io threads
  size_t queue_limit = 1'000;          // events waiting per system_id before resubscribing
};

class Hub;

// Owns the listeners, their io threads and every session. start() throws std::runtime_error when
// an address cannot be bound or the TLS certificate or key cannot be read; stop() closes every
// session (answered submits are durable; an unanswered one may or may not be stored, as with any
// SMSC), saves each system_id's delivery cursor, and joins the threads. Both are called from one
// controlling thread.
class SmppServer {
 public:
  SmppServer(SmppServerOptions options, engine::MessageService& messages,
             engine::AccountService& accounts, engine::EventStream& events);
  ~SmppServer();
  SmppServer(const SmppServer&) = delete;
  SmppServer& operator=(const SmppServer&) = delete;

  void start();
  void stop();
  // The bound ports (after start(); 0 when that listener is off).
  unsigned short port() const;
  unsigned short tls_port() const;

 private:
  std::shared_ptr<Hub> hub_;
};

}  // namespace sb::smpp_server
