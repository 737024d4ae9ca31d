// The SMPP 3.4 connector: Switchboard as an ESME keeping binds to a carrier's SMSC, submitting
// messages on them, and taking delivery receipts and inbound messages (deliver_sm / data_sm) off
// them. Sessions live on one Boost.Asio thread; send() blocks a dispatcher send thread until its
// submit_sm_resp (or its deadline).
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "providers/connector.h"
#include "providers/settings.h"
#include "providers/smpp/smpp_config.h"
#include "providers/spec.h"

namespace sb::providers::smpp {

class SmppConnector final : public Connector {
 public:
  // Nothing connects until start(). `clock` stamps receipts and inbound messages; intervals and
  // deadlines run on the steady clock, since they time a socket.
  SmppConnector(SmppConfig config, const Clock& clock);
  // Calls stop().
  ~SmppConnector() override;

  const std::string& id() const override;
  std::string_view provider() const override { return "smpp"; }
  const ProviderCapabilities& capabilities() const override { return kCapabilities; }

  // Submits `m` as one or more submit_sm on a bound session with window room, within the
  // connector's timeout_ms. The message's provider_message_id is the id the SMSC gave its LAST
  // part (the only part asking for a delivery receipt). Throttling answers are re-submitted here
  // while the deadline allows (a throttled submit was not accepted, so this cannot send twice),
  // then kRateLimited. A multi-part message refused after some parts were accepted keeps them in
  // memory by `idempotency_key` (with its concatenation reference), so the dispatcher's retry
  // sends only the rest. Failures: smpp::status_name codes classified by classify_status;
  // "smpp_not_bound" (no session bound in time), "smpp_connection_lost" (the session died with
  // this submit unanswered: the SMSC may or may not have it), "smpp_timeout" (no answer in time,
  // same uncertainty), "smpp_window_full", "smpp_throughput".
  SendResult send(const Message& m, const std::string& idempotency_key) override;
  bool blocking_send() const override { return true; }
  // Ok while at least one session can submit; kTransient "smpp_not_bound" otherwise (its message
  // carries the last bind refusal, e.g. a wrong password, for the operator).
  ProviderResult<void> health_check() override;
  // SMPP has no lookup by our reference (submit_sm carries none the SMSC can search by; query_sm
  // needs the SMSC's own id, which is exactly what was lost), so the default kUnsupported stands
  // for find_previous_send; query_status is not offered either (yet).
  void set_inbound_sink(InboundSink& sink) override;
  // Starts the io thread (which connects and binds every session) and the receipt/MO worker.
  void start(StatusSink& sink) override;
  // Unbinds bound sessions politely (waiting up to unbind_wait_ms for unbind_resp), closes them,
  // fails submits in flight, joins the threads. Idempotent.
  void stop() override;

  // --- observation, for tests and /readyz details ---
  // Sessions able to submit right now.
  int bound_sessions() const;
  // Waits up to `timeout_ms` until at least `sessions` can submit; whether they could.
  bool wait_bound(int sessions, int64_t timeout_ms);
  // Multi-part messages whose accepted parts are remembered for a retry.
  size_t remembered_partials() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Builds a connector from its [[connectors]] table (parse_config).
Result<std::unique_ptr<Connector>> make_connector(const ConnectorSettings& s, ConnectorDeps& deps);
// The registry row: keys, factory, capabilities; its webhooks refuse everything (SMPP has none).
ProviderSpec provider_spec();

}  // namespace sb::providers::smpp
